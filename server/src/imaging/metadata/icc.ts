/**
 * ICC profiles: the description and a few header fields, read here within each tag's own bounds.
 * exifr 7.1.3's ICC parser loops 2³² times on an `mluc` tag with a record size of 0 and runs the
 * process out of memory.
 */
import { cleanText, decodeUtf16, startsWith } from './text.js';
import type { Scalar } from './values.js';

/** A bigger profile is ignored whole (real ones are a few KiB; libvips assembles up to 16 MiB from JPEG segments). */
const MAX_ICC_BYTES = 1024 * 1024;

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

export function readIcc(source: Uint8Array, maxString: number): { description?: string; fields: Array<[string, Scalar]> } {
  const icc = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  const fields: Array<[string, Scalar]> = [];
  if (icc.length > MAX_ICC_BYTES || icc.length < 132 || !startsWith(icc, 'acsp', 36)) return { fields };
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
