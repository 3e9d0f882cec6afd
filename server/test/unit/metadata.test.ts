import { describe, expect, it } from 'vitest';
import {
  DEFAULT_METADATA_LIMITS,
  extractMetadata,
  headerBlocks,
  type ImageMetadata,
  type MetadataLimits,
  type MetadataSource,
} from '../../src/imaging/metadata/index.js';
import { DEFAULT_IMAGE_LIMITS } from '../../src/imaging/process.js';
import sharp from '../../src/imaging/sharp.js';
import type { ImageFormat } from '../../src/imaging/sniff.js';
import { prepareImage } from '../../src/modules/image/image.pipeline.js';
import * as images from '../fixtures/images.js';
import * as fx from '../fixtures/metadata-fixtures.js';

/** What the upload pipeline passes: sharp's header, read with every frame counted, and its metadata blocks. */
async function sourceOf(input: Buffer, format: ImageFormat): Promise<MetadataSource> {
  const meta = await sharp(input, { animated: true }).metadata();
  return {
    format,
    width: meta.width,
    height: meta.pageHeight ?? meta.height,
    frames: meta.pages ?? 1,
    animation: { ...(meta.delay && { delays: meta.delay }), ...(meta.loop !== undefined && { loop: meta.loop }) },
    blocks: headerBlocks(meta),
  };
}

async function extract(input: Buffer, format: ImageFormat, limits?: MetadataLimits): Promise<ImageMetadata> {
  const result = await extractMetadata(input, await sourceOf(input, format), limits);
  expectPlainJson(result);
  return result;
}

/** Survives JSON unchanged, holds only plain objects and arrays, and no key that could pollute. */
function expectPlainJson(value: unknown): void {
  expect(JSON.parse(JSON.stringify(value))).toStrictEqual(value);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node === 'number') return void expect(Number.isFinite(node)).toBe(true);
    if (typeof node !== 'object' || node === null) return;
    expect(Object.getPrototypeOf(node)).toBe(Object.prototype);
    for (const [key, child] of Object.entries(node)) {
      expect(['__proto__', 'constructor', 'prototype']).not.toContain(key);
      walk(child);
    }
  };
  walk(value);
}

function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [k, ...allStrings(v)]);
  }
  return [];
}

const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|\p{Cs}/u;

function expectSafeText(result: ImageMetadata, limits: MetadataLimits = DEFAULT_METADATA_LIMITS): void {
  for (const s of allStrings(result)) {
    expect(s).not.toMatch(UNSAFE);
    expect(s.length).toBeLessThanOrEqual(limits.maxStringLength);
  }
  expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThanOrEqual(limits.maxTotalBytes);
  expect(Object.keys(result.fields).length).toBeLessThanOrEqual(limits.maxFields);
}

/** Runs `work` and says how long it took: hostile input must not be slow. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

describe('EXIF', () => {
  it.each([false, true])('reads camera, exposure, capture time, orientation and place (big-endian: %s)', async (bigEndian) => {
    const file = await fx.jpegWith(fx.app1Exif(fx.cameraTiff({ bigEndian })));
    const result = await extract(file, 'jpeg');

    expect(result.format).toBe('jpeg');
    expect(result.size).toEqual({ width: 32, height: 24 });
    expect(result.camera).toEqual({
      make: 'Canon',
      model: 'Canon EOS R5',
      lens: 'RF50mm F1.8 STM',
      software: 'Firmware Version 1.8.1',
    });
    expect(result.exposure).toEqual({
      exposureTime: 0.004,
      fNumber: 2.8,
      iso: 400,
      focalLength: 50,
      flash: 'Flash fired, auto mode',
    });
    expect(result.capturedAt).toBe('2024-05-01T12:34:56.123+02:00');
    expect(result.orientation).toBe(6);
    expect(result.location!.latitude).toBeCloseTo(-33.865, 5);
    expect(result.location!.longitude).toBeCloseTo(-151.208333, 5);
    expect(result.location!.altitude).toBeCloseTo(-12.5, 5);

    expect(result.fields['IFD0.Make']).toBe('Canon');
    expect(result.fields['IFD0.XPTitle']).toBe('Sunset ☀ over the bay');
    expect(result.fields['Exif.ExposureTime']).toBe(0.004);
    expect(result.fields['Exif.DateTimeOriginal']).toBe('2024:05:01 12:34:56');
    expect(result.fields['Exif.UserComment']).toBe('Shot from the pier');
    expect(result.fields['GPS.GPSLatitudeRef']).toBe('S');
    expect(result.fields['GPS.GPSVersionID']).toBe('2.3.0.0');
    // The vendor blob is binary and must not appear in any form.
    expect(Object.keys(result.fields).some((k) => /maker/i.test(k))).toBe(false);
    expect(JSON.stringify(result)).not.toMatch(/171,171/);
  });

  it('reads EXIF as sharp (libvips) writes it', async () => {
    const file = await images.jpeg({ width: 120, height: 80, orientation: 8, gps: { lat: 48.8584, lon: 2.2945 } });
    const result = await extract(file, 'jpeg');
    expect(result.camera).toEqual({ make: 'Lockframe Test Camera', model: 'Fixture 1' });
    expect(result.orientation).toBe(8);
    expect(result.location!.latitude).toBeCloseTo(48.8584, 4);
    expect(result.location!.longitude).toBeCloseTo(2.2945, 4);
    expect(result.size).toEqual({ width: 120, height: 80 });
  });

  it.each([
    { lat: 51.5007, lon: -0.1246, place: 'north-west' },
    { lat: 35.6586, lon: 139.7454, place: 'north-east' },
    { lat: -22.9519, lon: -43.2105, place: 'south-west' },
    { lat: -33.8568, lon: 151.2153, place: 'south-east' },
  ])('converts GPS to signed decimal degrees ($place)', async ({ lat, lon }) => {
    const file = await fx.jpegWith(fx.app1Exif(fx.tiff({ ifd0: [[fx.TAG.Make, { ascii: 'X' }]], gps: fx.gpsEntries(lat, lon, 35) })));
    const { location } = await extract(file, 'jpeg');
    expect(Math.sign(location!.latitude)).toBe(Math.sign(lat));
    expect(Math.sign(location!.longitude)).toBe(Math.sign(lon));
    expect(location!.latitude).toBeCloseTo(lat, 5);
    expect(location!.longitude).toBeCloseTo(lon, 5);
    expect(location!.altitude).toBeCloseTo(35, 5);
  });

  it.each([
    { name: 'latitude above 90', lat: [[95, 1], [0, 1], [0, 1]], lon: [[10, 1], [0, 1], [0, 1]] },
    { name: 'longitude above 180', lat: [[10, 1], [0, 1], [0, 1]], lon: [[200, 1], [0, 1], [0, 1]] },
    { name: 'a zero denominator', lat: [[10, 0], [0, 1], [0, 1]], lon: [[10, 1], [0, 1], [0, 1]] },
    { name: 'a single value instead of three', lat: [[10, 1]], lon: [[10, 1]] },
  ] as Array<{ name: string; lat: Array<[number, number]>; lon: Array<[number, number]> }>)(
    'omits a location with $name',
    async ({ lat, lon }) => {
      const gps: fx.TiffEntries = [
        [fx.TAG.GPSLatitudeRef, { ascii: 'N' }],
        [fx.TAG.GPSLatitude, { rational: lat }],
        [fx.TAG.GPSLongitudeRef, { ascii: 'E' }],
        [fx.TAG.GPSLongitude, { rational: lon }],
      ];
      const file = await fx.jpegWith(fx.app1Exif(fx.tiff({ ifd0: [[fx.TAG.Make, { ascii: 'Still here' }]], gps })));
      const result = await extract(file, 'jpeg');
      expect(result.location).toBeUndefined();
      expect(result.camera?.make).toBe('Still here');
    },
  );

  it('gives a capture time without an offset as written, and falls back to CreateDate', async () => {
    const noOffset = fx.tiff({ ifd0: [[fx.TAG.Make, { ascii: 'A' }]], exif: [[fx.TAG.DateTimeOriginal, { ascii: '2019:12:31 23:59:59' }]] });
    expect((await extract(await fx.jpegWith(fx.app1Exif(noOffset)), 'jpeg')).capturedAt).toBe('2019-12-31T23:59:59');

    const created = fx.tiff({
      ifd0: [[fx.TAG.Make, { ascii: 'A' }]],
      exif: [
        [fx.TAG.DateTimeOriginal, { ascii: '0000:00:00 00:00:00' }],
        [fx.TAG.CreateDate, { ascii: '2020:02:29 06:07:08' }],
      ],
    });
    expect((await extract(await fx.jpegWith(fx.app1Exif(created)), 'jpeg')).capturedAt).toBe('2020-02-29T06:07:08');

    const garbage = fx.tiff({ ifd0: [[fx.TAG.Make, { ascii: 'A' }]], exif: [[fx.TAG.DateTimeOriginal, { ascii: 'yesterday' }]] });
    expect((await extract(await fx.jpegWith(fx.app1Exif(garbage)), 'jpeg')).capturedAt).toBeUndefined();
  });

  it('reads EXIF from a PNG eXIf chunk and a WebP EXIF chunk', async () => {
    const png = fx.withPngChunks(await images.png(), [fx.eXIf(fx.cameraTiff())]);
    const fromPng = await extract(png, 'png');
    expect(fromPng.camera?.model).toBe('Canon EOS R5');
    expect(fromPng.orientation).toBe(6);
    expect(fromPng.location!.latitude).toBeCloseTo(-33.865, 5);

    const webp = await sharp({ create: { width: 20, height: 10, channels: 3, background: '#345' } })
      .webp()
      .withExif({ IFD0: { Make: 'WebP Maker', Model: 'W1' }, IFD2: { DateTimeOriginal: '2023:07:08 09:10:11' } })
      .toBuffer();
    const fromWebp = await extract(webp, 'webp');
    expect(fromWebp.camera).toEqual({ make: 'WebP Maker', model: 'W1' });
    expect(fromWebp.capturedAt).toBe('2023-07-08T09:10:11');
  });
});

describe('IPTC, XMP and ICC', () => {
  it('reads IPTC from a Photoshop APP13 segment, as UTF-8', async () => {
    const data = fx.iptc([
      [105, 'Harbour at dusk'],
      [120, 'Boats in the harbour of Zürich — “quiet”'],
      [25, 'harbour'],
      [25, 'boats'],
      [25, 'Zürich'],
      [80, 'Ana Lima'],
      [116, '© 2024 Ana Lima'],
      [90, 'Zürich'],
    ]);
    const result = await extract(await fx.jpegWith(fx.app13Iptc(data)), 'jpeg');
    expect(result.iptc).toEqual({
      headline: 'Harbour at dusk',
      caption: 'Boats in the harbour of Zürich — “quiet”',
      keywords: ['harbour', 'boats', 'Zürich'],
      byline: 'Ana Lima',
      copyright: '© 2024 Ana Lima',
      city: 'Zürich',
    });
    expect(result.fields['IPTC.Keywords']).toBe('harbour, boats, Zürich');
  });

  it('reads title, description, creators, keywords and rating from XMP', async () => {
    const result = await extract(await fx.jpegWith(fx.app1Xmp(fx.photoXmp())), 'jpeg');
    expect(result.xmp).toEqual({
      title: 'Sunset <over> the bay',
      description: 'Evening light, ☺',
      creator: ['Ana Lima', 'Bo Chen'],
      subject: ['sunset', 'sea', 'pier'],
      rating: '4',
      creatorTool: 'Lightroom & friends',
      city: 'Lisboa',
    });
    expect(result.fields['XMP.subject']).toBe('sunset, sea, pier');
  });

  it('reads XMP written by sharp into a JPEG and a WebP', async () => {
    for (const format of ['jpeg', 'webp'] as const) {
      const file = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
        [format]()
        .withXmp(fx.photoXmp())
        .toBuffer();
      expect((await extract(file, format)).xmp?.title).toBe('Sunset <over> the bay');
    }
  });

  it('does not let XMP element names reach Object.prototype', async () => {
    const result = await extract(await fx.jpegWith(fx.app1Xmp(fx.prototypePollutingXmp())), 'jpeg');
    expect(result.xmp).toEqual({ title: 'safe' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('reads the ICC profile description: v2 desc, v4 mluc, split over APP2 segments, and from libvips', async () => {
    const v2 = await extract(await fx.jpegWith(fx.app2Icc(fx.iccProfile('Test RGB v2'))), 'jpeg');
    expect(v2.icc).toEqual({ description: 'Test RGB v2' });
    expect(v2.fields['ICC.ProfileClass']).toBe('Display device');
    expect(v2.fields['ICC.ColorSpace']).toBe('RGB');

    const v4 = await extract(await fx.jpegWith(fx.app2Icc(fx.iccProfile('Test RGB v4 ☀', { mluc: true }))), 'jpeg');
    expect(v4.icc).toEqual({ description: 'Test RGB v4 ☀' });

    // 150 KB: three APP2 segments, deliberately out of order in the file.
    const split = fx.app2Icc(fx.iccProfile('Big profile', { padTo: 150_000 }), 60_000);
    const shuffled = await extract(await fx.jpegWith([split[2]!, split[0]!, split[1]!]), 'jpeg');
    expect(shuffled.icc).toEqual({ description: 'Big profile' });

    const p3 = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .jpeg()
      .withIccProfile('p3')
      .toBuffer();
    expect((await extract(p3, 'jpeg')).icc?.description).toMatch(/P3/);
    const p3Png = await sharp(p3).png().withIccProfile('p3').toBuffer();
    expect((await extract(p3Png, 'png')).icc?.description).toMatch(/P3/);
  });

  it('survives an ICC mluc tag that would make exifr loop until out of memory', async () => {
    const file = await fx.jpegWith(fx.app2Icc(fx.endlessMlucProfile()), fx.app1Exif(fx.cameraTiff()));
    const { value, ms } = await timed(() => extract(file, 'jpeg'));
    expect(ms).toBeLessThan(1000);
    expect(value.camera?.make).toBe('Canon');
    expect(value.icc).toBeUndefined();
    expect(value.fields['ICC.ProfileClass']).toBe('Display device');
  });
});

describe('PNG', () => {
  it('reads the header and tEXt, zTXt and iTXt text, compressed or not', async () => {
    const file = fx.withPngChunks(await images.png({ width: 30, height: 20 }), [
      fx.tEXt('Title', 'Plain Latin-1 caf\xe9'),
      fx.zTXt('Comment', 'Compressed comment'),
      fx.iTXt('Description', 'Unicode: 東京 ☀', { language: 'ja', translated: '説明' }),
      fx.iTXt('Author', 'Compressed Ünïcode', { compressed: true }),
      fx.iTXt('XML:com.adobe.xmp', fx.photoXmp(), { compressed: true }),
    ]);
    const result = await extract(file, 'png');
    expect(result.png).toEqual({
      width: 30,
      height: 20,
      bitDepth: 8,
      colorType: 'Truecolour with alpha',
      interlace: false,
      text: {
        Title: 'Plain Latin-1 café',
        Comment: 'Compressed comment',
        Description: 'Unicode: 東京 ☀',
        Author: 'Compressed Ünïcode',
      },
    });
    expect(result.xmp?.subject).toEqual(['sunset', 'sea', 'pier']);
    expect(result.fields['PNG.Text.Comment']).toBe('Compressed comment');
    expect(result.fields['PNG.ColorType']).toBe('Truecolour with alpha');
  });

  it('skips chunks with a bad CRC and keywords that could pollute prototypes', async () => {
    const file = fx.withPngChunks(await images.png(), [
      fx.pngChunk('tEXt', Buffer.from('Broken\0damaged in transit', 'latin1'), { badCrc: true }),
      fx.tEXt('__proto__', 'polluted'),
      fx.tEXt('constructor', 'polluted'),
      fx.tEXt('Fine', 'kept'),
    ]);
    const result = await extract(file, 'png');
    expect(result.png?.text).toEqual({ Fine: 'kept' });
    expect(Object.keys(result.fields).filter((k) => k.startsWith('PNG.Text.'))).toEqual(['PNG.Text.Fine']);
  });

  it('stops decompression bombs in zTXt, iTXt and iCCP', async () => {
    const bomb = fx.zlibBomb(64 * 1024 * 1024);
    const file = fx.withPngChunks(await images.png(), [
      fx.pngChunk('zTXt', Buffer.concat([Buffer.from('Bomb\0\0', 'latin1'), bomb])),
      fx.pngChunk('iCCP', Buffer.concat([Buffer.from('ICC\0\0', 'latin1'), bomb])),
      fx.iTXt('Small', 'still read'),
    ]);
    const before = process.memoryUsage().arrayBuffers;
    const { value, ms } = await timed(() => extract(file, 'png'));
    expect(ms).toBeLessThan(2000);
    expect(value.png?.text).toEqual({ Small: 'still read' });
    expect(value.icc).toBeUndefined();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('animation', () => {
  it('reports frames, delays and loop of a GIF from the header info', async () => {
    const file = await images.gifAnimated(4);
    const result = await extract(file, 'gif');
    expect(result.animation).toEqual({ frames: 4, loop: 0, delays: [100, 100, 100, 100] });
    expect(result.size).toEqual({ width: 40, height: 30 });
    expect(result.fields['Animation.Frames']).toBe(4);
  });

  it('reports frames, delays and loop of an animated WebP from the header info', async () => {
    const file = await images.webpAnimated({ frames: 3 });
    const result = await extract(file, 'webp');
    expect(result.animation).toEqual({ frames: 3, loop: 0, delays: [80, 80, 80] });
    expect(result.size).toEqual({ width: 40, height: 30 });
    // Frames without delays or loop: the file is not read for them again.
    const framesOnly = await extractMetadata(file, { format: 'webp', width: 40, height: 30, frames: 3, blocks: {} });
    expect(framesOnly.animation).toEqual({ frames: 3 });
  });

  it('reports no animation for stills', async () => {
    expect((await extract(await images.webp(), 'webp')).animation).toBeUndefined();
    expect((await extract(await images.gifAnimated(1), 'gif')).animation).toBeUndefined();
  });

  it('bounds the delays list', async () => {
    const delays = Array.from({ length: 5000 }, () => 20);
    const source: MetadataSource = { format: 'gif', width: 10, height: 10, frames: 5000, animation: { delays, loop: 3 }, blocks: {} };
    const result = await extractMetadata(await images.gifAnimated(1), source);
    expect(result.animation?.frames).toBe(5000);
    expect(result.animation?.delays).toHaveLength(DEFAULT_METADATA_LIMITS.maxFields);
    expectPlainJson(result);
  });
});

describe('hostile metadata', () => {
  it.each([
    { name: 'an IFD whose next link and sub-IFD pointers point at itself', block: fx.loopingTiff, make: 'Loop Camera' },
    { name: 'Exif and GPS IFDs pointing back at IFD0', block: fx.crossLinkedTiff, make: 'Cross Camera' },
    { name: 'an IFD declaring 65535 entries', block: fx.manyEntriesTiff, make: 'Many Camera' },
    { name: 'entries with impossible counts, offsets and types', block: fx.impossibleEntriesTiff, make: 'Sane Make' },
  ])('terminates quickly on $name and keeps the sane values', async ({ block, make }) => {
    const file = await fx.jpegWith(fx.app1Exif(block()));
    const before = process.memoryUsage().arrayBuffers;
    const { value, ms } = await timed(() => extract(file, 'jpeg'));
    expect(ms).toBeLessThan(1000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    expect(value.camera?.make).toBe(make);
    expect(Object.keys(value.fields).length).toBeLessThan(50);
    expectSafeText(value);
  });

  it('keeps the sane values next to impossible ones', async () => {
    const result = await extract(await fx.jpegWith(fx.app1Exif(fx.impossibleEntriesTiff())), 'jpeg');
    expect(result.orientation).toBe(3);
    expect(result.exposure).toEqual({ iso: 200 });
    expect(result.camera).toEqual({ make: 'Sane Make' });
  });

  it('keeps script-like text as plain text, without control or bidi characters, and bounded', async () => {
    const file = await fx.jpegWith(fx.app1Exif(fx.hugeStringTiff()));
    const { value, ms } = await timed(() => extract(file, 'jpeg'));
    expect(ms).toBeLessThan(1000);
    expectSafeText(value);
    expect(value.camera).toEqual({ make: '<img src=x onerror=alert(1)>', model: 'javascript:alert(1)' });
    const description = value.fields['IFD0.ImageDescription'] as string;
    expect(description.length).toBe(DEFAULT_METADATA_LIMITS.maxStringLength);
    expect(description.endsWith('…')).toBe(true);
    expect(description.startsWith('<script>alert(1)</script> javascript:alert(document.cookie) gnp.exe abc[31m d\te\nfg')).toBe(
      true,
    );
  });

  it('cleans hostile text wherever it comes from: EXIF UTF-16, IPTC, XMP, PNG text, JPEG comment', async () => {
    const xp = fx.tiff({ ifd0: [[fx.TAG.XPTitle, { byte: fx.utf16le(fx.HOSTILE_TEXT) }]] });
    const xmp = fx.xmpPacket(
      `<rdf:Description ${fx.XMP_NAMESPACES}><dc:title>${fx.HOSTILE_TEXT.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))}</dc:title></rdf:Description>`,
    );
    const jpegFile = await fx.jpegWith(fx.app1Exif(xp), fx.app1Xmp(xmp), fx.app13Iptc(fx.iptc([[105, fx.HOSTILE_TEXT]])), fx.comment(fx.HOSTILE_TEXT));
    const fromJpeg = await extract(jpegFile, 'jpeg');
    expectSafeText(fromJpeg);
    for (const text of [fromJpeg.fields['IFD0.XPTitle'], fromJpeg.iptc?.headline, fromJpeg.xmp?.title, fromJpeg.fields['JPEG.Comment']]) {
      expect(text).toMatch(/^<script>alert\(1\)<\/script> javascript:alert\(document\.cookie\) gnp\.exe abc\[31m d\te\nfg/);
    }
    // A lone surrogate from UTF-16 becomes U+FFFD rather than invalid text.
    expect(fromJpeg.fields['IFD0.XPTitle']).toMatch(/\ufffd$/);

    const pngFile = fx.withPngChunks(await images.png(), [fx.iTXt('Comment', fx.HOSTILE_TEXT), fx.tEXt('Key\u0007Bell', 'x')]);
    const fromPng = await extract(pngFile, 'png');
    expectSafeText(fromPng);
    expect(fromPng.png?.text.Comment).toMatch(/^<script>alert\(1\)<\/script>/);
    expect(fromPng.png?.text.KeyBell).toBe('x');
  });

  it('reads deeply nested XMP in linear time', async () => {
    const deep = fx.deeplyNestedXmp(600); // just under one 64 KB APP1 segment
    const jpegFile = await fx.jpegWith(fx.app1Xmp(deep));
    const jpegRun = await timed(() => extract(jpegFile, 'jpeg'));
    expect(jpegRun.ms).toBeLessThan(1000);
    expect(jpegRun.value.xmp?.title).toBe('deep title');

    const deeper = fx.deeplyNestedXmp(20_000); // 2 MB of XMP in a PNG
    const file = fx.withPngChunks(await images.png(), [fx.iTXt('XML:com.adobe.xmp', deeper, { compressed: true })]);
    const pngRun = await timed(() => extract(file, 'png'));
    expect(pngRun.ms).toBeLessThan(1000);
    expectSafeText(pngRun.value);
  });

  it('never throws for damaged metadata, and still reports format and size', async () => {
    const garbageExif = await fx.jpegWith(fx.segment(0xe1, 'Exif\0\0', Buffer.from('MM\0*\xff\xff\xff\xffnonsense', 'latin1')));
    const truncatedIptc = await fx.jpegWith(fx.app13Iptc(Buffer.from([0x1c, 0x02, 0x69, 0xff, 0xff, 0x41])));
    const cases: Array<[Buffer, ImageFormat]> = [
      [garbageExif, 'jpeg'],
      [truncatedIptc, 'jpeg'],
      [await images.truncatedJpeg(), 'jpeg'],
      [await images.jpegWithStrayBytes(), 'jpeg'],
      [await images.corruptPng(), 'png'],
      [fx.withPngChunks(await images.png(), [fx.eXIf(Buffer.from('II*\0\x08\0\0\0\xff\xff', 'latin1'))]), 'png'],
    ];
    for (const [file, format] of cases) {
      const result = await extract(file, format);
      expect(result.format).toBe(format);
      expect(result.size?.width).toBeGreaterThan(0);
    }
    for (const format of ['jpeg', 'png', 'gif', 'webp'] as const) {
      for (const bytes of [Buffer.alloc(0), Buffer.from('not an image at all'), Buffer.alloc(5000, 0xff)]) {
        const result = await extractMetadata(bytes, { format, width: 3, height: 2, frames: 1, blocks: {} });
        expect(result).toEqual({ format, size: { width: 3, height: 2 }, fields: {} });
        // The same garbage as the blocks libvips found.
        const blocks = { exif: bytes, icc: bytes, iptc: bytes, xmp: bytes };
        expect(await extractMetadata(bytes, { format, width: 3, height: 2, frames: 1, blocks })).toEqual(result);
      }
    }
  });
});

describe('blocks as libvips hands them over', () => {
  it('reads only the first 256 Ki characters of an oversized XMP packet', async () => {
    const pad = ' '.repeat(600_000);
    const xml = fx.xmpPacket(
      `<rdf:Description ${fx.XMP_NAMESPACES}><dc:title>early</dc:title>${pad}<xmp:Label>late</xmp:Label></rdf:Description>`,
    );
    const webp = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).webp().withXmp(xml).toBuffer();
    const source = await sourceOf(webp, 'webp');
    expect(source.blocks.xmp!.length).toBeGreaterThan(600_000);
    const result = await extractMetadata(webp, source);
    expectPlainJson(result);
    expect(result.xmp).toEqual({ title: 'early' });
  });

  it('decodes at most 1 MiB of an XMP packet, cut between UTF-8 sequences', async () => {
    const head = Buffer.from(fx.xmpPacket(`<rdf:Description ${fx.XMP_NAMESPACES}><dc:title>Zürich</dc:title>`), 'utf8');
    const MiB = 1024 * 1024;
    // "ü" takes two bytes: the first ends where the bound falls, the second is past it.
    const filler = Buffer.alloc(MiB - 1 - head.length, 0x20);
    const tail = Buffer.concat([Buffer.from('ü', 'utf8'), Buffer.from([0xff]), Buffer.from('</rdf:Description>')]);
    const xmp = Buffer.concat([head, filler, tail]);
    const result = await extractMetadata(xmp, { format: 'jpeg', width: 1, height: 1, frames: 1, blocks: { xmp } });
    // The packet as a whole is not UTF-8 (0xff), so reading all of it, or cutting inside "ü", falls back to Latin-1.
    expect(result.xmp).toEqual({ title: 'Zürich' });
  });

  it('ignores an IPTC resource whose size runs past its APP13 segment, and keeps the EXIF', async () => {
    const data = fx.iptc([[105, 'Should not be read']]);
    const resource = Buffer.alloc(12);
    resource.write('8BIM', 0, 'latin1');
    resource.writeUInt16BE(0x0404, 4);
    resource.writeUInt32BE(data.length + 100, 8); // says more than the segment holds
    const app13 = fx.segment(0xed, 'Photoshop 3.0\0', resource, data);
    const file = await fx.jpegWith(fx.app1Exif(fx.cameraTiff()), app13);
    expect((await sourceOf(file, 'jpeg')).blocks.iptc).toBeDefined();
    const result = await extract(file, 'jpeg');
    expect(result.iptc).toBeUndefined();
    expect(Object.keys(result.fields).some((k) => k.startsWith('IPTC.'))).toBe(false);
    expect(result.camera?.make).toBe('Canon');
  });

  it('ignores a Photoshop block whose resource name runs past its end', async () => {
    const file = await fx.jpegWith(fx.segment(0xed, 'Photoshop 3.0\0', '8BIM\x04\x04\xff', 'a name cut short'), fx.app1Exif(fx.cameraTiff()));
    const result = await extract(file, 'jpeg');
    expect(result.iptc).toBeUndefined();
    expect(result.camera?.model).toBe('Canon EOS R5');
  });

  it('ignores an ICC profile over 1 MiB, which libvips assembles from many APP2 segments', async () => {
    const big = await fx.jpegWith(fx.app2Icc(fx.iccProfile('Huge profile', { padTo: 1024 * 1024 + 4 })));
    const source = await sourceOf(big, 'jpeg');
    expect(source.blocks.icc!.length).toBeGreaterThan(1024 * 1024);
    const result = await extractMetadata(big, source);
    expect(result.icc).toBeUndefined();
    expect(Object.keys(result.fields).some((k) => k.startsWith('ICC.'))).toBe(false);

    const fits = await fx.jpegWith(fx.app2Icc(fx.iccProfile('Large profile', { padTo: 1024 * 1024 })));
    expect((await extract(fits, 'jpeg')).icc).toEqual({ description: 'Large profile' });
  });
});

describe('limits', () => {
  async function manyTextChunks(count: number, length: number): Promise<Buffer> {
    const chunks = Array.from({ length: count }, (_, i) => fx.tEXt(`Key${i}`, `${i}:`.padEnd(length, 'x')));
    return fx.withPngChunks(await images.png(), chunks);
  }

  it('keeps the whole result within maxTotalBytes, cutting the flat table first', async () => {
    const limits = { maxFields: 500, maxStringLength: 2000, maxTotalBytes: 16 * 1024 };
    const result = await extract(await manyTextChunks(200, 100), 'png', limits);
    expectSafeText(result, limits);
    // png.text is filled before the table, which gets what is left.
    const textKeys = Object.keys(result.png!.text).length;
    const tableTextKeys = Object.keys(result.fields).filter((k) => k.startsWith('PNG.Text.')).length;
    expect(textKeys).toBeGreaterThan(100);
    expect(tableTextKeys).toBeLessThan(textKeys);
    expect(result.size).toEqual({ width: 64, height: 48 });
  });

  it('caps entries per record and string length', async () => {
    const limits = { maxFields: 10, maxStringLength: 50, maxTotalBytes: 64 * 1024 };
    const result = await extract(await manyTextChunks(40, 500), 'png', limits);
    expectSafeText(result, limits);
    expect(Object.keys(result.png!.text)).toHaveLength(10);
    expect(Object.keys(result.fields)).toHaveLength(10);
    expect(Object.values(result.png!.text).every((v) => v.length === 50 && v.endsWith('…'))).toBe(true);
  });

  it('bounds PNG text before decoding it', async () => {
    const file = await manyTextChunks(2000, 1000); // 2 MB of text
    const { value, ms } = await timed(() => extract(file, 'png'));
    expect(ms).toBeLessThan(1000);
    expectSafeText(value);
    expect(Object.keys(value.png!.text).length).toBeLessThanOrEqual(DEFAULT_METADATA_LIMITS.maxFields);
  });

  it('refuses invalid limits, a configuration bug', async () => {
    const file = await images.png();
    const source = await sourceOf(file, 'png');
    await expect(extractMetadata(file, source, { maxFields: 0, maxStringLength: 10, maxTotalBytes: 1024 })).rejects.toThrow(TypeError);
    await expect(extractMetadata(file, source, { maxFields: 1, maxStringLength: 10, maxTotalBytes: 100 })).rejects.toThrow(TypeError);
  });
});

describe('the metadata JSON the API gives', () => {
  // Pinned byte for byte (key order too) as the upload pipeline makes it: a change to any of
  // these files is a change to what owners see, and must be deliberate.
  const files: Record<string, () => Promise<Buffer>> = {
    'camera-jpeg': () => fx.cameraJpeg(),
    'sharp-jpeg-rotated': () => images.jpeg({ width: 120, height: 80, orientation: 6, gps: { lat: 48.8584, lon: 2.2945 } }),
    'jpeg-split-icc': () => {
      const split = fx.app2Icc(fx.iccProfile('Big profile', { padTo: 150_000 }), 60_000);
      return fx.jpegWith([split[2]!, split[0]!, split[1]!], fx.app1Exif(fx.cameraTiff({ bigEndian: true })));
    },
    'jpeg-stray-bytes': () => images.jpegWithStrayBytes(),
    'png-text': async () =>
      fx.withPngChunks(await images.png({ width: 30, height: 20 }), [
        fx.tEXt('Title', 'Plain Latin-1 caf\xe9'),
        fx.zTXt('Comment', 'Compressed comment'),
        fx.iTXt('Description', 'Unicode: 東京 ☀', { language: 'ja', translated: '説明' }),
        fx.iTXt('XML:com.adobe.xmp', fx.photoXmp(), { compressed: true }),
        fx.tEXt('Raw profile type exif', '\nexif\n 4\n41424344\n'),
        fx.pngChunk('tEXt', Buffer.from('Broken\0damaged in transit', 'latin1'), { badCrc: true }),
        fx.eXIf(fx.cameraTiff()),
        fx.iCCP('Test', fx.iccProfile('PNG profile', { mluc: true })),
      ]),
    'webp-exif-xmp-icc': () =>
      sharp({ create: { width: 20, height: 10, channels: 3, background: '#345' } })
        .webp()
        .withExif({ IFD0: { Make: 'WebP Maker', Model: 'W1' }, IFD2: { DateTimeOriginal: '2023:07:08 09:10:11' } })
        .withXmp(fx.photoXmp())
        .withIccProfile('p3')
        .toBuffer(),
    'webp-animated': () => images.webpAnimated({ frames: 3 }),
    'gif-animated': () => images.gifAnimated(4),
    'hostile-jpeg': () => {
      const xp = fx.tiff({ ifd0: [[fx.TAG.XPTitle, { byte: fx.utf16le(fx.HOSTILE_TEXT) }]] });
      const escaped = fx.HOSTILE_TEXT.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'));
      const xmp = fx.xmpPacket(`<rdf:Description ${fx.XMP_NAMESPACES}><dc:title>${escaped}</dc:title></rdf:Description>`);
      return fx.jpegWith(fx.app1Exif(xp), fx.app1Xmp(xmp), fx.app13Iptc(fx.iptc([[105, fx.HOSTILE_TEXT]])), fx.comment(fx.HOSTILE_TEXT));
    },
    'impossible-exif': () => fx.jpegWith(fx.app1Exif(fx.impossibleEntriesTiff())),
    'endless-mluc': () => fx.jpegWith(fx.app2Icc(fx.endlessMlucProfile()), fx.app1Exif(fx.cameraTiff())),
  };

  it.each(Object.keys(files))('%s', async (name) => {
    const { metadata } = await prepareImage(await files[name]!(), DEFAULT_IMAGE_LIMITS);
    await expect(`${JSON.stringify(metadata, null, 2)}\n`).toMatchFileSnapshot(`../fixtures/metadata-output/${name}.json`);
  });
});
