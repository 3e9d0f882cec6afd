/** Display formatting. Pure functions: the same input always reads the same way. */

import { IMAGE_FORMAT_NAMES, IMAGE_FORMATS, IMAGE_MIME_TYPES } from '@lockframe/common';

/** Binary units (1 KiB = 1024 B), as limits are usually stated; decimal (1 kB = 1000 B) for limits set in round thousands. */
export type ByteUnits = 'binary' | 'decimal';

const BYTE_UNITS: Record<ByteUnits, { base: number; names: readonly string[] }> = {
  binary: { base: 1024, names: ['KiB', 'MiB', 'GiB', 'TiB'] },
  decimal: { base: 1000, names: ['kB', 'MB', 'GB', 'TB'] },
};

/**
 * Human-readable size, in binary units unless asked otherwise, matching how limits are stated ("5 MiB"):
 * 0 → "0 B", 1536 → "1.5 KiB", 5 * 1024 * 1024 → "5 MiB", 12_400_000 → "12 MiB" (or "12 MB" in decimal units).
 */
export function formatBytes(bytes: number, units: ByteUnits = 'binary'): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const { base, names } = BYTE_UNITS[units];
  if (bytes < base) return `${Math.round(bytes)} B`;
  let value = bytes / base;
  let unit = 0;
  while (value >= base && unit < names.length - 1) {
    value /= base;
    unit += 1;
  }
  // One decimal below 10 ("4.8 MiB"), whole numbers above ("512 KiB"); never "5.0".
  const rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  // Rounding can carry into the next unit: 1023.96 KiB is "1 MiB", not "1024 KiB".
  if (rounded >= base && unit < names.length - 1) return `1 ${names[unit + 1]}`;
  return `${rounded} ${names[unit]}`;
}

/** The limit in the largest unit that states it exactly, to one decimal: "5 MiB", "1.5 MiB", "1 MB"; null when none does. */
function exactSize(bytes: number): { text: string; units: ByteUnits } | null {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return null;
  for (const units of ['binary', 'decimal'] as const) {
    const { base, names } = BYTE_UNITS[units];
    for (let unit = names.length - 1; unit >= 0; unit -= 1) {
      const size = base ** (unit + 1);
      // Tenths of the unit, in whole numbers: exact in floating point where a product would not be.
      if (bytes >= size && Number.isInteger((bytes * 10) / size)) return { text: `${bytes / size} ${names[unit]}`, units };
    }
  }
  return null;
}

/** The units a limit reads exactly in, so sizes compared with it can use the same ones. */
export function limitUnits(bytes: number): ByteUnits {
  return exactSize(bytes)?.units ?? 'binary';
}

/**
 * A limit as people should read it: exact, never rounded up. 5 MiB → "5 MiB", 1,000,000 → "1 MB",
 * 1,234,567 → "1.2 MiB (1,234,567 bytes)". `withCount` adds the exact count to a short form too.
 */
export function formatLimit(bytes: number, withCount = false): string {
  const exact = exactSize(bytes);
  if (exact && !withCount) return exact.text;
  return `${exact?.text ?? formatBytes(bytes)} (${formatByteCount(bytes)})`;
}

/** Exact count for a tooltip or a detail line: 1234567 → "1,234,567 bytes". */
export function formatByteCount(bytes: number, locale = 'en'): string {
  return `${new Intl.NumberFormat(locale).format(bytes)} ${bytes === 1 ? 'byte' : 'bytes'}`;
}

/** "4032 × 3024 px" */
export function formatDimensions(width: number, height: number): string {
  return `${width} × ${height} px`;
}

/** A date-time from the server (ISO 8601) in the reader's locale, or the raw text if it does not parse. */
export function formatDateTime(iso: string, locale?: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
}

/** Each accepted format's MIME type and name, from @lockframe/common, so a new format is named too. */
const MIME_LABELS: Record<string, string> = Object.fromEntries(IMAGE_FORMATS.map((format) => [IMAGE_MIME_TYPES[format], IMAGE_FORMAT_NAMES[format]]));

/** "image/jpeg" → "JPEG (image/jpeg)". */
export function formatMimeType(mimeType: string): string {
  const label = MIME_LABELS[mimeType.toLowerCase()];
  return label ? `${label} (${mimeType})` : mimeType;
}

/** "1 photo", "24 photos". */
export function pluralize(count: number, singular: string, plural = `${singular}s`): string {
  return `${new Intl.NumberFormat('en').format(count)} ${count === 1 ? singular : plural}`;
}

/**
 * A wait as a clock: 42 → "0:42", 900 → "15:00", 3725 → "1:02:05". Partial seconds round up, so
 * the clock never shows "0:00" while there is still time to wait.
 */
export function formatCountdown(seconds: number): string {
  const total = Number.isFinite(seconds) ? Math.max(0, Math.ceil(seconds)) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Whole seconds left until `deadline` (ms since the epoch), never negative. */
export function secondsUntil(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** An address as people know it: IPv4 addresses the server saw over IPv6 ("::ffff:1.2.3.4") lose the prefix. */
export function formatIp(ip: string | null | undefined): string {
  if (!ip) return 'Unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return mapped ? mapped[1]! : ip;
}
