/**
 * What an uploaded picture says about itself — camera, exposure, capture time, place, captions,
 * colour profile, PNG text, animation — as a small plain-JSON object for its owner to look at.
 *
 * Every byte here is chosen by the uploader, so:
 * - nothing throws for bad metadata: a photo with broken EXIF must still upload, and whatever
 *   could be read is returned (at least the format and, from the caller's header info, the size);
 * - every loop is bounded by a count and by the bytes it walks, and every decompression by an
 *   output size, so a hostile file cannot hang the server or fill its memory;
 * - every string is plain text with control and bidi-override characters removed and a bounded
 *   length, every key is checked, binary blobs (MakerNote, thumbnails, raw profiles) are dropped,
 *   and the whole result fits `MetadataLimits.maxTotalBytes` when serialised.
 *
 * exifr reads the TIFF/EXIF block and IPTC, but never the uploaded file itself: this module walks
 * the JPEG, PNG and WebP containers, copies out the metadata blocks, rebuilds the TIFF block from
 * its well-formed directory entries only, and hands exifr a small synthetic JPEG holding just
 * that and the IPTC. Found with exifr 7.1.3 while writing this:
 * - its XMP parser assigns to `Object.prototype` for an element named `<__proto__:x>`, so XMP is
 *   read here instead (a handful of well-known properties, by linear string search);
 * - its ICC parser loops 2³² times on an `mluc` tag with a record size of 0 and runs the process
 *   out of memory, so ICC profiles are read here too (description and a few header fields);
 * - for a PNG it inflates the iCCP chunk with no output limit, and it cannot read WebP at all;
 * - one directory entry with a huge count makes it allocate gigabytes (as a typed array) and then
 *   lose the whole block.
 */
import { crc32, inflateSync } from 'node:zlib';
import exifr from 'exifr';
import type { ImageFormat } from './sniff.js';

export interface ImageMetadata {
  format: ImageFormat;
  camera?: { make?: string; model?: string; lens?: string; software?: string };
  exposure?: { exposureTime?: number; fNumber?: number; iso?: number; focalLength?: number; flash?: string };
  /**
   * ISO 8601 from EXIF DateTimeOriginal, else CreateDate. EXIF dates are camera wall-clock time:
   * with an OffsetTime tag the offset is appended; without one the time is given as written, with
   * no zone and no conversion (it is not UTC, nor the server's zone).
   */
  capturedAt?: string;
  /** Raw EXIF orientation, 1–8. */
  orientation?: number;
  /** Decimal degrees, south and west negative; altitude in metres, below sea level negative. */
  location?: { latitude: number; longitude: number; altitude?: number };
  /** IPTC-IIM record 2, keys in camelCase (`headline`, `caption`, `keywords`, `byline`, `copyright` …). */
  iptc?: Record<string, string | string[]>;
  /** A few well-known XMP properties (`title`, `description`, `creator`, `subject`, `rating` …). */
  xmp?: Record<string, string | string[]>;
  icc?: { description?: string };
  png?: { width: number; height: number; bitDepth: number; colorType: string; interlace: boolean; text: Record<string, string> };
  animation?: { frames: number; loop?: number; delays?: number[] };
  size?: { width: number; height: number };
  /** Everything read, flattened for a table view: `'Exif.ExposureTime' → 0.004`. */
  fields: Record<string, string | number | boolean>;
}

export interface MetadataLimits {
  /** Entries in `fields`, and in each of `iptc`, `xmp` and `png.text`. */
  maxFields: number;
  /** Of every string, in UTF-16 code units. */
  maxStringLength: number;
  /** Of the whole result as UTF-8 JSON; `fields` entries are dropped first to fit. */
  maxTotalBytes: number;
}

export const DEFAULT_METADATA_LIMITS: MetadataLimits = Object.freeze({
  maxFields: 500,
  maxStringLength: 2000,
  maxTotalBytes: 64 * 1024,
});

/** What sharp already read from the header: `pages`, `delay` and `loop` of its metadata. */
export interface ImageHeaderInfo {
  width: number;
  height: number;
  frames: number;
  delays?: number[];
  loop?: number;
}

/** JPEG markers, PNG chunks and RIFF chunks walked at most. */
const MAX_SEGMENTS = 10_000;
/** What one JPEG APP1 segment can carry: the most EXIF handed to exifr (cameras never write more). */
const MAX_TIFF_BYTES = 0xffff - 2 - 6;
const MAX_ICC_BYTES = 1024 * 1024;
const MAX_XMP_CHARS = 256 * 1024;
/** All PNG text together, after decompression. */
const MAX_PNG_TEXT_BYTES = 256 * 1024;
const MAX_LIST_ITEMS = 100;
const MAX_KEY_LENGTH = 80;
/** The smallest useful result, `format` and `size`, always fits. */
const MIN_TOTAL_BYTES = 512;

type Scalar = string | number | boolean;
type Value = Scalar | Scalar[];
type Block = Map<string, Value>;

// ---------------------------------------------------------------------------------------------
// Text and values

/** Control characters except tab and newline, and the bidi controls that can reorder what a UI shows. */
const UNSAFE_CHARACTERS = /(?![\t\n])\p{Cc}|[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Plain text, safe to show as text: bounded, no control or bidi characters, well-formed UTF-16. */
function cleanText(value: string, max: number): string | undefined {
  // Bound the work before the regular expressions: more input than this cannot reach the output.
  let text = value.length > max * 4 ? value.slice(0, max * 4) : value;
  text = text
    .replace(/\r\n?/g, '\n')
    .replace(UNSAFE_CHARACTERS, '')
    .replace(/\p{Cs}/gu, '\ufffd')
    .trim();
  if (text === '') return undefined;
  if (text.length > max) {
    let cut = Math.max(0, max - 1);
    const last = text.charCodeAt(cut - 1);
    if (last >= 0xd800 && last <= 0xdbff) cut--; // never split a surrogate pair
    text = `${text.slice(0, cut)}…`;
  }
  return text;
}

function cleanKey(key: string): string | undefined {
  const clean = cleanText(key, MAX_KEY_LENGTH);
  return clean === undefined || FORBIDDEN_KEYS.has(clean) ? undefined : clean;
}

function decodeUtf8OrLatin1(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

function decodeUtf16(bytes: Uint8Array, littleEndian: boolean): string {
  const even = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  if (!littleEndian) even.swap16();
  return even.toString('utf16le');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function toScalar(value: unknown, maxString: number): Scalar | undefined {
  if (typeof value === 'string') return cleanText(value, maxString);
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return undefined;
}

/**
 * A JSON-safe value, or undefined for anything binary or nested. Single bytes are numbers and
 * short digit strings (ExifVersion "0232") are kept; other byte arrays are blobs and dropped.
 */
function toValue(value: unknown, maxString: number): Value | undefined {
  if (value instanceof Uint8Array || value instanceof Int8Array) {
    if (value.length === 1) return value[0];
    if (value.length >= 2 && value.length <= 8 && value.every((b) => b >= 0x30 && b <= 0x39)) {
      return String.fromCharCode(...value);
    }
    return undefined;
  }
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    const items: Scalar[] = [];
    const list = value as ArrayLike<unknown>;
    for (let i = 0; i < list.length && items.length < MAX_LIST_ITEMS; i++) {
      const item = toScalar(list[i], maxString);
      if (item !== undefined) items.push(item);
    }
    return items.length > 0 ? items : undefined;
  }
  return toScalar(value, maxString);
}

function toFieldValue(value: Value, maxString: number): Scalar | undefined {
  return Array.isArray(value) ? cleanText(value.join(', '), maxString) : value;
}

function firstNumber(value: Value | undefined): number | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'number' && Number.isFinite(first) ? first : undefined;
}

function positive(value: Value | undefined): number | undefined {
  const number = firstNumber(value);
  return number !== undefined && number > 0 ? number : undefined;
}

function text(value: Value | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Containers: find the metadata blocks, bounded

interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: string;
  interlace: boolean;
}

interface Sources {
  size?: { width: number; height: number };
  tiff?: Uint8Array;
  xmp?: string;
  /** IPTC-IIM data from the Photoshop APP13 resource 0x0404. */
  iptc?: Uint8Array;
  icc?: Uint8Array;
  png?: PngHeader;
  pngText: Array<[string, string]>;
  comment?: string;
  animation?: { frames: number; loop?: number; delays: number[] };
}

function startsWith(bytes: Uint8Array, prefix: string, offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[offset + i] !== prefix.charCodeAt(i)) return false;
  return true;
}

function validSize(width: unknown, height: unknown): { width: number; height: number } | undefined {
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
  return ok(width) && ok(height) ? { width, height } : undefined;
}

const EXIF_HEADER = 'Exif\0\0';
const XMP_HEADER = 'http://ns.adobe.com/xap/1.0/\0';
const ICC_HEADER = 'ICC_PROFILE\0';
const PHOTOSHOP_HEADER = 'Photoshop 3.0\0';
const IPTC_RESOURCE = 0x0404;

function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** IPTC inside a Photoshop image-resource block: "8BIM", id, padded Pascal name, size, data. */
function photoshopIptc(payload: Buffer): Uint8Array | undefined {
  let offset = PHOTOSHOP_HEADER.length;
  for (let n = 0; n < MAX_SEGMENTS && offset + 12 <= payload.length; n++) {
    if (!startsWith(payload, '8BIM', offset)) return undefined;
    const id = payload.readUInt16BE(offset + 4);
    const nameLength = payload[offset + 6]!;
    let data = offset + 6 + 1 + nameLength;
    if ((1 + nameLength) % 2 === 1) data++;
    if (data + 4 > payload.length) return undefined;
    const size = payload.readUInt32BE(data);
    data += 4;
    if (data + size > payload.length) return undefined;
    if (id === IPTC_RESOURCE) return payload.subarray(data, data + size);
    offset = data + size + (size % 2);
  }
  return undefined;
}

function readJpeg(input: Buffer, sources: Sources): void {
  const iccParts: Array<{ sequence: number; data: Buffer }> = [];
  let offset = 2;
  for (let n = 0; n < MAX_SEGMENTS && offset + 4 <= input.length; n++) {
    if (input[offset] !== 0xff) break; // lost sync: keep what was found
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
    if (marker === 0xd9 || marker === 0xda) break;
    const length = input.readUInt16BE(offset + 2);
    if (length < 2 || offset + 2 + length > input.length) break;
    const payload = input.subarray(offset + 4, offset + 2 + length);
    offset += 2 + length;

    if (isStartOfFrame(marker) && payload.length >= 5 && !sources.size) {
      sources.size = validSize(payload.readUInt16BE(3), payload.readUInt16BE(1));
    } else if (marker === 0xe1 && startsWith(payload, EXIF_HEADER)) {
      sources.tiff ??= payload.subarray(EXIF_HEADER.length);
    } else if (marker === 0xe1 && startsWith(payload, XMP_HEADER)) {
      sources.xmp ??= decodeUtf8OrLatin1(payload.subarray(XMP_HEADER.length));
    } else if (marker === 0xe2 && startsWith(payload, ICC_HEADER) && payload.length > ICC_HEADER.length + 2) {
      iccParts.push({ sequence: payload[ICC_HEADER.length]!, data: payload.subarray(ICC_HEADER.length + 2) });
    } else if (marker === 0xed && startsWith(payload, PHOTOSHOP_HEADER)) {
      sources.iptc ??= photoshopIptc(payload);
    } else if (marker === 0xfe) {
      sources.comment ??= decodeUtf8OrLatin1(payload);
    }
  }
  if (iccParts.length > 0) {
    // A profile too big for one segment is split over several, numbered from 1.
    iccParts.sort((a, b) => a.sequence - b.sequence);
    const total = iccParts.reduce((sum, part) => sum + part.data.length, 0);
    if (total <= MAX_ICC_BYTES) sources.icc = Buffer.concat(iccParts.map((part) => part.data));
  }
}

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

/** zlib data, or undefined when it is damaged or would inflate to more than `max` bytes. */
function inflateBounded(data: Uint8Array, max: number): Buffer | undefined {
  if (max < 1) return undefined;
  try {
    return inflateSync(data, { maxOutputLength: max });
  } catch {
    return undefined;
  }
}

function readPng(input: Buffer, sources: Sources): void {
  let textBudget = MAX_PNG_TEXT_BYTES;
  const addText = (keyword: string, value: string) => {
    if (keyword === PNG_XMP_KEYWORD) sources.xmp ??= value;
    else if (!keyword.startsWith(PNG_RAW_PROFILE)) sources.pngText.push([keyword, value]);
  };
  /** Text bytes as stored, or inflated; both count against the shared budget. */
  const textBytes = (data: Buffer, compressed: boolean): Buffer | undefined => {
    const bytes = compressed ? inflateBounded(data, textBudget) : data.subarray(0, textBudget);
    if (bytes) textBudget -= bytes.length;
    return bytes;
  };

  let offset = 8;
  for (let n = 0; n < MAX_SEGMENTS && offset + 12 <= input.length; n++) {
    const length = input.readUInt32BE(offset);
    const type = input.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > input.length || !/^[A-Za-z]{4}$/.test(type)) break;
    const data = input.subarray(offset + 8, offset + 8 + length);
    offset = end;
    if (type === 'IEND') break;
    if (type === 'IDAT') continue;
    const isMetadata = ['IHDR', 'tEXt', 'zTXt', 'iTXt', 'eXIf', 'iCCP'].includes(type);
    // A damaged metadata chunk is skipped rather than half-read.
    if (!isMetadata || crc32(input.subarray(end - 8 - length, end - 4)) !== input.readUInt32BE(end - 4)) continue;

    if (type === 'IHDR' && length === 13 && !sources.png) {
      const size = validSize(data.readUInt32BE(0), data.readUInt32BE(4));
      if (size) {
        sources.size ??= size;
        sources.png = {
          ...size,
          bitDepth: data[8]!,
          colorType: PNG_COLOUR_TYPES[data[9]!] ?? `Unknown (${data[9]})`,
          interlace: data[12] === 1,
        };
      }
    } else if (type === 'eXIf') {
      sources.tiff ??= data;
    } else if (type === 'iCCP' && !sources.icc) {
      const nul = data.indexOf(0);
      // Name, NUL, compression method 0, zlib data.
      if (nul > 0 && nul < 80 && data[nul + 1] === 0) sources.icc = inflateBounded(data.subarray(nul + 2), MAX_ICC_BYTES);
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
      } else if (type === 'iTXt') {
        // Keyword, NUL, compression flag, method, language, NUL, translated keyword, NUL, UTF-8 text.
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

function readWebp(input: Buffer, sources: Sources): void {
  if (input.length < 12) return;
  const riffEnd = Math.min(input.length, 8 + input.readUInt32LE(4));
  let canvas: { width: number; height: number } | undefined;
  let frameSize: { width: number; height: number } | undefined;
  let loop: number | undefined;
  const delays: number[] = [];
  let frames = 0;
  let offset = 12;
  for (let n = 0; n < MAX_SEGMENTS && offset + 8 <= riffEnd; n++) {
    const fourcc = input.toString('latin1', offset, offset + 4);
    const size = input.readUInt32LE(offset + 4);
    const start = offset + 8;
    if (start + size > riffEnd) break;
    const data = input.subarray(start, start + size);
    offset = start + size + (size % 2); // chunks are padded to an even size

    if (fourcc === 'VP8X' && size >= 10) {
      canvas = validSize(1 + data.readUIntLE(4, 3), 1 + data.readUIntLE(7, 3));
    } else if (fourcc === 'VP8 ' && size >= 10 && data[3] === 0x9d && data[4] === 0x01 && data[5] === 0x2a) {
      frameSize ??= validSize(data.readUInt16LE(6) & 0x3fff, data.readUInt16LE(8) & 0x3fff);
    } else if (fourcc === 'VP8L' && size >= 5 && data[0] === 0x2f) {
      const bits = data.readUInt32LE(1);
      frameSize ??= validSize((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
    } else if (fourcc === 'ICCP' && size <= MAX_ICC_BYTES) {
      sources.icc ??= data;
    } else if (fourcc === 'EXIF') {
      // The WebP spec says bare TIFF, but some writers keep the JPEG "Exif\0\0" prefix.
      sources.tiff ??= startsWith(data, EXIF_HEADER) ? data.subarray(EXIF_HEADER.length) : data;
    } else if (fourcc === 'XMP ') {
      sources.xmp ??= decodeUtf8OrLatin1(data.subarray(0, MAX_XMP_CHARS * 4));
    } else if (fourcc === 'ANIM' && size >= 6) {
      loop = data.readUInt16LE(4);
    } else if (fourcc === 'ANMF' && size >= 16) {
      frames++;
      delays.push(data.readUIntLE(12, 3));
    }
  }
  sources.size ??= canvas ?? frameSize;
  if (frames > 0) sources.animation = { frames, delays, ...(loop !== undefined && { loop }) };
}

function readContainer(input: Buffer, format: ImageFormat, sources: Sources): void {
  switch (format) {
    case 'jpeg':
      if (startsWith(input, '\xff\xd8')) readJpeg(input, sources);
      return;
    case 'png':
      if (startsWith(input, '\x89PNG\r\n\x1a\n')) readPng(input, sources);
      return;
    case 'webp':
      if (startsWith(input, 'RIFF') && startsWith(input, 'WEBP', 8)) readWebp(input, sources);
      return;
    case 'gif':
      // GIF carries no EXIF; its logical screen size stands in when the caller gives none.
      if (input.length >= 10 && startsWith(input, 'GIF')) sources.size = validSize(input.readUInt16LE(6), input.readUInt16LE(8));
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// TIFF/EXIF: rebuild, then exifr

/** Bytes per value of each TIFF field type, 1–13; 0 for types that do not exist. */
const TIFF_TYPE_SIZES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];
const TIFF_TYPE_SHORT = 3;
const TIFF_TYPE_LONG = 4;
const TIFF_TYPE_IFD = 13;
const TAG_ORIENTATION = 0x0112;
const TAG_EXIF_IFD = 0x8769;
const TAG_GPS_IFD = 0x8825;
const TAG_INTEROP_IFD = 0xa005;
/** Blobs exifr would drop anyway (MakerNote; XMP, IPTC, Photoshop and ICC data inside TIFF): not copied. */
const BLOB_TAGS = new Set([0x927c, 0x02bc, 0x83bb, 0x8649, 0x8773]);
const MAX_IFD_ENTRIES = 1000;

interface TiffEntry {
  tag: number;
  type: number;
  count: number;
  /** The value's bytes, in the block's byte order: the 4-byte field itself when it fits there. */
  value: Buffer;
}

interface RebuiltTiff {
  tiff: Buffer;
  littleEndian: boolean;
  orientation?: number;
}

/**
 * A new TIFF block holding only the whole entries of IFD0, the Exif IFD and the GPS IFD: each of
 * known type with its value inside the block, the first of each tag, and no more than fit one
 * APP1 segment. Pointers that leave the block or lead back to an IFD already read are dropped, and
 * next-IFD links are never followed (IFD1 is the thumbnail), so self-referencing chains end here.
 * Rebuilding rather than patching in place matters: an IFD that claims more entries than it has
 * runs into its own value data, and those phantom entries must not overwrite it.
 */
function rebuildTiff(source: Uint8Array): RebuiltTiff | undefined {
  if (source.length < 8) return undefined;
  const tiff = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  const littleEndian = startsWith(tiff, 'II');
  if (!littleEndian && !startsWith(tiff, 'MM')) return undefined;
  const read16 = (at: number) => (littleEndian ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const read32 = (at: number) => (littleEndian ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (read16(2) !== 42) return undefined;
  const isIfd = (at: number) => at >= 8 && at + 2 <= tiff.length;

  const readIfd = (at: number): TiffEntry[] => {
    const entries: TiffEntry[] = [];
    const seen = new Set<number>();
    const count = Math.min(read16(at), Math.floor((tiff.length - at - 2) / 12));
    for (let i = 0; i < count && entries.length < MAX_IFD_ENTRIES; i++) {
      const entry = at + 2 + 12 * i;
      const tag = read16(entry);
      const type = read16(entry + 2);
      const valueCount = read32(entry + 4);
      const bytes = (TIFF_TYPE_SIZES[type] ?? 0) * valueCount;
      if (!TIFF_TYPE_SIZES[type] || seen.has(tag) || BLOB_TAGS.has(tag)) continue;
      const start = bytes <= 4 ? entry + 8 : read32(entry + 8);
      if (start + Math.max(bytes, 4) > tiff.length) continue;
      seen.add(tag);
      entries.push({ tag, type, count: valueCount, value: tiff.subarray(start, start + Math.max(bytes, 4)) });
    }
    return entries;
  };
  const pointer = (entry: TiffEntry | undefined): number | undefined => {
    if (!entry || entry.count !== 1 || (entry.type !== TIFF_TYPE_LONG && entry.type !== TIFF_TYPE_IFD)) return undefined;
    return littleEndian ? entry.value.readUInt32LE(0) : entry.value.readUInt32BE(0);
  };

  const ifd0At = read32(4);
  if (!isIfd(ifd0At)) return undefined;
  const isPointer = (e: TiffEntry) => e.tag === TAG_EXIF_IFD || e.tag === TAG_GPS_IFD || e.tag === TAG_INTEROP_IFD;
  const ifd0All = readIfd(ifd0At);
  const ifds: Array<{ tag?: number; entries: TiffEntry[] }> = [{ entries: ifd0All.filter((e) => !isPointer(e)) }];
  const visited = [ifd0At];
  for (const tag of [TAG_EXIF_IFD, TAG_GPS_IFD]) {
    const at = pointer(ifd0All.find((e) => e.tag === tag));
    if (at === undefined || !isIfd(at) || visited.includes(at)) continue;
    visited.push(at);
    ifds.push({ tag, entries: readIfd(at).filter((e) => !isPointer(e)) });
  }

  const orientationEntry = ifd0All.find((e) => e.tag === TAG_ORIENTATION && e.type === TIFF_TYPE_SHORT && e.count === 1);
  const orientationValue = orientationEntry && (littleEndian ? orientationEntry.value.readUInt16LE(0) : orientationEntry.value.readUInt16BE(0));
  const orientation = orientationValue && orientationValue <= 8 ? orientationValue : undefined;

  // Keep entries while the block fits one APP1 segment, IFD0's first.
  const outOfLine = (e: TiffEntry) => (e.value.length > 4 ? e.value.length + (e.value.length % 2) : 0);
  let used = 8 + ifds.length * (2 + 4) + 12 * (ifds.length - 1); // header, counts, next links, pointers
  for (const ifd of ifds) {
    ifd.entries = ifd.entries.filter((entry) => {
      const cost = 12 + outOfLine(entry);
      if (used + cost > MAX_TIFF_BYTES) return false;
      used += cost;
      return true;
    });
  }

  const out = Buffer.alloc(used);
  const write16 = (value: number, at: number) => (littleEndian ? out.writeUInt16LE(value, at) : out.writeUInt16BE(value, at));
  const write32 = (value: number, at: number) => (littleEndian ? out.writeUInt32LE(value, at) : out.writeUInt32BE(value, at));
  const field = (value: number) => {
    const bytes = Buffer.alloc(4);
    if (littleEndian) bytes.writeUInt32LE(value);
    else bytes.writeUInt32BE(value);
    return bytes;
  };
  // Offsets first, so IFD0 can point at the IFDs written after it.
  const sizeOf = (entries: TiffEntry[]) => 2 + 12 * entries.length + 4 + entries.reduce((sum, e) => sum + outOfLine(e), 0);
  const offsets: number[] = [];
  let next = 8 + sizeOf(ifds[0]!.entries) + 12 * (ifds.length - 1);
  for (const ifd of ifds.slice(1)) {
    offsets.push(next);
    next += sizeOf(ifd.entries);
  }
  const pointers = ifds.slice(1).map((ifd, i) => ({ tag: ifd.tag!, type: TIFF_TYPE_LONG, count: 1, value: field(offsets[i]!) }));

  out.write(littleEndian ? 'II' : 'MM', 0, 'latin1');
  write16(42, 2);
  write32(8, 4);
  let at = 8;
  ifds.forEach((ifd, index) => {
    const entries = (index === 0 ? [...ifd.entries, ...pointers] : ifd.entries).sort((a, b) => a.tag - b.tag);
    write16(entries.length, at);
    let data = at + 2 + 12 * entries.length + 4; // the next-IFD link stays 0
    entries.forEach((entry, i) => {
      const slot = at + 2 + 12 * i;
      write16(entry.tag, slot);
      write16(entry.type, slot + 2);
      write32(entry.count, slot + 4);
      if (entry.value.length <= 4) {
        entry.value.copy(out, slot + 8);
      } else {
        write32(data, slot + 8);
        entry.value.copy(out, data);
        data += outOfLine(entry);
      }
    });
    at = data;
  });
  return { tiff: out, littleEndian, ...(orientation !== undefined && { orientation }) };
}

/**
 * exifr reads only IFD0, Exif and GPS (not the IFD1 thumbnail, MakerNote or interop), keeps
 * blocks apart (the same names occur in several), and leaves dates as written: reviving them
 * would read camera wall-clock time in the server's time zone.
 */
const EXIFR_OPTIONS = {
  exif: true,
  gps: true,
  ifd1: false,
  interop: false,
  makerNote: false,
  userComment: true,
  iptc: true,
  xmp: false,
  icc: false,
  jfif: false,
  ihdr: false,
  mergeOutput: false,
  translateKeys: true,
  translateValues: true,
  reviveValues: false,
  sanitize: true,
  silentErrors: true,
};

function jpegSegment(marker: number, parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** A JPEG holding only the rebuilt metadata blocks: all exifr ever sees of an upload. */
function metadataCarrier(tiff: Buffer | undefined, iptc: Uint8Array | undefined): Buffer | undefined {
  const segments: Buffer[] = [];
  if (tiff) segments.push(jpegSegment(0xe1, [Buffer.from(EXIF_HEADER, 'latin1'), tiff]));
  const iptcOverhead = 2 + PHOTOSHOP_HEADER.length + 12 + 1;
  if (iptc && iptc.length + iptcOverhead <= 0xffff) {
    const resource = Buffer.alloc(12);
    resource.write('8BIM', 0, 'latin1');
    resource.writeUInt16BE(IPTC_RESOURCE, 4); // then an empty, padded name
    resource.writeUInt32BE(iptc.length, 8);
    const padding = Buffer.alloc(iptc.length % 2);
    segments.push(jpegSegment(0xed, [Buffer.from(PHOTOSHOP_HEADER, 'latin1'), resource, iptc, padding]));
  }
  if (segments.length === 0) return undefined;
  return Buffer.concat([Buffer.from([0xff, 0xd8]), ...segments, Buffer.from([0xff, 0xd9])]);
}

const XP_TAGS = new Set(['XPTitle', 'XPComment', 'XPAuthor', 'XPKeywords', 'XPSubject']);

/** IPTC text is read as Latin-1, but most writers now use UTF-8. */
function recoverUtf8(value: unknown): unknown {
  if (typeof value === 'string' && /[\x80-\xff]/.test(value)) {
    try {
      return utf8.decode(Buffer.from(value, 'latin1'));
    } catch {
      return value;
    }
  }
  return Array.isArray(value) ? value.map(recoverUtf8) : value;
}

/** An exifr block as clean entries; unknown tags keep their number, as hex. */
function toBlock(raw: unknown, name: string, maxString: number): Block {
  const block: Block = new Map();
  if (!isRecord(raw)) return block;
  for (const [rawKey, rawValue] of Object.entries(raw)) {
    const key = /^\d+$/.test(rawKey) ? `0x${Number(rawKey).toString(16).padStart(4, '0')}` : cleanKey(rawKey);
    if (!key) continue;
    let value: Value | undefined;
    if (name === 'ifd0' && XP_TAGS.has(key) && rawValue instanceof Uint8Array) {
      value = cleanText(decodeUtf16(rawValue, true), maxString); // Windows writes these as UTF-16LE
    } else if (name === 'gps' && key === 'GPSVersionID' && rawValue instanceof Uint8Array) {
      value = Array.from(rawValue.subarray(0, 4)).join('.');
    } else {
      value = toValue(name === 'iptc' ? recoverUtf8(rawValue) : rawValue, maxString);
    }
    if (value !== undefined) block.set(key, value);
  }
  return block;
}

/** EXIF UserComment: an 8-byte character-code prefix, then the text. */
function userComment(raw: unknown, littleEndian: boolean, maxString: number): string | undefined {
  if (!(raw instanceof Uint8Array) || raw.length <= 8) return undefined;
  const body = raw.subarray(8);
  if (startsWith(raw, 'UNICODE\0')) return cleanText(decodeUtf16(body, littleEndian), maxString);
  if (startsWith(raw, 'ASCII\0\0\0') || raw.subarray(0, 8).every((b) => b === 0)) {
    return cleanText(decodeUtf8OrLatin1(body), maxString);
  }
  return undefined; // JIS and unknown codes
}

interface ExifrBlocks {
  ifd0: Block;
  exif: Block;
  gps: Block;
  iptc: Block;
  latitude?: number;
  longitude?: number;
}

async function runExifr(tiff: RebuiltTiff | undefined, iptc: Uint8Array | undefined, maxString: number): Promise<ExifrBlocks> {
  const blocks: ExifrBlocks = { ifd0: new Map(), exif: new Map(), gps: new Map(), iptc: new Map() };
  const carrier = metadataCarrier(tiff?.tiff, iptc);
  if (!carrier) return blocks;
  let raw: unknown;
  try {
    // A Buffer only: exifr reads a string as a path or a URL.
    raw = await exifr.parse(carrier, EXIFR_OPTIONS);
  } catch {
    return blocks;
  }
  if (!isRecord(raw)) return blocks;
  blocks.ifd0 = toBlock(raw.ifd0, 'ifd0', maxString);
  blocks.exif = toBlock(raw.exif, 'exif', maxString);
  blocks.gps = toBlock(raw.gps, 'gps', maxString);
  blocks.iptc = toBlock(raw.iptc, 'iptc', maxString);
  blocks.gps.delete('latitude');
  blocks.gps.delete('longitude');
  const comment = tiff && userComment(raw.userComment, tiff.littleEndian, maxString);
  if (comment) blocks.exif.set('UserComment', comment);
  if (isRecord(raw.gps)) {
    if (typeof raw.gps.latitude === 'number') blocks.latitude = raw.gps.latitude;
    if (typeof raw.gps.longitude === 'number') blocks.longitude = raw.gps.longitude;
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// ICC profiles: description and a few header fields

const ICC_CLASSES: Record<string, string> = {
  scnr: 'Input device',
  mntr: 'Display device',
  prtr: 'Output device',
  link: 'Device link',
  spac: 'Colour space',
  abst: 'Abstract',
  nmcl: 'Named colour',
};
const MAX_ICC_TAGS = 1000;
const MAX_MLUC_RECORDS = 64;

/** The text of a `desc`, `text` or `mluc` tag (English preferred), read within its own bounds. */
function iccText(icc: Buffer, start: number, end: number): string | undefined {
  const type = icc.toString('latin1', start, start + 4);
  if (type === 'desc' && start + 12 <= end) {
    const length = icc.readUInt32BE(start + 8);
    return icc.toString('latin1', start + 12, Math.min(end, start + 12 + length));
  }
  if (type === 'text') return icc.toString('latin1', start + 8, end);
  if (type === 'mluc' && start + 16 <= end) {
    const count = Math.min(icc.readUInt32BE(start + 8), MAX_MLUC_RECORDS);
    const recordSize = icc.readUInt32BE(start + 12);
    if (recordSize < 12) return undefined;
    let chosen: string | undefined;
    for (let i = 0; i < count; i++) {
      const record = start + 16 + i * recordSize;
      if (record + 12 > end) break;
      const length = icc.readUInt32BE(record + 4);
      const at = start + icc.readUInt32BE(record + 8);
      if (at + length > end) continue;
      const value = decodeUtf16(icc.subarray(at, at + length), false);
      if (icc.toString('latin1', record, record + 2) === 'en') return value;
      chosen ??= value;
    }
    return chosen;
  }
  return undefined;
}

function readIcc(source: Uint8Array, maxString: number): { description?: string; fields: Array<[string, Scalar]> } {
  const icc = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  const fields: Array<[string, Scalar]> = [];
  if (icc.length < 132 || !startsWith(icc, 'acsp', 36)) return { fields };
  const signature = (at: number) => cleanText(icc.toString('latin1', at, at + 4), 4);
  const profileClass = signature(12);
  const colourSpace = signature(16);
  const connectionSpace = signature(20);
  fields.push(['ICC.Version', `${icc[8]}.${icc[9]! >> 4}`]);
  if (profileClass) fields.push(['ICC.ProfileClass', ICC_CLASSES[profileClass] ?? profileClass]);
  if (colourSpace) fields.push(['ICC.ColorSpace', colourSpace]);
  if (connectionSpace) fields.push(['ICC.ConnectionSpace', connectionSpace]);

  let description: string | undefined;
  const count = icc.readUInt32BE(128);
  if (count <= MAX_ICC_TAGS && 132 + 12 * count <= icc.length) {
    for (let i = 0; i < count; i++) {
      const entry = 132 + 12 * i;
      const tag = icc.toString('latin1', entry, entry + 4);
      const start = icc.readUInt32BE(entry + 4);
      const end = start + icc.readUInt32BE(entry + 8);
      if (end > icc.length || end - start < 8) continue;
      if (tag === 'desc' && description === undefined) {
        description = cleanText(iccText(icc, start, end) ?? '', maxString);
        if (description) fields.push(['ICC.Description', description]);
      } else if (tag === 'cprt') {
        const copyright = cleanText(iccText(icc, start, end) ?? '', maxString);
        if (copyright) fields.push(['ICC.Copyright', copyright]);
      }
    }
  }
  return { ...(description && { description }), fields };
}

// ---------------------------------------------------------------------------------------------
// XMP: a few well-known properties, by linear string search

/**
 * Output key, qualified name, and whether the value is a list. Matched by their customary
 * prefixes (every common writer uses these); XMP that binds other prefixes to these namespaces
 * is not understood.
 */
const XMP_PROPERTIES: ReadonlyArray<readonly [string, string, boolean]> = [
  ['title', 'dc:title', false],
  ['description', 'dc:description', false],
  ['creator', 'dc:creator', true],
  ['subject', 'dc:subject', true],
  ['rights', 'dc:rights', false],
  ['rating', 'xmp:Rating', false],
  ['label', 'xmp:Label', false],
  ['createDate', 'xmp:CreateDate', false],
  ['creatorTool', 'xmp:CreatorTool', false],
  ['headline', 'photoshop:Headline', false],
  ['city', 'photoshop:City', false],
  ['state', 'photoshop:State', false],
  ['country', 'photoshop:Country', false],
  ['credit', 'photoshop:Credit', false],
  ['lens', 'aux:Lens', false],
];

function decodeXmlEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/gi, (_, entity: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    const lower = entity.toLowerCase();
    if (named[lower]) return named[lower];
    const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
  });
}

/** Where `<name` starts an element of that exact name, or -1. */
function findElement(xml: string, name: string, from: number): number {
  const open = `<${name}`;
  for (let at = xml.indexOf(open, from); at !== -1; at = xml.indexOf(open, at + 1)) {
    const next = xml[at + open.length];
    if (next === '>' || next === '/' || next === ' ' || next === '\t' || next === '\n' || next === '\r') return at;
  }
  return -1;
}

/** `name="value"` (or single quotes) as an attribute, e.g. of rdf:Description. */
function findAttribute(xml: string, name: string): string | undefined {
  for (let at = xml.indexOf(name, 0); at !== -1; at = xml.indexOf(name, at + 1)) {
    if (!/\s/.test(xml[at - 1] ?? '')) continue;
    let i = at + name.length;
    while (xml[i] === ' ') i++;
    if (xml[i] !== '=') continue;
    i++;
    while (xml[i] === ' ') i++;
    const quote = xml[i];
    if (quote !== '"' && quote !== "'") continue;
    const end = xml.indexOf(quote, i + 1);
    return end === -1 ? undefined : xml.slice(i + 1, end);
  }
  return undefined;
}

/** The texts of `rdf:li` items, the x-default one first; structured items are skipped. */
function listItems(inner: string): string[] {
  const items: string[] = [];
  let preferred: string | undefined;
  let from = 0;
  while (items.length < MAX_LIST_ITEMS) {
    const start = findElement(inner, 'rdf:li', from);
    if (start === -1) break;
    const open = inner.indexOf('>', start);
    if (open === -1) break;
    const close = inner.indexOf('</rdf:li>', open);
    if (close === -1) break;
    from = close + 9;
    const value = inner.slice(open + 1, close);
    if (value.includes('<')) continue;
    if (preferred === undefined && inner.slice(start, open).includes('"x-default"')) preferred = value;
    else items.push(value);
  }
  return preferred === undefined ? items : [preferred, ...items];
}

function xmpValues(xml: string, name: string): string[] {
  const start = findElement(xml, name, 0);
  if (start !== -1) {
    const open = xml.indexOf('>', start);
    if (open !== -1 && xml[open - 1] !== '/') {
      const close = xml.indexOf(`</${name}>`, open);
      if (close !== -1) {
        const inner = xml.slice(open + 1, close);
        return inner.includes('<') ? listItems(inner) : [inner];
      }
    }
  }
  const attribute = findAttribute(xml, name);
  return attribute === undefined ? [] : [attribute];
}

function readXmp(source: string, maxString: number): Array<[string, string | string[]]> {
  const xml = source.length > MAX_XMP_CHARS ? source.slice(0, MAX_XMP_CHARS) : source;
  const entries: Array<[string, string | string[]]> = [];
  for (const [key, name, isList] of XMP_PROPERTIES) {
    const values: string[] = [];
    for (const raw of xmpValues(xml, name)) {
      const value = cleanText(decodeXmlEntities(raw), maxString);
      if (value !== undefined) values.push(value);
    }
    if (values.length === 0) continue;
    entries.push([key, isList ? values : values[0]!]);
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Interpretation

/** "2024:05:01 12:34:56" (+ sub-seconds, + offset) → "2024-05-01T12:34:56.123+02:00"; as written. */
function exifDate(date: Value | undefined, subSeconds: Value | undefined, offset: Value | undefined): string | undefined {
  const match = typeof date === 'string' ? /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(date) : null;
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  let iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}`;
  const fraction = String(subSeconds ?? '').trim();
  if (/^\d{1,9}$/.test(fraction)) iso += `.${fraction}`;
  if (typeof offset === 'string' && /^[+-](?:0\d|1[0-4]):[0-5]\d$/.test(offset.trim())) iso += offset.trim();
  return iso;
}

function flashText(value: Value | undefined): string | undefined {
  if (typeof value === 'string') return value;
  const number = firstNumber(value);
  // Bit 0 says whether it fired; exifr names the common combinations, this is for the rest.
  return number === undefined ? undefined : number & 1 ? 'Flash fired' : 'Flash did not fire';
}

function location(blocks: ExifrBlocks): ImageMetadata['location'] {
  const { latitude, longitude } = blocks;
  if (latitude === undefined || longitude === undefined) return undefined;
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return undefined;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  const altitude = firstNumber(blocks.gps.get('GPSAltitude'));
  const belowSeaLevel = firstNumber(blocks.gps.get('GPSAltitudeRef')) === 1;
  return {
    latitude,
    longitude,
    ...(altitude !== undefined && Math.abs(altitude) < 1e6 && { altitude: belowSeaLevel ? -altitude : altitude }),
  };
}

function definedOnly<T extends object>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as T) : undefined;
}

function lowerCamel(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}

const IPTC_NAMES: Record<string, string> = { CopyrightNotice: 'copyright', Byline: 'byline', Caption: 'caption' };

function iptcEntries(block: Block): Array<[string, string | string[]]> {
  const entries: Array<[string, string | string[]]> = [];
  for (const [key, value] of block) {
    const name = IPTC_NAMES[key] ?? lowerCamel(key);
    const list = (Array.isArray(value) ? value : [value]).map(String);
    entries.push([name, name === 'keywords' || list.length > 1 ? list : list[0]!]);
  }
  return entries;
}

function animation(info: ImageHeaderInfo | undefined, fallback: Sources['animation'], maxItems: number): ImageMetadata['animation'] {
  const frames = info ? info.frames : fallback?.frames;
  if (typeof frames !== 'number' || !Number.isSafeInteger(frames) || frames < 2) return undefined;
  // The container's own delays and loop (WebP) fill in what the caller's header info leaves out.
  const rawDelays = info?.delays ?? fallback?.delays;
  const rawLoop = info?.loop ?? fallback?.loop;
  const delays = Array.isArray(rawDelays)
    ? rawDelays.slice(0, Math.min(frames, maxItems)).filter((d) => Number.isSafeInteger(d) && d >= 0)
    : [];
  const loop = typeof rawLoop === 'number' && Number.isSafeInteger(rawLoop) && rawLoop >= 0 ? rawLoop : undefined;
  return { frames, ...(loop !== undefined && { loop }), ...(delays.length > 0 && { delays }) };
}

// ---------------------------------------------------------------------------------------------
// Assembly within the size budget

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Adds entries while they fit the byte budget and the entry limit; an entry that does not fit is skipped. */
function fill<T extends string | number | boolean | string[]>(
  target: Record<string, T>,
  entries: Iterable<readonly [string, T]>,
  budget: { left: number },
  maxEntries: number,
): void {
  let count = Object.keys(target).length;
  for (const [key, value] of entries) {
    if (count >= maxEntries) return;
    if (FORBIDDEN_KEYS.has(key) || Object.hasOwn(target, key)) continue;
    const cost = jsonBytes(key) + jsonBytes(value) + 2; // colon and comma
    if (cost > budget.left) continue;
    budget.left -= cost;
    target[key] = value;
    count++;
  }
}

/** Optional parts, least useful first, removed if even the core is over the byte limit. */
function shrinkToFit(result: ImageMetadata, maxBytes: number): void {
  const removals: Array<() => void> = [
    () => delete result.animation?.delays,
    () => delete result.icc,
    () => delete result.camera,
    () => delete result.exposure,
    () => delete result.png,
    () => delete result.location,
    () => delete result.capturedAt,
    () => delete result.animation,
    () => delete result.orientation,
  ];
  for (const remove of removals) {
    if (jsonBytes(result) <= maxBytes) return;
    remove();
  }
}

function assertLimits(limits: MetadataLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`MetadataLimits.${name} must be a positive integer`);
  }
  if (limits.maxTotalBytes < MIN_TOTAL_BYTES) throw new TypeError(`MetadataLimits.maxTotalBytes must be at least ${MIN_TOTAL_BYTES}`);
}

/**
 * Reads the metadata of an image whose format has been sniffed and whose header sharp has read.
 * Without `info`, the size comes from the container's own header and WebP frames are counted;
 * GIF frames are not. Never rejects for anything in the file; only invalid `limits` (a
 * configuration bug) throw.
 */
export async function extractMetadata(
  input: Buffer,
  format: ImageFormat,
  info?: ImageHeaderInfo,
  limits: MetadataLimits = DEFAULT_METADATA_LIMITS,
): Promise<ImageMetadata> {
  assertLimits(limits);
  const maxString = limits.maxStringLength;
  const sources: Sources = { pngText: [] };
  try {
    readContainer(input, format, sources);
  } catch {
    // Whatever was found before the damage stays in `sources`.
  }

  let tiff: RebuiltTiff | undefined;
  let blocks: ExifrBlocks = { ifd0: new Map(), exif: new Map(), gps: new Map(), iptc: new Map() };
  let icc: ReturnType<typeof readIcc> = { fields: [] };
  let xmp: Array<[string, string | string[]]> = [];
  try {
    tiff = sources.tiff && rebuildTiff(sources.tiff);
    blocks = await runExifr(tiff, sources.iptc, maxString);
  } catch {
    // Broken EXIF or IPTC: the rest still counts.
  }
  try {
    if (sources.icc) icc = readIcc(sources.icc, maxString);
  } catch {
    // Broken profile.
  }
  try {
    if (sources.xmp) xmp = readXmp(sources.xmp, maxString);
  } catch {
    // Broken XMP.
  }

  const { ifd0, exif, gps } = blocks;
  const size = (info && validSize(info.width, info.height)) ?? sources.size;
  const pngText: Array<[string, string]> = [];
  for (const [rawKey, rawValue] of sources.pngText) {
    const key = cleanKey(rawKey);
    const value = cleanText(rawValue, maxString);
    if (key && value) pngText.push([key, value]);
  }

  const result: ImageMetadata = { format, fields: {} };
  const camera = definedOnly({
    make: text(ifd0.get('Make')),
    model: text(ifd0.get('Model')),
    lens: text(exif.get('LensModel')),
    software: text(ifd0.get('Software')),
  });
  if (camera) result.camera = camera;
  const exposure = definedOnly({
    exposureTime: positive(exif.get('ExposureTime')),
    fNumber: positive(exif.get('FNumber')),
    iso: positive(exif.get('ISO')),
    focalLength: positive(exif.get('FocalLength')),
    flash: flashText(exif.get('Flash')),
  });
  if (exposure) result.exposure = exposure;
  const capturedAt =
    exifDate(exif.get('DateTimeOriginal'), exif.get('SubSecTimeOriginal'), exif.get('OffsetTimeOriginal')) ??
    exifDate(exif.get('CreateDate'), exif.get('SubSecTimeDigitized'), exif.get('OffsetTimeDigitized'));
  if (capturedAt) result.capturedAt = capturedAt;
  if (tiff?.orientation !== undefined) result.orientation = tiff.orientation;
  const place = location(blocks);
  if (place) result.location = place;
  if (icc.description) result.icc = { description: icc.description };
  if (sources.png) result.png = { ...sources.png, text: {} };
  const frames = animation(info, sources.animation, limits.maxFields);
  if (frames) result.animation = frames;
  if (size) result.size = { width: size.width, height: size.height };
  result.iptc = {};
  result.xmp = {};

  // The parts above are small and bounded; the free-form records share what is left, and the
  // flattened table, being a copy of everything, comes last and is what gets cut.
  shrinkToFit(result, limits.maxTotalBytes);
  const budget = { left: limits.maxTotalBytes - jsonBytes(result) };
  fill(result.iptc, iptcEntries(blocks.iptc), budget, limits.maxFields);
  fill(result.xmp, xmp, budget, limits.maxFields);
  if (result.png) fill(result.png.text, pngText, budget, limits.maxFields);
  if (Object.keys(result.iptc).length === 0) delete result.iptc;
  if (Object.keys(result.xmp).length === 0) delete result.xmp;

  const fields: Array<[string, Scalar]> = [];
  const addBlock = (prefix: string, block: Block) => {
    for (const [key, value] of block) {
      const scalar = toFieldValue(value, maxString);
      if (scalar !== undefined) fields.push([`${prefix}.${key}`, scalar]);
    }
  };
  addBlock('IFD0', ifd0);
  addBlock('Exif', exif);
  addBlock('GPS', gps);
  addBlock('IPTC', blocks.iptc);
  for (const [key, value] of xmp) {
    const scalar = cleanText(Array.isArray(value) ? value.join(', ') : value, maxString);
    if (scalar) fields.push([`XMP.${key}`, scalar]);
  }
  fields.push(...icc.fields);
  if (sources.png) {
    const { bitDepth, colorType, interlace } = sources.png;
    fields.push(['PNG.BitDepth', bitDepth], ['PNG.ColorType', colorType], ['PNG.Interlace', interlace]);
    for (const [key, value] of pngText) fields.push([`PNG.Text.${key}`, value]);
  }
  const comment = sources.comment && cleanText(sources.comment, maxString);
  if (comment) fields.push(['JPEG.Comment', comment]);
  if (result.animation) {
    fields.push(['Animation.Frames', result.animation.frames]);
    if (result.animation.loop !== undefined) fields.push(['Animation.Loop', result.animation.loop]);
  }
  fill(result.fields, fields, budget, limits.maxFields);
  return result;
}
