/**
 * The JPEG comment (COM): the one metadata segment libvips reads but sharp's metadata() does not
 * return, so the markers before the scan are walked for it. EXIF, XMP, IPTC and ICC come from sharp.
 */
import { decodeUtf8OrLatin1, startsWith } from './text.js';

/** Markers walked at most. */
const MAX_MARKERS = 10_000;
const COM = 0xfe;

/** The first comment before the scan, as stored; undefined if none or the markers lose sync first. */
export function jpegComment(input: Buffer): string | undefined {
  if (!startsWith(input, '\xff\xd8')) return undefined;
  let offset = 2;
  for (let n = 0; n < MAX_MARKERS && offset + 4 <= input.length; n++) {
    if (input[offset] !== 0xff) return undefined; // lost sync
    const marker = input[offset + 1]!;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += 2; // standalone markers carry no length
      continue;
    }
    // Entropy-coded data follows SOS; metadata segments all come before it.
    if (marker === 0xd9 || marker === 0xda) return undefined;
    const length = input.readUInt16BE(offset + 2);
    if (length < 2 || offset + 2 + length > input.length) return undefined;
    if (marker === COM) return decodeUtf8OrLatin1(input.subarray(offset + 4, offset + 2 + length));
    offset += 2 + length;
  }
  return undefined;
}
