/** The JSON-safe values a metadata record may hold, and the small readers that interpret them. */
import { cleanText } from './text.js';

export type Scalar = string | number | boolean;
export type Value = Scalar | Scalar[];
/** One block's entries (IFD0, Exif, GPS, IPTC), cleaned, in file order. */
export type Block = Map<string, Value>;

/** Items kept of any list: of an EXIF array, XMP list or IPTC repeated dataset. */
export const MAX_LIST_ITEMS = 100;

export function isRecord(value: unknown): value is Record<string, unknown> {
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
export function toValue(value: unknown, maxString: number): Value | undefined {
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

/** A value as one table cell: lists joined. */
export function toFieldValue(value: Value, maxString: number): Scalar | undefined {
  return Array.isArray(value) ? cleanText(value.join(', '), maxString) : value;
}

export function firstNumber(value: Value | undefined): number | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'number' && Number.isFinite(first) ? first : undefined;
}

export function positive(value: Value | undefined): number | undefined {
  const number = firstNumber(value);
  return number !== undefined && number > 0 ? number : undefined;
}

export function text(value: Value | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function validSize(width: unknown, height: unknown): { width: number; height: number } | undefined {
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
  return ok(width) && ok(height) ? { width, height } : undefined;
}

/** The object without its undefined properties, or undefined when none is left. */
export function definedOnly<T extends object>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as T) : undefined;
}
