import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import exifr from 'exifr';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_LIMITS, estimateWork, inspectImage, processImage, WORK_PER_PIXEL_LIMIT } from '../../src/imaging/process.js';
import sharp from '../../src/imaging/sharp.js';
import { MIME_TYPES, sniffImageFormat } from '../../src/imaging/sniff.js';
import * as fixtures from '../fixtures/images.js';
import { cameraJpeg } from '../fixtures/metadata-fixtures.js';
import { refusal } from '../support/imaging.js';

const UNSUPPORTED = 'Only JPEG, PNG, GIF, WebP, AVIF or HEIC images are accepted.';
const DAMAGED = 'The file is damaged or not a complete image.';
const MiB = 1024 * 1024;
const UNLIMITED_WORK = Number.MAX_SAFE_INTEGER;


type Corner = 'top-left' | 'top-right' | 'bottom-right' | 'bottom-left';

/** Which corner of an image (first frame) holds the red marker the fixtures paint. */
async function markerCorner(image: Buffer): Promise<Corner | null> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  // An eighth in from each corner: inside the marker's quarter, away from blurred edges.
  const points: Record<Corner, [number, number]> = {
    'top-left': [info.width / 8, info.height / 8],
    'top-right': [(info.width * 7) / 8, info.height / 8],
    'bottom-right': [(info.width * 7) / 8, (info.height * 7) / 8],
    'bottom-left': [info.width / 8, (info.height * 7) / 8],
  };
  const red = (Object.keys(points) as Corner[]).filter((corner) => {
    const [x, y] = points[corner];
    const o = (Math.floor(y) * info.width + Math.floor(x)) * info.channels;
    return data[o]! > 200 && data[o + 1]! < 60 && data[o + 2]! < 60;
  });
  return red.length === 1 ? red[0]! : null;
}

/** The chunk types of a RIFF/WebP file: metadata would show up as EXIF, XMP or ICCP. */
function webpChunks(file: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 12; offset + 8 <= file.length; ) {
    types.push(file.toString('latin1', offset, offset + 4).trim());
    const size = file.readUInt32LE(offset + 4);
    offset += 8 + size + (size % 2);
  }
  return types;
}

/** A HEIF whose ftyp names no AVIF or HEIC brand (here JPEG-coded HEIF): libvips may read it, the sniffer must refuse it. */
const otherHeif = () => Buffer.from('\0\0\0\x18ftypjpeg\0\0\0\0mif1jpeg', 'latin1');
/** An ISO-BMFF video (MP4), which shares AVIF's box layout. */
const mp4 = () => Buffer.from('\0\0\0\x18ftypisom\0\0\x02\0isomiso2', 'latin1');
const bmp = () => {
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54, 2);
  return header;
};

describe('sniffImageFormat', () => {
  it.each([
    ['jpeg', () => fixtures.jpeg({ width: 8, height: 8 })],
    ['png', () => fixtures.png()],
    ['gif', () => fixtures.gifAnimated(2)],
    ['webp', () => fixtures.webp()],
    ['webp', () => fixtures.webpAnimated()],
    ['avif', () => fixtures.avif({ width: 8, height: 8 })],
    ['avif', () => Buffer.from('\0\0\0\x1cftypmif1\0\0\0\0mif1miafavif', 'latin1')],
  ] as const)('recognises %s from its signature', async (format, make) => {
    const head = (await make()).subarray(0, 32);
    expect(sniffImageFormat(head)).toBe(format);
  });

  it.each([
    ['empty', () => Buffer.alloc(0)],
    ['HTML', () => fixtures.htmlAsPng()],
    ['SVG', () => fixtures.svg()],
    ['ZIP', () => fixtures.zip()],
    ['EXE', () => fixtures.exe()],
    ['TIFF', () => fixtures.tiff()],
    ['BMP', bmp],
    ['other HEIF brands', otherHeif],
    ['MP4', mp4],
    ['an ftyp box claiming 4 GiB', () => Buffer.from('\xff\xff\xff\xf0ftypavif', 'latin1')],
    ['RIFF that is not WebP (WAV)', () => Buffer.from('RIFF\x24\0\0\0WAVEfmt ', 'latin1')],
    ['a cut-off PNG signature', () => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a])],
    ['JPEG SOI without a marker', () => Buffer.from([0xff, 0xd8, 0x00, 0x00])],
    ['GIF88a', () => Buffer.from('GIF88a', 'latin1')],
  ] as const)('refuses %s', async (_label, make) => {
    const bytes = await make();
    expect(sniffImageFormat(bytes)).toBeNull();
  });

  it('maps formats to MIME types', () => {
    expect(MIME_TYPES).toEqual({ jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif', heic: 'image/heic' });
  });
});

describe('sharp is locked down to five in-memory loaders', () => {
  it.each([
    ['SVG', 'svg', async () => fixtures.svg()],
    ['TIFF', 'tiff', () => fixtures.tiff()],
  ] as const)('refuses %s given straight to sharp, though libvips can read it', async (_label, format, make) => {
    // The loader exists in this build, so only the block can be what refuses it.
    expect(sharp.format[format].input.buffer).toBe(true);
    const bytes = await make();
    await expect(sharp(bytes).metadata()).rejects.toThrow(/unsupported image format/);
    await expect(sharp(bytes).png().toBuffer()).rejects.toThrow(/unsupported image format/);
  });

  it('refuses to read files from disk, even in an accepted format', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lockframe-sharp-'));
    try {
      const file = path.join(dir, 'image.png');
      await writeFile(file, await fixtures.png());
      await expect(sharp(file).metadata()).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['jpeg', () => fixtures.jpeg({ width: 32, height: 24 })],
    ['png', () => fixtures.png()],
    ['gif', () => fixtures.gifAnimated(3)],
    ['webp', () => fixtures.webp()],
    ['webp', () => fixtures.webpAnimated()],
    ['heif', () => fixtures.avif({ width: 32, height: 24 })],
  ] as const)('still decodes %s', async (format, make) => {
    const bytes = await make();
    expect((await sharp(bytes, { animated: true }).metadata()).format).toBe(format);
    const { info } = await sharp(bytes, { animated: true }).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBeGreaterThan(0);
  });
});

describe('processImage refuses', () => {
  it.each([
    ['HTML named .png', () => fixtures.htmlAsPng()],
    ['SVG', async () => fixtures.svg()],
    ['ZIP', async () => fixtures.zip()],
    ['EXE', async () => fixtures.exe()],
    ['TIFF', () => fixtures.tiff()],
    ['BMP', async () => bmp()],
    ['other HEIF brands', async () => otherHeif()],
    ['an empty file', async () => Buffer.alloc(0)],
  ] as const)('%s as UNSUPPORTED_MEDIA_TYPE', async (_label, make) => {
    const error = await refusal(await make());
    expect(error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(error.message).toBe(UNSUPPORTED);
  });

  it.each([
    ['a truncated JPEG', () => fixtures.truncatedJpeg()],
    ['a truncated large JPEG (shrink-on-load path)', () => fixtures.truncatedJpeg({ width: 4000, height: 3000 })],
    ['a PNG with a corrupt IDAT', () => fixtures.corruptPng()],
    ['a PNG with a corrupt IDAT and a valid CRC', () => fixtures.corruptPng({ recomputeCrc: true })],
    ['a JPEG signature followed by junk', async () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(500, 7)])],
    ['a PNG signature alone', async () => (await fixtures.png()).subarray(0, 8)],
  ] as const)('%s as INVALID_IMAGE, without internal details', async (_label, make) => {
    const error = await refusal(await make());
    expect(error.code).toBe('INVALID_IMAGE');
    expect(error.message).toBe(DAMAGED);
    expect(error.details).toBeUndefined();
  });

  it('a pixel-flood PNG from its header, before decoding anything', async () => {
    const bomb = await fixtures.pixelFloodPng();
    expect(bomb.length).toBeLessThan(MiB);
    expect((await sharp(bomb, { limitInputPixels: false }).metadata()).width).toBe(20_000);

    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const error = await refusal(bomb);
    const elapsed = performance.now() - started;
    // The damaged-file message would mean a decode was attempted; this one comes from the header.
    expect(error.code).toBe('INVALID_IMAGE');
    expect(error.message).toBe('Image is too large: at most 40 megapixels (all animation frames counted).');
    expect(error.details).toEqual({ maxPixels: 40_000_000 });
    expect(elapsed).toBeLessThan(250);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * MiB);
  });

  it('counts every animation frame against the pixel limit', async () => {
    const gif = await fixtures.gifAnimated(2, { width: 40, height: 30 }); // 2 × 1200 pixels
    // The work limit (derived from maxPixels unless set) is tested on its own below.
    const exact = await processImage(gif, { ...DEFAULT_IMAGE_LIMITS, maxPixels: 2400, maxWork: UNLIMITED_WORK });
    expect(exact.frames).toBe(2);
    const error = await refusal(gif, { ...DEFAULT_IMAGE_LIMITS, maxPixels: 2399, maxWork: UNLIMITED_WORK });
    expect(error.code).toBe('INVALID_IMAGE');
    expect(error.message).toBe('Image is too large: at most 0.0024 megapixels (all animation frames counted).');
  });

  it('an animation with more frames than allowed', async () => {
    const gif = await fixtures.gifAnimated(4);
    expect((await processImage(gif, { ...DEFAULT_IMAGE_LIMITS, maxFrames: 4 })).frames).toBe(4);
    const error = await refusal(gif, { ...DEFAULT_IMAGE_LIMITS, maxFrames: 3 });
    expect(error.code).toBe('INVALID_IMAGE');
    expect(error.message).toBe('The animation has too many frames: at most 3 are allowed.');
  });

  it('nothing when a limit is misconfigured (0 would mean "no limit" to sharp)', async () => {
    const image = await fixtures.png();
    for (const bad of [{ maxPixels: 0 }, { maxFrames: -1 }, { displayMaxEdge: 1.5 }, { thumbnailMaxEdge: Number.NaN }, { maxWork: 0 }]) {
      await expect(processImage(image, { ...DEFAULT_IMAGE_LIMITS, ...bad })).rejects.toThrow(TypeError);
    }
  });

  it('a still image over the pixel limit', async () => {
    const image = await fixtures.jpeg({ width: 200, height: 200 });
    const limits = { ...DEFAULT_IMAGE_LIMITS, maxPixels: 40_000 };
    expect((await processImage(image, limits)).width).toBe(200);
    expect((await refusal(image, { ...limits, maxPixels: 39_999 })).code).toBe('INVALID_IMAGE');
  });
});

describe('work estimate', () => {
  const shape = { channels: 3, orientation: 1 };

  it('counts a still photo as decode and resize passes plus encoding the display size', () => {
    // 4000×3000 is shown at 2560×1920 and thumbnailed at 512×384.
    const work = estimateWork({ ...shape, width: 4000, height: 3000, frames: 1 }, DEFAULT_IMAGE_LIMITS);
    expect(work.pixelOps).toBe(2 * 12_000_000 + 2 * 2560 * 1920 + 2 * 512 * 384);
    expect(work.memoryBytes).toBe((12_000_000 + 2560 * 1920) * 3);
  });

  it('keeps every still image within the pixel limit under the default work limit', () => {
    const maxWork = WORK_PER_PIXEL_LIMIT * DEFAULT_IMAGE_LIMITS.maxPixels;
    for (const [width, height] of [[8000, 5000], [40_000, 1000], [6325, 6324]] as const) {
      const work = estimateWork({ channels: 4, orientation: 6, width, height, frames: 1 }, DEFAULT_IMAGE_LIMITS);
      expect(work.pixelOps).toBeLessThan(maxWork / 2);
    }
  });

  it('charges animations per frame for their encoder, and again for turning each frame', () => {
    const frames = { width: 447, height: 447, frames: 200, channels: 4 };
    const upright = estimateWork({ ...frames, orientation: 1 }, DEFAULT_IMAGE_LIMITS);
    const turned = estimateWork({ ...frames, orientation: 6 }, DEFAULT_IMAGE_LIMITS);
    const decoded = 447 * 447 * 200;
    expect(upright.pixelOps).toBe(2 * decoded + 8 * decoded + 2 * 447 * 447);
    expect(turned.pixelOps).toBe(upright.pixelOps + 2 * decoded);
    // Two copies of the decoded frames in libvips; turning adds the raw strip and one turned frame.
    expect(upright.memoryBytes).toBe(2 * decoded * 4);
    expect(turned.memoryBytes).toBe(upright.memoryBytes + (decoded + 447 * 447) * 4);
    // The same pixels as one still photo cost far more as an animation: what the audit measured.
    const still = estimateWork({ ...shape, width: 6000, height: 6660, frames: 1 }, DEFAULT_IMAGE_LIMITS);
    expect(turned.pixelOps).toBeGreaterThan(4 * still.pixelOps);
  });
});

describe('inspectImage', () => {
  it('refuses an animation over the work limit from its header, before decoding a frame', async () => {
    // The audit's case: 200 frames of 447×447 with EXIF orientation 6, a few KB on disk.
    const upload = await fixtures.webpAnimated({ frames: 200, width: 447, height: 447, orientation: 6 });
    expect(upload.length).toBeLessThan(200 * 1024);
    const started = performance.now();
    const error = await refusal(upload);
    expect(performance.now() - started).toBeLessThan(250);
    expect(error.code).toBe('INVALID_IMAGE');
    expect(error.message).toBe(
      'The animation is too much work to process: 200 frames of 447×447 pixels come to 480 million pixel operations, over the limit of 240 million. Try fewer or smaller frames.',
    );
    expect(error.details).toEqual({ maxWork: 240_000_000, work: 479_941_218 });
  });

  it('accepts a smaller animation, and says what it will cost', async () => {
    const upload = await fixtures.webpAnimated({ frames: 50, width: 447, height: 447, orientation: 6 });
    const inspected = await inspectImage(upload, DEFAULT_IMAGE_LIMITS);
    expect(inspected).toMatchObject({ format: 'webp', frames: 50, width: 447, height: 447, orientation: 6 });
    expect(inspected.work).toEqual(estimateWork({ width: 447, height: 447, frames: 50, channels: 4, orientation: 6 }, DEFAULT_IMAGE_LIMITS));
    expect((await processImage(upload, DEFAULT_IMAGE_LIMITS, inspected)).frames).toBe(50);
  });

  it('takes the work limit from the limits when set', async () => {
    const gif = await fixtures.gifAnimated(4, { width: 40, height: 30 });
    const { work } = await inspectImage(gif, DEFAULT_IMAGE_LIMITS);
    expect((await inspectImage(gif, { ...DEFAULT_IMAGE_LIMITS, maxWork: work.pixelOps })).frames).toBe(4);
    const error = await refusal(gif, { ...DEFAULT_IMAGE_LIMITS, maxWork: work.pixelOps - 1 });
    expect(error.message).toMatch(/^The animation is too much work to process: 4 frames of 40×30 pixels/);
    expect(error.details).toEqual({ maxWork: work.pixelOps - 1, work: work.pixelOps });
  });
});

describe('processImage variants', () => {
  it('reports the detected format, not anything declared', async () => {
    for (const [make, format] of [
      [() => fixtures.jpeg({ width: 40, height: 30 }), 'jpeg'],
      [() => fixtures.png(), 'png'],
      [() => fixtures.gifAnimated(2), 'gif'],
      [() => fixtures.webp(), 'webp'],
    ] as const) {
      const result = await processImage(await make(), DEFAULT_IMAGE_LIMITS);
      expect(result.format).toBe(format);
      expect(result.mimeType).toBe(MIME_TYPES[format]);
      expect(result.display.mimeType).toBe(MIME_TYPES[format]);
      expect((await sharp(result.display.data).metadata()).format).toBe(format);
      expect(result.thumbnail.mimeType).toBe('image/webp');
      expect((await sharp(result.thumbnail.data).metadata()).format).toBe('webp');
    }
  });

  it('strips EXIF and GPS: present in the upload, absent from display and thumbnail', async () => {
    const upload = await fixtures.jpeg({ width: 400, height: 300, orientation: 6, gps: { lat: 51.5007, lon: -0.1246 } });
    const original = await exifr.parse(upload, { gps: true });
    expect(original.latitude).toBeCloseTo(51.5007, 3);
    expect(original.longitude).toBeCloseTo(-0.1246, 3);
    expect(original.Make).toBe('Lockframe Test Camera');

    const result = await processImage(upload, DEFAULT_IMAGE_LIMITS);
    expect(await exifr.parse(result.display.data, { gps: true })).toBeUndefined();
    for (const variant of [result.display, result.thumbnail]) {
      const meta = await sharp(variant.data).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      expect(variant.data.includes('Lockframe Test Camera')).toBe(false);
    }
    // exifr cannot read WebP, so look at the container itself: pixels only.
    expect(webpChunks(result.thumbnail.data).every((c) => ['VP8', 'VP8L', 'VP8X', 'ALPH'].includes(c))).toBe(true);
  });

  it('drops PNG text chunks', async () => {
    const upload = await fixtures.pngWithText('Comment', 'home address');
    expect((await sharp(upload).metadata()).comments).toEqual([{ keyword: 'Comment', text: 'home address' }]);
    const result = await processImage(upload, DEFAULT_IMAGE_LIMITS);
    expect((await sharp(result.display.data).metadata()).comments).toBeUndefined();
    expect(result.display.data.includes('home address')).toBe(false);
    expect(result.thumbnail.data.includes('home address')).toBe(false);
  });

  it('drops EXIF from an animated WebP', async () => {
    const upload = await fixtures.webpAnimated({ orientation: 3 });
    expect(webpChunks(upload)).toContain('EXIF');
    const result = await processImage(upload, DEFAULT_IMAGE_LIMITS);
    expect(webpChunks(result.display.data)).not.toContain('EXIF');
    expect(webpChunks(result.thumbnail.data)).not.toContain('EXIF');
  });

  // Where the stored top-left corner ends up once the EXIF orientation is applied.
  const orientations: Array<[number, Corner, boolean]> = [
    [1, 'top-left', false],
    [2, 'top-right', false],
    [3, 'bottom-right', false],
    [4, 'bottom-left', false],
    [5, 'top-left', true],
    [6, 'top-right', true],
    [7, 'bottom-right', true],
    [8, 'bottom-left', true],
  ];

  it.each(orientations)('turns a JPEG with orientation %i upright (marker %s, sideways: %s)', async (orientation, corner, sideways) => {
    const upload = await fixtures.jpeg({ width: 400, height: 300, orientation });
    const result = await processImage(upload, DEFAULT_IMAGE_LIMITS);
    const [w, h] = sideways ? [300, 400] : [400, 300];
    expect([result.width, result.height]).toEqual([w, h]);
    expect([result.display.width, result.display.height]).toEqual([w, h]);
    expect([result.thumbnail.width, result.thumbnail.height]).toEqual([w, h]);
    const displayMeta = await sharp(result.display.data).metadata();
    expect([displayMeta.width, displayMeta.height]).toEqual([w, h]);
    expect(await markerCorner(result.display.data)).toBe(corner);
    expect(await markerCorner(result.thumbnail.data)).toBe(corner);
  });

  it.each(orientations)(
    'turns every frame of an animated WebP with orientation %i upright (marker %s, sideways: %s)',
    async (orientation, corner, sideways) => {
      const upload = await fixtures.webpAnimated({ frames: 3, width: 80, height: 60, orientation });
      const result = await processImage(upload, DEFAULT_IMAGE_LIMITS);
      const [w, h] = sideways ? [60, 80] : [80, 60];
      expect([result.width, result.height, result.frames]).toEqual([w, h, 3]);
      expect([result.display.width, result.display.height]).toEqual([w, h]);
      const meta = await sharp(result.display.data, { animated: true }).metadata();
      expect([meta.width, meta.pageHeight, meta.pages]).toEqual([w, h, 3]);
      expect(meta.delay).toEqual([80, 80, 80]);
      for (let page = 0; page < 3; page++) {
        expect(await markerCorner(await sharp(result.display.data, { page }).png().toBuffer())).toBe(corner);
      }
      expect(await markerCorner(result.thumbnail.data)).toBe(corner);
    },
  );

  it('accepts a JPEG that only triggers a decoder warning', async () => {
    const upload = await fixtures.jpegWithStrayBytes();
    await expect(sharp(upload, { failOn: 'warning' }).raw().toBuffer()).rejects.toThrow(/extraneous bytes/);
    const result = await processImage(upload, DEFAULT_IMAGE_LIMITS);
    expect([result.display.width, result.display.height]).toEqual([64, 48]);
  });

  it('never upscales', async () => {
    const result = await processImage(await fixtures.jpeg({ width: 100, height: 80 }), DEFAULT_IMAGE_LIMITS);
    expect([result.display.width, result.display.height]).toEqual([100, 80]);
    expect([result.thumbnail.width, result.thumbnail.height]).toEqual([100, 80]);
    const meta = await sharp(result.display.data).metadata();
    expect([meta.width, meta.height]).toEqual([100, 80]);
  });

  it.each([
    [4000, 3000, [2560, 1920], [512, 384]],
    [3000, 4000, [1920, 2560], [384, 512]],
    [3000, 600, [2560, 512], [512, 102]],
  ] as const)('caps a %i×%i image at 2560 for display and 512 for the thumbnail', async (width, height, display, thumb) => {
    const result = await processImage(await fixtures.jpeg({ width, height }), DEFAULT_IMAGE_LIMITS);
    expect([result.width, result.height]).toEqual([width, height]);
    expect([result.display.width, result.display.height]).toEqual(display);
    expect([result.thumbnail.width, result.thumbnail.height]).toEqual(thumb);
    const displayMeta = await sharp(result.display.data).metadata();
    expect([displayMeta.width, displayMeta.height]).toEqual(display);
    const thumbMeta = await sharp(result.thumbnail.data).metadata();
    expect([thumbMeta.width, thumbMeta.height]).toEqual(thumb);
  });

  it('follows the configured edge limits', async () => {
    const limits = { ...DEFAULT_IMAGE_LIMITS, displayMaxEdge: 300, thumbnailMaxEdge: 64 };
    const result = await processImage(await fixtures.png({ width: 600, height: 400 }), limits);
    expect([result.display.width, result.display.height]).toEqual([300, 200]);
    expect([result.thumbnail.width, result.thumbnail.height]).toEqual([64, 43]);
  });

  it('makes the thumbnail from the upload when the display variant is smaller than a thumbnail', async () => {
    // The thumbnail normally comes from the (cheaper) display variant; that must not cap it.
    const limits = { ...DEFAULT_IMAGE_LIMITS, displayMaxEdge: 100, thumbnailMaxEdge: 300 };
    const result = await processImage(await fixtures.jpeg({ width: 600, height: 400, orientation: 6 }), limits);
    expect([result.display.width, result.display.height]).toEqual([67, 100]);
    expect([result.thumbnail.width, result.thumbnail.height]).toEqual([200, 300]);
    expect(await markerCorner(result.thumbnail.data)).toBe(await markerCorner(result.display.data));
  });

  it('keeps a GIF animated, with its timing, and reports one frame’s size', async () => {
    const upload = await fixtures.gifAnimated(3, { width: 200, height: 100 });
    const limits = { ...DEFAULT_IMAGE_LIMITS, displayMaxEdge: 50 };
    const result = await processImage(upload, limits);
    expect([result.width, result.height, result.frames]).toEqual([200, 100, 3]);
    expect([result.display.width, result.display.height]).toEqual([50, 25]);
    const meta = await sharp(result.display.data, { animated: true }).metadata();
    expect([meta.format, meta.pages, meta.width, meta.pageHeight]).toEqual(['gif', 3, 50, 25]);
    expect(meta.delay).toEqual([100, 100, 100]);
    expect(meta.loop).toBe(0);
    // The thumbnail is the first frame only.
    const thumb = await sharp(result.thumbnail.data, { animated: true }).metadata();
    expect(thumb.pages ?? 1).toBe(1);
    expect([result.thumbnail.width, result.thumbnail.height]).toEqual([200, 100]);
  });

  it('keeps an animated WebP animated', async () => {
    const result = await processImage(await fixtures.webpAnimated({ frames: 4 }), DEFAULT_IMAGE_LIMITS);
    expect(result.frames).toBe(4);
    expect((await sharp(result.display.data, { animated: true }).metadata()).pages).toBe(4);
  });

  it('converts to sRGB (a CMYK JPEG)', async () => {
    const cmyk = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a6ea5' } })
      .toColourspace('cmyk')
      .jpeg()
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const result = await processImage(cmyk, DEFAULT_IMAGE_LIMITS);
    for (const variant of [result.display, result.thumbnail]) {
      const meta = await sharp(variant.data).metadata();
      expect(meta.space).toBe('srgb');
      expect(meta.channels).toBe(3);
    }
  });

  it('keeps transparency in PNG and the WebP thumbnail', async () => {
    const upload = await sharp({ create: { width: 32, height: 32, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const result = await processImage(upload, DEFAULT_IMAGE_LIMITS);
    expect((await sharp(result.display.data).metadata()).hasAlpha).toBe(true);
    expect((await sharp(result.thumbnail.data).metadata()).hasAlpha).toBe(true);
  });
});

describe('AVIF', () => {
  it.each([
    [1, 'top-left', false],
    [3, 'bottom-right', false],
    [6, 'top-right', true],
    [8, 'bottom-left', true],
  ] as const)('applies the HEIF transform for orientation %i (marker %s, sideways: %s)', async (orientation, corner, sideways) => {
    const upload = await fixtures.avif({ width: 400, height: 300, orientation });
    const result = await processImage(upload, DEFAULT_IMAGE_LIMITS);
    const [w, h] = sideways ? [300, 400] : [400, 300];
    expect(result.format).toBe('avif');
    expect(result.mimeType).toBe('image/avif');
    expect([result.width, result.height]).toEqual([w, h]);
    expect([result.display.width, result.display.height]).toEqual([w, h]);
    expect(await markerCorner(result.display.data)).toBe(corner);
    expect(await markerCorner(result.thumbnail.data)).toBe(corner);
  });

  it('serves a WebP display and thumbnail without the EXIF and GPS the upload carries', async () => {
    const upload = await fixtures.avif({ width: 400, height: 300, gps: { lat: 51.5007, lon: -0.1246 } });
    expect(upload.includes('Lockframe Test Camera')).toBe(true);
    const result = await processImage(upload, DEFAULT_IMAGE_LIMITS);
    expect(result.blocks.exif).toBeDefined();
    for (const variant of [result.display, result.thumbnail]) {
      expect(variant.mimeType).toBe('image/webp');
      const meta = await sharp(variant.data).metadata();
      expect(meta.format).toBe('webp');
      expect(meta.exif).toBeUndefined();
      expect(variant.data.includes('Lockframe Test Camera')).toBe(false);
      expect(webpChunks(variant.data).every((c) => ['VP8', 'VP8L', 'VP8X', 'ALPH'].includes(c))).toBe(true);
    }
  });

  it('refuses an AVIF over the pixel limit from its header', async () => {
    const upload = await fixtures.avif({ width: 400, height: 300 });
    const error = await refusal(upload, { ...DEFAULT_IMAGE_LIMITS, maxPixels: 400 * 300 - 1 });
    expect(error.code).toBe('INVALID_IMAGE');
    expect(error.message).toMatch(/^Image is too large/);
  });

  it.each([
    [30_000, 30_000],
    [40, 30],
  ])('refuses an AVIF whose ispe claims %i×%i', async (width, height) => {
    const upload = Buffer.from(await fixtures.avif({ width: 400, height: 300 }));
    const ispe = upload.indexOf('ispe');
    expect(ispe).toBeGreaterThan(0);
    upload.writeUInt32BE(width, ispe + 8);
    upload.writeUInt32BE(height, ispe + 12);
    expect((await refusal(upload)).code).toBe('INVALID_IMAGE');
  });

  it('refuses a truncated AVIF as damaged', async () => {
    const upload = await fixtures.avif({ width: 400, height: 300 });
    const error = await refusal(upload.subarray(0, Math.floor(upload.length / 2)));
    expect(error.code).toBe('INVALID_IMAGE');
  });

  it('refuses AVIF brands around bytes libvips does not read as AV1', async () => {
    const png = await fixtures.png();
    const fake = Buffer.concat([Buffer.from('\0\0\0\x14ftypavif\0\0\0\0avif', 'latin1'), png]);
    const error = await refusal(fake);
    expect(error.code).toBe('INVALID_IMAGE');
    expect(error.message).toBe(DAMAGED);
  });
});

describe('fixtures', () => {
  it('bytesOfSize makes valid JPEGs of exactly the asked size', async () => {
    for (const size of [5 * MiB, 5 * MiB + 1, 4000]) {
      const file = await fixtures.bytesOfSize(size);
      expect(file.length).toBe(size);
      expect(sniffImageFormat(file)).toBe('jpeg');
      const { info } = await sharp(file, { failOn: 'warning' }).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([64, 48]);
    }
    const processed = await processImage(await fixtures.bytesOfSize(5 * MiB), DEFAULT_IMAGE_LIMITS);
    expect(processed.format).toBe('jpeg');
  });

  it('largeJpeg is a photo-sized JPEG', async () => {
    const file = await fixtures.largeJpeg({ megapixels: 2 });
    const meta = await sharp(file).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.abs(meta.width * meta.height - 2_000_000)).toBeLessThan(5_000);
    // Photo-like detail: far bigger than a flat image, as a camera's would be (≈0.3 MB per MP).
    expect(file.length).toBeGreaterThan(400_000);
  });

  it('hands on the EXIF, ICC, IPTC and XMP libvips read from the header, for metadata extraction', async () => {
    const upload = await cameraJpeg();
    const { exif, icc, iptc, xmp } = await sharp(upload).metadata();
    expect([exif, icc, iptc, xmp].every((block) => block instanceof Buffer && block.length > 0)).toBe(true);
    expect((await processImage(upload, DEFAULT_IMAGE_LIMITS)).blocks).toEqual({ exif, icc, iptc, xmp });
    expect((await processImage(await fixtures.png(), DEFAULT_IMAGE_LIMITS)).blocks).toEqual({});
  });
});

describe('processImage time budget', () => {
  /**
   * Cheap to make, slow to process: 200 flat 800×600 frames (96 MP) pack into a few KB of
   * lossless WebP, but re-encoding them as the lossy display variant takes seconds.
   */
  async function slowAnimation(): Promise<Buffer> {
    const [frames, width, height] = [200, 800, 600];
    const frameBytes = width * height * 3;
    const pixels = Buffer.alloc(frameBytes * frames);
    for (let f = 0; f < frames; f++) {
      pixels.fill(Buffer.from([(f * 67) & 255, (f * 151) & 255, (f * 29) & 255]), f * frameBytes, (f + 1) * frameBytes);
    }
    return sharp(pixels, { raw: { width, height: height * frames, channels: 3, pageHeight: height } })
      .webp({ lossless: true, effort: 0, loop: 0 })
      .toBuffer();
  }

  it('defaults to 30 seconds and refuses a nonsense timeout', async () => {
    expect(DEFAULT_IMAGE_LIMITS.timeoutSeconds).toBe(30);
    const image = await fixtures.png();
    for (const timeoutSeconds of [0, 1.5, 3601]) {
      await expect(processImage(image, { ...DEFAULT_IMAGE_LIMITS, timeoutSeconds })).rejects.toThrow(TypeError);
    }
    // Optional, so limits built before it existed still work.
    const { timeoutSeconds: _omitted, ...withoutTimeout } = DEFAULT_IMAGE_LIMITS;
    expect((await processImage(image, withoutTimeout)).format).toBe('png');
  });

  it('stops an image that takes too long, with a clear INVALID_IMAGE', async () => {
    const image = await slowAnimation();
    const limits = { ...DEFAULT_IMAGE_LIMITS, maxPixels: 100_000_000, maxWork: UNLIMITED_WORK, timeoutSeconds: 1 };
    const started = performance.now();
    const error = await refusal(image, limits);
    // Well before the seconds the whole animation would take, even on a busy machine.
    expect(performance.now() - started).toBeLessThan(4000);
    expect(error.code).toBe('INVALID_IMAGE');
    expect(error.message).toBe('The image took too long to process (over 1 second). Try a smaller or simpler image.');
    expect(error.details).toEqual({ timeoutSeconds: 1 });
  });
});
