import { ACCEPTED_FORMATS_TEXT, IMAGE_MIME_TYPES, type ImageFormat } from '@lockframe/common';
import { AppError } from '../errors.js';

/** The accepted formats and their MIME types are @lockframe/common's, which the client pre-checks with. */
export type { ImageFormat };
export const MIME_TYPES = IMAGE_MIME_TYPES;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(head: Uint8Array, bytes: readonly number[], offset = 0): boolean {
  if (head.length < offset + bytes.length) return false;
  return bytes.every((byte, i) => head[offset + i] === byte);
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/**
 * The format the bytes really are, from their signature alone. The uploader's file name and
 * declared MIME type are never consulted: both are chosen by the client.
 */
export function sniffImageFormat(head: Uint8Array): ImageFormat | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, PNG_SIGNATURE)) return 'png';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'webp';
  if (hasBrand(head, AVIF_BRANDS)) return 'avif';
  if (hasBrand(head, HEIC_BRANDS)) return 'heic';
  return null;
}

/** Brands of an AVIF still image or image sequence (AV1 Image File Format, section 8). */
const AVIF_BRANDS = new Set(['avif', 'avis']);
/** Brands of HEVC-coded HEIF: still images (heic, heix), sequences (hevc, hevx) and their multi-layer kinds. */
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
/** The ftyp box is a file's first; a longer one is not a real image's. */
const MAX_FTYP_BYTES = 256;

/**
 * An ISO-BMFF file whose leading ftyp box names one of `brands`, as major or compatible brand.
 * The brand list is read only within the box's own declared size (itself bounded).
 */
function hasBrand(head: Uint8Array, brands: ReadonlySet<string>): boolean {
  if (!startsWith(head, ascii('ftyp'), 4)) return false;
  const size = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  if (size < 16 || size > MAX_FTYP_BYTES || size % 4 !== 0) return false;
  const brand = (offset: number) => String.fromCharCode(...head.subarray(offset, offset + 4));
  if (head.length >= 12 && brands.has(brand(8))) return true;
  // Offset 12 is the minor version; compatible brands follow, up to the box's end.
  const end = Math.min(size, head.length);
  for (let offset = 16; offset + 4 <= end; offset += 4) {
    if (brands.has(brand(offset))) return true;
  }
  return false;
}

export function unsupportedMediaType(): AppError {
  return new AppError('UNSUPPORTED_MEDIA_TYPE', `Only ${ACCEPTED_FORMATS_TEXT} images are accepted.`);
}

