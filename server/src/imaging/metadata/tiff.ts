/**
 * The EXIF TIFF block, rebuilt from its well-formed directory entries only: all exifr is ever
 * given of an upload's EXIF. exifr 7.1.3 allocates gigabytes (as a typed array) for one entry
 * with a huge count, and then loses the whole block; it also follows whatever links it finds.
 */
import { startsWith } from './text.js';

/** What one JPEG APP1 segment can carry: the most EXIF handed to exifr (cameras never write more). */
const MAX_TIFF_BYTES = 0xffff - 2 - 6;
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

export interface RebuiltTiff {
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
export function rebuildTiff(source: Uint8Array): RebuiltTiff | undefined {
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
