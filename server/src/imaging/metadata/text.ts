/**
 * Text from an upload, made safe to show as text: bounded, without control or bidi-override
 * characters, well-formed UTF-16; and keys that cannot reach a prototype.
 */

/** Control characters except tab and newline, and the bidi controls that can reorder what a UI shows. */
const UNSAFE_CHARACTERS = /(?![\t\n])\p{Cc}|[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_KEY_LENGTH = 80;
export const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Plain text, safe to show as text: bounded, no control or bidi characters, well-formed UTF-16. */
export function cleanText(value: string, max: number): string | undefined {
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

export function cleanKey(key: string): string | undefined {
  const clean = cleanText(key, MAX_KEY_LENGTH);
  return clean === undefined || FORBIDDEN_KEYS.has(clean) ? undefined : clean;
}

export function decodeUtf8OrLatin1(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

/**
 * At most `max` bytes from the start, cut before a UTF-8 sequence rather than inside one, so a
 * bounded slice of valid UTF-8 still decodes as UTF-8.
 */
export function utf8Prefix(bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

export function decodeUtf16(bytes: Uint8Array, littleEndian: boolean): string {
  const even = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  if (!littleEndian) even.swap16();
  return even.toString('utf16le');
}

export function startsWith(bytes: Uint8Array, prefix: string, offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[offset + i] !== prefix.charCodeAt(i)) return false;
  return true;
}
