import { describe, expect, it } from 'vitest';
import { decodeHeic } from '../../src/imaging/heic.js';
import { DEFAULT_IMAGE_LIMITS, inspectImage, processImage } from '../../src/imaging/process.js';
import sharp from '../../src/imaging/sharp.js';
import { sniffImageFormat } from '../../src/imaging/sniff.js';
import { HEIC_ENCODER, heic, NO_HEIC_ENCODER } from '../fixtures/heic.js';
import { jpeg } from '../fixtures/images.js';
import { refusal } from '../support/imaging.js';

const GPS = { lat: 48.858222, lon: 2.2945 };

describe.skipIf(!HEIC_ENCODER)(HEIC_ENCODER ? 'HEIC' : NO_HEIC_ENCODER, () => {
  it('is recognised from its ftyp brands', async () => {
    expect(sniffImageFormat(await heic({ width: 64, height: 48 }))).toBe('heic');
  });

  it('decodes to JPEG display and WebP thumbnail, sized from the header, without EXIF or GPS', async () => {
    const upload = await heic({ width: 400, height: 300, gps: GPS });
    const result = await processImage(upload, DEFAULT_IMAGE_LIMITS);
    expect(result.format).toBe('heic');
    expect(result.mimeType).toBe('image/heic');
    expect([result.width, result.height]).toEqual([400, 300]);
    expect(result.display.mimeType).toBe('image/jpeg');
    expect(result.thumbnail.mimeType).toBe('image/webp');
    // The EXIF item was read from the header, GPS and all, for metadata extraction.
    expect(result.blocks.exif?.includes('Lockframe Test Camera')).toBe(true);
    for (const variant of [result.display, result.thumbnail]) {
      const meta = await sharp(variant.data).metadata();
      expect([meta.width, meta.height]).toEqual([variant.width, variant.height]);
      expect(meta.exif).toBeUndefined();
      expect(variant.data.includes('Lockframe Test Camera')).toBe(false);
    }
    // Real pixels: the fixtures' red marker is top left.
    const { data, info } = await sharp(result.display.data).raw().toBuffer({ resolveWithObject: true });
    const at = (fx: number, fy: number) => data[(Math.floor(info.height * fy) * info.width + Math.floor(info.width * fx)) * info.channels]!;
    expect(at(0.1, 0.1)).toBeGreaterThan(200);
    expect(at(0.9, 0.9)).toBeLessThan(100);
  });

  it('refuses one over the pixel limit from its header, before decoding', async () => {
    const upload = await heic({ width: 400, height: 300 });
    const error = await refusal(upload, { ...DEFAULT_IMAGE_LIMITS, maxPixels: 400 * 300 - 1 });
    expect(error.code).toBe('INVALID_IMAGE');
    expect(error.message).toMatch(/^Image is too large/);
    // The worker checks again from libheif's own reading of the header.
    await expect(decodeHeic(upload, { maxPixels: 1000, maxImages: 4, timeoutMs: 10_000, maxHeapMb: 64 })).rejects.toMatchObject({ reason: 'too-many-pixels' });
  });

  it('refuses a truncated HEIC with INVALID_IMAGE', async () => {
    const upload = await heic({ width: 400, height: 300 });
    for (const cut of [upload.length - 200, Math.floor(upload.length / 2), 200]) {
      const error = await refusal(upload.subarray(0, cut));
      expect(error.code).toBe('INVALID_IMAGE');
    }
  });

  it('refuses random bytes behind a HEIC ftyp with INVALID_IMAGE', async () => {
    const fake = Buffer.concat([Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(8192, 0x5a)]);
    expect((await refusal(fake)).code).toBe('INVALID_IMAGE');
  });

  it('refuses an ispe that claims a huge size, from the header', async () => {
    const upload = Buffer.from(await heic({ width: 400, height: 300 }));
    const ispe = upload.indexOf('ispe');
    expect(ispe).toBeGreaterThan(0);
    // ispe: version/flags (4 bytes), then width and height as 32-bit big-endian.
    upload.writeUInt32BE(30_000, ispe + 8);
    upload.writeUInt32BE(30_000, ispe + 12);
    const error = await refusal(upload);
    expect(error.code).toBe('INVALID_IMAGE');
  });

  it('refuses an ispe that claims a smaller size than the coded image, without crashing', async () => {
    const upload = Buffer.from(await heic({ width: 400, height: 300 }));
    const ispe = upload.indexOf('ispe');
    upload.writeUInt32BE(40, ispe + 8);
    upload.writeUInt32BE(30, ispe + 12);
    const error = await refusal(upload);
    expect(error.code).toBe('INVALID_IMAGE');
  });

  it('stops a decode past its time limit by ending the worker', async () => {
    const upload = await heic({ width: 400, height: 300 });
    await expect(decodeHeic(upload, { maxPixels: 1e6, maxImages: 4, timeoutMs: 1, maxHeapMb: 64 })).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('keeps the event loop free while decoding', async () => {
    const upload = await heic({ width: 2000, height: 1500 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const decoded = await decodeHeic(upload, { maxPixels: 4e6, maxImages: 4, timeoutMs: 30_000, maxHeapMb: 64 });
      expect([decoded.width, decoded.height]).toEqual([2000, 1500]);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(2);
  });
});

describe.skipIf(!HEIC_ENCODER)(HEIC_ENCODER ? 'HEIC work estimate' : NO_HEIC_ENCODER, () => {
  it('weighs a HEIC heavier than a JPEG of the same size, for the WASM decode it needs', async () => {
    const fromHeic = await inspectImage(await heic({ width: 400, height: 300 }), DEFAULT_IMAGE_LIMITS);
    const fromJpeg = await inspectImage(await jpeg({ width: 400, height: 300 }), DEFAULT_IMAGE_LIMITS);
    expect(fromHeic.work.memoryBytes - fromJpeg.work.memoryBytes).toBe(2 * 400 * 300 * 4);
  });
});
