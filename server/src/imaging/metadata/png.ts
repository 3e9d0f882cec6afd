/**
 * PNG's own chunks, walked here although libvips read them too: its view (sharp's `comments`,
 * `xmp`, `exif`) stops at the first IDAT, so text written after the image data is missing; it
 * decodes Latin-1 tEXt and zTXt as UTF-8 ("café" comes back as "caf\ufffd"); it keeps chunks
 * whose CRC is wrong; and it keeps the last XMP chunk where this keeps the first. So the header,
 * every text chunk (XMP is one) and eXIf come from this walk. The ICC profile is sharp's: iCCP
 * must precede IDAT, and libpng drops a damaged or oversized one, as this walk used to.
 */
import { crc32, inflateSync } from 'node:zlib';
import { decodeUtf8OrLatin1, startsWith } from './text.js';
import { validSize } from './values.js';

/** Chunks walked at most. */
const MAX_CHUNKS = 10_000;
/** All PNG text together, after decompression. */
const MAX_PNG_TEXT_BYTES = 256 * 1024;
const PNG_SIGNATURE = '\x89PNG\r\n\x1a\n';
const PNG_COLOUR_TYPES: Record<number, string> = {
  0: 'Greyscale',
  2: 'Truecolour',
  3: 'Indexed-colour',
  4: 'Greyscale with alpha',
  6: 'Truecolour with alpha',
};
/** Hex dumps of other metadata blocks written by ImageMagick and exiftool: binary, not text. */
const PNG_RAW_PROFILE = 'Raw profile type';
const PNG_XMP_KEYWORD = 'XML:com.adobe.xmp';
const METADATA_CHUNKS = new Set(['IHDR', 'tEXt', 'zTXt', 'iTXt', 'eXIf']);

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: string;
  interlace: boolean;
}

export interface PngChunks {
  header?: PngHeader;
  /** Keyword and text, as stored: not yet cleaned. */
  text: Array<[string, string]>;
  xmp?: string;
  tiff?: Uint8Array;
}

/** zlib data, or undefined when it is damaged or would inflate to more than `max` bytes. */
function inflateBounded(data: Uint8Array, max: number): Buffer | undefined {
  if (max < 1) return undefined;
  try {
    return inflateSync(data, { maxOutputLength: max });
  } catch {
    return undefined;
  }
}

/** Whatever was found before any damage; never throws. */
export function readPng(input: Buffer): PngChunks {
  const found: PngChunks = { text: [] };
  try {
    if (startsWith(input, PNG_SIGNATURE)) walk(input, found);
  } catch {
    // Keep what was found before the damage.
  }
  return found;
}

function walk(input: Buffer, found: PngChunks): void {
  let textBudget = MAX_PNG_TEXT_BYTES;
  const addText = (keyword: string, value: string) => {
    if (keyword === PNG_XMP_KEYWORD) found.xmp ??= value;
    else if (!keyword.startsWith(PNG_RAW_PROFILE)) found.text.push([keyword, value]);
  };
  /** Text bytes as stored, or inflated; both count against the shared budget. */
  const textBytes = (data: Buffer, compressed: boolean): Buffer | undefined => {
    const bytes = compressed ? inflateBounded(data, textBudget) : data.subarray(0, textBudget);
    if (bytes) textBudget -= bytes.length;
    return bytes;
  };

  let offset = PNG_SIGNATURE.length;
  for (let n = 0; n < MAX_CHUNKS && offset + 12 <= input.length; n++) {
    const length = input.readUInt32BE(offset);
    const type = input.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > input.length || !/^[A-Za-z]{4}$/.test(type)) break;
    const data = input.subarray(offset + 8, offset + 8 + length);
    offset = end;
    if (type === 'IEND') break;
    // A damaged metadata chunk is skipped rather than half-read.
    if (!METADATA_CHUNKS.has(type) || crc32(input.subarray(end - 8 - length, end - 4)) !== input.readUInt32BE(end - 4)) continue;

    if (type === 'IHDR' && length === 13 && !found.header) {
      const size = validSize(data.readUInt32BE(0), data.readUInt32BE(4));
      if (size) {
        found.header = {
          ...size,
          bitDepth: data[8]!,
          colorType: PNG_COLOUR_TYPES[data[9]!] ?? `Unknown (${data[9]})`,
          interlace: data[12] === 1,
        };
      }
    } else if (type === 'eXIf') {
      found.tiff ??= data;
    } else {
      const nul = data.indexOf(0);
      if (nul < 1 || nul > 79 || textBudget <= 0) continue;
      const keyword = data.toString('latin1', 0, nul);
      if (type === 'tEXt') {
        const bytes = textBytes(data.subarray(nul + 1), false);
        if (bytes) addText(keyword, bytes.toString('latin1'));
      } else if (type === 'zTXt') {
        const bytes = data[nul + 1] === 0 ? textBytes(data.subarray(nul + 2), true) : undefined;
        if (bytes) addText(keyword, bytes.toString('latin1'));
      } else {
        // iTXt: keyword, NUL, compression flag, method, language, NUL, translated keyword, NUL, UTF-8 text.
        const compressed = data[nul + 1] === 1;
        if (compressed && data[nul + 2] !== 0) continue;
        const languageEnd = data.indexOf(0, nul + 3);
        const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
        if (translatedEnd < 0) continue;
        const bytes = textBytes(data.subarray(translatedEnd + 1), compressed);
        if (bytes) addText(keyword, decodeUtf8OrLatin1(bytes));
      }
    }
  }
}
