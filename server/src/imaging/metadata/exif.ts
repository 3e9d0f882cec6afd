/**
 * EXIF (IFD0, Exif and GPS IFDs) and IPTC, parsed by exifr from a small synthetic JPEG that holds
 * only the rebuilt TIFF block and the IPTC data: exifr never sees the upload itself.
 */
import exifr from 'exifr';
import { photoshopBlock, recoverUtf8 } from './iptc.js';
import { cleanKey, cleanText, decodeUtf16, decodeUtf8OrLatin1, startsWith } from './text.js';
import type { RebuiltTiff } from './tiff.js';
import { isRecord, toValue, type Block, type Value } from './values.js';

const EXIF_HEADER = 'Exif\0\0';

/** The TIFF block of an EXIF blob: JPEG's and libvips' carry an "Exif\0\0" prefix, WebP's may. */
export function withoutExifHeader(exif: Uint8Array): Uint8Array {
  return startsWith(exif, EXIF_HEADER) ? exif.subarray(EXIF_HEADER.length) : exif;
}

/**
 * exifr reads only IFD0, Exif and GPS (not the IFD1 thumbnail, MakerNote or interop), keeps
 * blocks apart (the same names occur in several), and leaves dates as written: reviving them
 * would read camera wall-clock time in the server's time zone. Its XMP and ICC parsers are off:
 * see xmp.ts and icc.ts.
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

const MAX_SEGMENT_BODY = 0xffff - 2;

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
  const photoshop = iptc && photoshopBlock(iptc);
  if (photoshop && photoshop.length <= MAX_SEGMENT_BODY) segments.push(jpegSegment(0xed, [photoshop]));
  if (segments.length === 0) return undefined;
  return Buffer.concat([Buffer.from([0xff, 0xd8]), ...segments, Buffer.from([0xff, 0xd9])]);
}

const XP_TAGS = new Set(['XPTitle', 'XPComment', 'XPAuthor', 'XPKeywords', 'XPSubject']);

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

export interface ExifBlocks {
  ifd0: Block;
  exif: Block;
  gps: Block;
  iptc: Block;
  latitude?: number;
  longitude?: number;
}

export function emptyExifBlocks(): ExifBlocks {
  return { ifd0: new Map(), exif: new Map(), gps: new Map(), iptc: new Map() };
}

export async function readExif(tiff: RebuiltTiff | undefined, iptc: Uint8Array | undefined, maxString: number): Promise<ExifBlocks> {
  const blocks = emptyExifBlocks();
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
