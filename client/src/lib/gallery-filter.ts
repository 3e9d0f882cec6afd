import { IMAGE_FORMAT_NAMES, IMAGE_FORMATS, isImageFormat, SEARCH_TEXT_MAX, type ImageFormat } from '@lockframe/common';
import type { ImageFilter, ImageOrder } from './graphql/documents.ts';

/**
 * The gallery's search, as it lives in the address bar (?q=&camera=&format=&from=&to=&fav=) so it
 * survives a reload and can be bookmarked, and as the server's `ImageFilter`. The query string
 * is untrusted input like any other: unknown formats and impossible dates are dropped.
 */

export const FORMAT_CHOICES: ReadonlyArray<{ value: ImageFormat; label: string }> = IMAGE_FORMATS.map((value) => ({
  value,
  label: IMAGE_FORMAT_NAMES[value],
}));

export interface GalleryFilter {
  /** Part of the file name. */
  q: string;
  /** Part of the camera make or model. */
  camera: string;
  format: ImageFormat | '';
  /** Capture date range, inclusive, as YYYY-MM-DD. */
  from: string;
  to: string;
  /** '1': favourites only. A string like the rest, as the address bar holds it. */
  fav: '1' | '';
}

export const EMPTY_FILTER: Readonly<GalleryFilter> = Object.freeze({ q: '', camera: '', format: '', from: '', to: '', fav: '' });

/** The query-string names, in the order they are written. */
const PARAMS = ['q', 'camera', 'format', 'from', 'to', 'fav'] as const satisfies ReadonlyArray<keyof GalleryFilter>;

/** Trimmed, without control characters, at most SEARCH_TEXT_MAX characters. */
export function cleanFilterText(raw: string | null | undefined): string {
  return (raw ?? '')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, SEARCH_TEXT_MAX)
    .trim();
}

export function cleanFormat(raw: string | null | undefined): ImageFormat | '' {
  const value = (raw ?? '').trim().toLowerCase();
  return isImageFormat(value) ? value : '';
}

/** A real calendar date written YYYY-MM-DD (as <input type="date"> gives it), else "". */
export function cleanDate(raw: string | null | undefined): string {
  const value = (raw ?? '').trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return '';
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real && year >= 1800 ? value : '';
}

/** Whatever people typed or the address bar says, made safe and canonical. */
export function normalizeFilter(raw: Partial<Record<keyof GalleryFilter, string | null | undefined>>): GalleryFilter {
  return {
    q: cleanFilterText(raw.q),
    camera: cleanFilterText(raw.camera),
    format: cleanFormat(raw.format),
    from: cleanDate(raw.from),
    to: cleanDate(raw.to),
    fav: raw.fav?.trim() === '1' ? '1' : '',
  };
}

/** Reads URLSearchParams, or SvelteKit's read-only `page.url.searchParams`. */
export function filterFromSearchParams(params: Pick<URLSearchParams, 'get'>): GalleryFilter {
  return normalizeFilter(Object.fromEntries(PARAMS.map((name) => [name, params.get(name)])));
}

/** "?q=cat&format=png", or "" when nothing is filtered. Empty values are left out. */
export function filterToSearch(filter: GalleryFilter): string {
  const params = new URLSearchParams();
  for (const name of PARAMS) if (filter[name]) params.set(name, filter[name]);
  const search = params.toString();
  return search ? `?${search}` : '';
}

export function isFilterActive(filter: GalleryFilter): boolean {
  return PARAMS.some((name) => filter[name] !== '');
}

export function sameFilter(a: GalleryFilter, b: GalleryFilter): boolean {
  return PARAMS.every((name) => a[name] === b[name]);
}

/** A problem people must fix before the search can run, or null. */
export function filterProblem(filter: GalleryFilter): { field: 'to'; message: string } | null {
  if (filter.from && filter.to && filter.from > filter.to) {
    return { field: 'to', message: 'The “to” date is before the “from” date.' };
  }
  return null;
}

/** 'jpeg' as the schema's ImageFormat enum names it: JPEG. */
const toFormatEnum = (format: ImageFormat) => format.toUpperCase() as Uppercase<ImageFormat>;

/**
 * The server's ImageFilter, or null for "everything". Dates are whole days in UTC, both ends
 * included: EXIF capture times carry no time zone, so the server compares them as written.
 */
export function toImageFilter(filter: GalleryFilter): ImageFilter | null {
  if (!isFilterActive(filter)) return null;
  const result: ImageFilter = {};
  if (filter.q) result.filename = filter.q;
  if (filter.camera) result.camera = filter.camera;
  if (filter.format) result.format = toFormatEnum(filter.format);
  if (filter.from) result.takenFrom = `${filter.from}T00:00:00.000Z`;
  if (filter.to) result.takenTo = `${filter.to}T23:59:59.999Z`;
  if (filter.fav) result.favorite = true;
  return result;
}

/** The gallery's order, as the address bar holds it (?sort=taken); not a filter, so "Clear filters" keeps it. */
export type GallerySort = 'uploaded' | 'taken';

export function sortFromSearchParams(params: Pick<URLSearchParams, 'get'>): GallerySort {
  return params.get('sort')?.trim().toLowerCase() === 'taken' ? 'taken' : 'uploaded';
}

/** The gallery's query string: the search, then the order when it is not the default. */
export function gallerySearch(filter: GalleryFilter, sort: GallerySort): string {
  const search = filterToSearch(filter);
  if (sort === 'uploaded') return search;
  return `${search ? `${search}&` : '?'}sort=${sort}`;
}

export const toImageOrder = (sort: GallerySort) => (sort === 'taken' ? 'TAKEN' : 'UPLOADED') satisfies ImageOrder;
