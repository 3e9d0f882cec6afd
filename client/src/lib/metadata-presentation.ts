import { formatDimensions } from './format.ts';
import type { ImageDetails } from './graphql/documents.ts';

/**
 * Turns an image's metadata, as the schema types it (ImageDetails), into labelled groups of plain
 * text. The types are the schema's; the values still come from inside an uploaded file, so every
 * text is cut to a bounded length and stripped of control and bidi characters, numbers are
 * range-checked, and everything is rendered only as text.
 */

export interface MetadataRow {
  label: string;
  value: string;
}

export interface MetadataGroup {
  id: string;
  title: string;
  rows: MetadataRow[];
  /** Rows left out to keep the page bounded. */
  more: number;
  /** A sentence about the group, e.g. the privacy note under Location. */
  note?: string;
}

export type MetadataPresentation =
  | { kind: 'none' }
  | { kind: 'groups'; groups: MetadataGroup[]; fields: { rows: MetadataRow[]; more: number } };

export interface PresentationLimits {
  /** Rows per group and rows of "All fields". */
  maxRows: number;
  maxFields: number;
  maxTextLength: number;
}

export const DEFAULT_PRESENTATION_LIMITS: PresentationLimits = { maxRows: 100, maxFields: 500, maxTextLength: 1000 };

type MaybeNumber = number | null | undefined;

const finite = (value: MaybeNumber): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Control characters (but tab and newline) and the bidi controls that can make text read as something else. */
const UNSAFE_CHARACTERS = /(?![\t\n])\p{Cc}|[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** Hostile text made displayable: no control or bidi characters, bounded length. */
export function plainText(value: string, max = DEFAULT_PRESENTATION_LIMITS.maxTextLength): string {
  // Bound the work first: nothing past this can reach the output.
  const cut = value.length > max * 4;
  const text = (cut ? value.slice(0, max * 4) : value).replace(UNSAFE_CHARACTERS, '').trim();
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${(cut ? value.length : text.length) - max} more characters)`;
}

/** A text as shown, or null when there is none. */
function str(value: string | null | undefined, max?: number): string | null {
  if (typeof value !== 'string') return null;
  const text = plainText(value, max);
  return text === '' ? null : text;
}

/** Up to one decimal, no trailing ".0": 35 → "35", 4.25 → "4.3". */
function decimal(value: number, digits = 1): string {
  return String(Number(value.toFixed(digits)));
}

/** 0.004 → "1/250 s", 0.5 → "1/2 s", 2 → "2 s", 1.3 → "1.3 s". */
export function formatExposureTime(value: MaybeNumber): string | null {
  const seconds = finite(value);
  if (seconds === null || seconds <= 0 || seconds > 100_000) return null;
  if (seconds >= 1) return `${decimal(seconds)} s`;
  const denominator = 1 / seconds;
  // Shutter speeds are fractions of one second; 0.3 s reads better as "0.3 s" than "1/3.33 s".
  if (Math.abs(denominator - Math.round(denominator)) > 0.05 * denominator && seconds >= 0.1) return `${decimal(seconds)} s`;
  return `1/${Math.round(denominator)} s`;
}

/** 2.8 → "f/2.8", 8 → "f/8". */
export function formatFNumber(value: MaybeNumber): string | null {
  const n = finite(value);
  return n !== null && n > 0 && n < 1000 ? `f/${decimal(n)}` : null;
}

/** 100 → "ISO 100". */
export function formatIso(value: MaybeNumber): string | null {
  const n = finite(value);
  return n !== null && n > 0 && n < 10_000_000 ? `ISO ${Math.round(n)}` : null;
}

/** 35 → "35 mm", 4.25 → "4.3 mm". */
export function formatFocalLength(value: MaybeNumber): string | null {
  const n = finite(value);
  return n !== null && n > 0 && n < 100_000 ? `${decimal(n)} mm` : null;
}

/** 51.5074, 'lat' → "51.50740° N"; -0.1278, 'lon' → "0.12780° W". Out-of-range values → null. */
export function formatCoordinate(value: MaybeNumber, axis: 'lat' | 'lon'): string | null {
  const n = finite(value);
  const limit = axis === 'lat' ? 90 : 180;
  if (n === null || Math.abs(n) > limit) return null;
  const hemisphere = axis === 'lat' ? (n >= 0 ? 'N' : 'S') : n >= 0 ? 'E' : 'W';
  return `${Math.abs(n).toFixed(5)}° ${hemisphere}`;
}

/** "51.50740° N, 0.12780° W", or null unless both coordinates are sound. */
export function formatLocation(location: { latitude: number; longitude: number } | null): string | null {
  if (!location) return null;
  const lat = formatCoordinate(location.latitude, 'lat');
  const lon = formatCoordinate(location.longitude, 'lon');
  return lat && lon ? `${lat}, ${lon}` : null;
}

/** 35.24 → "35.2 m above sea level", -4 → "4 m below sea level". */
export function formatAltitude(value: MaybeNumber): string | null {
  const n = finite(value);
  if (n === null || Math.abs(n) > 100_000) return null;
  return n < 0 ? `${decimal(-n)} m below sea level` : `${decimal(n)} m above sea level`;
}

const CAPTURE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A capture time as the camera's clock showed it. EXIF times are wall-clock times, usually with
 * no time zone; converting them to the reader's zone would show a time the photographer never
 * saw, so the parts are shown as written, with the offset when the file states one.
 */
export function formatCaptureTime(value: string | null, locale?: string): string | null {
  const text = str(value, 64);
  if (!text) return null;
  const match = CAPTURE_TIME.exec(text);
  if (!match) return text;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (Number.isNaN(date.getTime()) || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 60) return text;
  const shown = new Intl.DateTimeFormat(locale, {
    dateStyle: 'long',
    timeStyle: match[6] !== undefined ? 'medium' : 'short',
    timeZone: 'UTC',
  }).format(date);
  const zone = match[7];
  if (!zone) return shown;
  if (zone === 'Z') return `${shown} (UTC)`;
  const offset = zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return `${shown} (UTC${offset})`;
}

const ORIENTATIONS: Record<number, string> = {
  1: 'Normal',
  2: 'Mirrored',
  3: 'Rotated 180°',
  4: 'Mirrored and rotated 180°',
  5: 'Mirrored and rotated 90° counter-clockwise',
  6: 'Rotated 90° clockwise',
  7: 'Mirrored and rotated 90° clockwise',
  8: 'Rotated 90° counter-clockwise',
};

export function formatOrientation(value: MaybeNumber): string | null {
  const n = finite(value);
  return n !== null && Object.hasOwn(ORIENTATIONS, n) ? ORIENTATIONS[n]! : null;
}

/** Animation loop count, where 0 means "forever". */
export function formatLoop(value: MaybeNumber): string | null {
  const n = finite(value);
  if (n === null || n < 0 || !Number.isInteger(n)) return null;
  if (n === 0) return 'Forever';
  return n === 1 ? 'Once' : `${n} times`;
}

/** Frame delays in ms → { total: "2.4 s", each: "100 ms each" | "40–200 ms" }. */
export function describeDelays(value: readonly number[]): { total: string; each: string } | null {
  const delays = value.filter((d) => Number.isFinite(d) && d >= 0);
  if (delays.length === 0) return null;
  const total = delays.reduce((sum, d) => sum + d, 0);
  const min = Math.min(...delays);
  const max = Math.max(...delays);
  return {
    total: total >= 1000 ? `${decimal(total / 1000)} s` : `${Math.round(total)} ms`,
    each: min === max ? `${Math.round(min)} ms each` : `${Math.round(min)}–${Math.round(max)} ms`,
  };
}

/** "copyrightNotice" → "Copyright notice", "by_line" → "By line". */
export function humanizeKey(key: string): string {
  const words = plainText(key, 80)
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : '(no name)';
}

/** A list of texts as one line, bounded. */
export function listText(values: readonly string[], max = DEFAULT_PRESENTATION_LIMITS.maxTextLength): string {
  const shown = values.slice(0, 50).map((item) => plainText(item, max));
  const rest = values.length - shown.length;
  return plainText(rest > 0 ? `${shown.join(', ')} … (${rest} more)` : shown.join(', '), max) || '—';
}

type Field = ImageDetails['fields'][number];

/** One "All fields" value as read from the file: text as written, numbers as digits, flags as Yes/No. */
export function fieldText(field: Field, max = DEFAULT_PRESENTATION_LIMITS.maxTextLength): string {
  if (field.text !== null) return plainText(field.text, max) || '—';
  if (field.number !== null) return Number.isFinite(field.number) ? String(field.number) : '—';
  if (field.flag !== null) return field.flag ? 'Yes' : 'No';
  return '—';
}

class GroupBuilder {
  rows: MetadataRow[] = [];
  more = 0;

  constructor(private readonly max: number) {}

  add(label: string, value: string | null): void {
    if (value === null || value === '') return;
    if (this.rows.length >= this.max) this.more += 1;
    else this.rows.push({ label, value });
  }

  build(id: string, title: string, note?: string): MetadataGroup | null {
    if (this.rows.length === 0) return null;
    return note ? { id, title, rows: this.rows, more: this.more, note } : { id, title, rows: this.rows, more: this.more };
  }
}

type Entry = ImageDetails['iptc'][number];

/** Named text properties (IPTC, XMP, PNG text) as rows. */
function entryGroup(id: string, title: string, entries: readonly Entry[], limits: PresentationLimits, humanize: boolean): MetadataGroup | null {
  const group = new GroupBuilder(limits.maxRows);
  for (const { key, values } of entries) {
    const label = humanize ? humanizeKey(key) : plainText(key, 80) || '(no name)';
    group.add(label, listText(values, limits.maxTextLength));
  }
  return group.build(id, title);
}

export const LOCATION_NOTE =
  'The original file records where this photo was taken. The copy shown here has this removed; downloading the original keeps it.';

export function presentMetadata(
  details: ImageDetails | null,
  limits: PresentationLimits = DEFAULT_PRESENTATION_LIMITS,
  locale?: string,
): MetadataPresentation {
  if (!details) return { kind: 'none' };
  const groups: MetadataGroup[] = [];
  const push = (group: MetadataGroup | null) => {
    if (group) groups.push(group);
  };
  const text = (value: string | null | undefined) => str(value, limits.maxTextLength);

  const { camera, exposure, location, png, animation } = details;
  const cameraGroup = new GroupBuilder(limits.maxRows);
  cameraGroup.add('Make', text(camera?.make));
  cameraGroup.add('Model', text(camera?.model));
  cameraGroup.add('Lens', text(camera?.lens));
  cameraGroup.add('Software', text(camera?.software));
  push(cameraGroup.build('camera', 'Camera'));

  const exposureGroup = new GroupBuilder(limits.maxRows);
  exposureGroup.add('Shutter speed', formatExposureTime(exposure?.exposureTime));
  exposureGroup.add('Aperture', formatFNumber(exposure?.fNumber));
  exposureGroup.add('ISO', formatIso(exposure?.iso));
  exposureGroup.add('Focal length', formatFocalLength(exposure?.focalLength));
  exposureGroup.add('Flash', str(exposure?.flash, 200));
  push(exposureGroup.build('exposure', 'Exposure'));

  const captureGroup = new GroupBuilder(limits.maxRows);
  captureGroup.add('Taken', formatCaptureTime(details.capturedAt, locale));
  push(captureGroup.build('capture', 'Capture time'));

  const locationGroup = new GroupBuilder(limits.maxRows);
  const coordinates = formatLocation(location);
  locationGroup.add('Coordinates', coordinates);
  if (coordinates) locationGroup.add('Altitude', formatAltitude(location?.altitude));
  push(locationGroup.build('location', 'Location', LOCATION_NOTE));

  const imageGroup = new GroupBuilder(limits.maxRows);
  imageGroup.add('Orientation', formatOrientation(details.orientation));
  imageGroup.add('Colour profile', text(details.colorProfile));
  if (png) {
    imageGroup.add('PNG size', formatDimensions(png.width, png.height));
    imageGroup.add('Bit depth', `${png.bitDepth}-bit`);
    imageGroup.add('Colour type', text(png.colorType));
    imageGroup.add('Interlaced', png.interlaced ? 'Yes (Adam7)' : 'No');
  }
  push(imageGroup.build('image', 'Image'));

  push(entryGroup('description', 'Description (IPTC)', details.iptc, limits, true));
  push(entryGroup('xmp', 'Description (XMP)', details.xmp, limits, true));
  if (png) push(entryGroup('png-text', 'PNG text', png.text, limits, false));

  if (animation) {
    const animationGroup = new GroupBuilder(limits.maxRows);
    animationGroup.add('Frames', new Intl.NumberFormat('en').format(animation.frames));
    animationGroup.add('Plays', formatLoop(animation.loop));
    const delays = describeDelays(animation.delays);
    animationGroup.add('Duration', delays?.total ?? null);
    animationGroup.add('Frame delay', delays?.each ?? null);
    push(animationGroup.build('animation', 'Animation'));
  }

  const fieldRows = details.fields
    .slice(0, limits.maxFields)
    .map((field) => ({ label: plainText(field.name, 200) || '(no name)', value: fieldText(field, limits.maxTextLength) }));
  const moreFields = Math.max(0, details.fields.length - limits.maxFields);

  if (groups.length === 0 && fieldRows.length === 0) return { kind: 'none' };
  return { kind: 'groups', groups, fields: { rows: fieldRows, more: moreFields } };
}
