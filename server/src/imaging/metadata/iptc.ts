/**
 * IPTC-IIM: found inside a Photoshop image-resource block (JPEG APP13, which libvips hands over
 * whole), parsed by exifr, named here.
 */
import { startsWith, utf8 } from './text.js';
import type { Block } from './values.js';

const PHOTOSHOP_HEADER = 'Photoshop 3.0\0';
const IPTC_RESOURCE = 0x0404;
/** Image resources walked at most. */
const MAX_RESOURCES = 10_000;

/** IPTC inside a Photoshop image-resource block: "8BIM", id, padded Pascal name, size, data. */
export function photoshopIptc(block: Buffer): Uint8Array | undefined {
  if (!startsWith(block, PHOTOSHOP_HEADER)) return undefined;
  let offset = PHOTOSHOP_HEADER.length;
  for (let n = 0; n < MAX_RESOURCES && offset + 12 <= block.length; n++) {
    if (!startsWith(block, '8BIM', offset)) return undefined;
    const id = block.readUInt16BE(offset + 4);
    const nameLength = block[offset + 6]!;
    let data = offset + 6 + 1 + nameLength;
    if ((1 + nameLength) % 2 === 1) data++;
    if (data + 4 > block.length) return undefined;
    const size = block.readUInt32BE(data);
    data += 4;
    if (data + size > block.length) return undefined;
    if (id === IPTC_RESOURCE) return block.subarray(data, data + size);
    offset = data + size + (size % 2);
  }
  return undefined;
}

/** A Photoshop block holding only `iptc`, as exifr expects to find it in APP13. */
export function photoshopBlock(iptc: Uint8Array): Buffer {
  const resource = Buffer.alloc(12);
  resource.write('8BIM', 0, 'latin1');
  resource.writeUInt16BE(IPTC_RESOURCE, 4); // then an empty, padded name
  resource.writeUInt32BE(iptc.length, 8);
  return Buffer.concat([Buffer.from(PHOTOSHOP_HEADER, 'latin1'), resource, iptc, Buffer.alloc(iptc.length % 2)]);
}

/** IPTC text is read as Latin-1, but most writers now use UTF-8. */
export function recoverUtf8(value: unknown): unknown {
  if (typeof value === 'string' && /[\x80-\xff]/.test(value)) {
    try {
      return utf8.decode(Buffer.from(value, 'latin1'));
    } catch {
      return value;
    }
  }
  return Array.isArray(value) ? value.map(recoverUtf8) : value;
}

const IPTC_NAMES: Record<string, string> = { CopyrightNotice: 'copyright', Byline: 'byline', Caption: 'caption' };

function lowerCamel(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}

/** The `iptc` record: camelCase keys, keywords always a list. */
export function iptcEntries(block: Block): Array<[string, string | string[]]> {
  const entries: Array<[string, string | string[]]> = [];
  for (const [key, value] of block) {
    const name = IPTC_NAMES[key] ?? lowerCamel(key);
    const list = (Array.isArray(value) ? value : [value]).map(String);
    entries.push([name, name === 'keywords' || list.length > 1 ? list : list[0]!]);
  }
  return entries;
}
