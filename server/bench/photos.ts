/** The photos every upload phase sends, made by the test fixtures' generators. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { largeJpeg, padJpeg } from '../test/fixtures/images.js';
import { MiB, note } from './measure.js';

/**
 * Every photo carries a JPEG comment segment right after its start-of-image marker, whose 8 bytes
 * get a fresh counter per upload (http.ts fresh): equal bytes would be answered as a duplicate.
 */
export const STAMP_OFFSET = 6;
const STAMP_SEGMENT = 12;

function withStamp(jpeg: Buffer): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe, 0x00, 0x0a]), Buffer.alloc(8), jpeg.subarray(2)]);
}

export function isStamped(file: Buffer): boolean {
  return file[2] === 0xff && file[3] === 0xfe && file.readUInt16BE(4) === 0x0a;
}

/** Distinct photos for the upload phase, at qualities that give 3–5 MB files at 12 MP. */
const PHOTO_QUALITIES = [88, 90, 92, 93];

export interface TestImages {
  photos: Buffer[];
  /** Exactly MAX_UPLOAD_BYTES: the largest upload the server accepts. */
  fiveMiB: Buffer;
  files: string[];
}

export async function makeImages(dir: string): Promise<TestImages> {
  note(`generating ${PHOTO_QUALITIES.length} distinct 12 MP JPEGs and one of exactly 5 MiB`);
  const photos: Buffer[] = [];
  for (const quality of PHOTO_QUALITIES) photos.push(withStamp(await largeJpeg({ megapixels: 12, quality })));
  let big = await largeJpeg({ megapixels: 12, quality: 94 });
  for (let quality = 93; big.length > 5 * MiB - 16 - STAMP_SEGMENT; quality--) big = await largeJpeg({ megapixels: 12, quality });
  const fiveMiB = withStamp(padJpeg(big, 5 * MiB - STAMP_SEGMENT));
  const files: string[] = [];
  for (const [i, photo] of photos.entries()) {
    const file = path.join(dir, `photo-${i}.jpg`);
    await writeFile(file, photo);
    files.push(file);
  }
  return { photos, fiveMiB, files };
}
