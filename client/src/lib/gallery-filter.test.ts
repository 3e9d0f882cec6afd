import { describe, expect, it } from 'vitest';
import {
  cleanDate,
  EMPTY_FILTER,
  filterFromSearchParams,
  filterProblem,
  filterToSearch,
  isFilterActive,
  normalizeFilter,
  sameFilter,
  toImageFilter,
  gallerySearch,
  sortFromSearchParams,
  toImageOrder,
} from './gallery-filter.ts';

const params = (query: string) => new URLSearchParams(query);

describe('gallery filter ↔ URL', () => {
  it('reads every filter from the query string', () => {
    expect(filterFromSearchParams(params('q=beach&camera=Canon%20EOS&format=PNG&from=2024-05-01&to=2024-05-31'))).toEqual({
      q: 'beach',
      camera: 'Canon EOS',
      format: 'png',
      from: '2024-05-01',
      to: '2024-05-31',
      fav: '',
    });
  });

  it('reads the favourites switch only as fav=1', () => {
    expect(filterFromSearchParams(params('fav=1')).fav).toBe('1');
    expect(filterFromSearchParams(params('fav=true')).fav).toBe('');
    expect(filterFromSearchParams(params('fav=0')).fav).toBe('');
    expect(filterToSearch(normalizeFilter({ q: 'sea', fav: '1' }))).toBe('?q=sea&fav=1');
    expect(isFilterActive(normalizeFilter({ fav: '1' }))).toBe(true);
    expect(toImageFilter(normalizeFilter({ fav: '1' }))).toEqual({ favorite: true });
  });

  it('round-trips through the URL', () => {
    const filter = { q: 'sun & sea?', camera: 'Fuji', format: 'webp', from: '2023-01-01', to: '', fav: '1' } as const;
    const search = filterToSearch(filter);
    expect(search).toBe('?q=sun+%26+sea%3F&camera=Fuji&format=webp&from=2023-01-01&fav=1');
    expect(filterFromSearchParams(params(search.slice(1)))).toEqual(filter);
  });

  it('writes nothing for an empty filter', () => {
    expect(filterToSearch(EMPTY_FILTER)).toBe('');
    expect(isFilterActive(EMPTY_FILTER)).toBe(false);
    expect(filterFromSearchParams(params(''))).toEqual(EMPTY_FILTER);
  });

  it('drops what cannot be a filter', () => {
    expect(filterFromSearchParams(params('format=svg&from=2024-02-30&to=yesterday&q=%20%20&camera=' + 'x'.repeat(300)))).toEqual({
      q: '',
      camera: 'x'.repeat(200),
      format: '',
      from: '',
      to: '',
      fav: '',
    });
    expect(normalizeFilter({ q: 'a\u0000b\u202ec' }).q).toBe('abc');
  });

  it('checks dates for real', () => {
    expect(cleanDate('2024-02-29')).toBe('2024-02-29');
    expect(cleanDate('2023-02-29')).toBe('');
    expect(cleanDate('2024-13-01')).toBe('');
    expect(cleanDate('0001-01-01')).toBe('');
    expect(cleanDate('2024-1-1')).toBe('');
  });

  it('compares filters', () => {
    expect(sameFilter(normalizeFilter({ q: ' cat ' }), normalizeFilter({ q: 'cat' }))).toBe(true);
    expect(sameFilter(normalizeFilter({ q: 'cat' }), normalizeFilter({ q: 'cats' }))).toBe(false);
  });

  it('refuses a date range that ends before it starts', () => {
    expect(filterProblem(normalizeFilter({ from: '2024-05-02', to: '2024-05-01' }))).toMatchObject({ field: 'to' });
    expect(filterProblem(normalizeFilter({ from: '2024-05-01', to: '2024-05-01' }))).toBeNull();
  });
});

describe('gallery sort in the URL', () => {
  it('reads sort=taken, anything else is by upload', () => {
    expect(sortFromSearchParams(params('sort=taken'))).toBe('taken');
    expect(sortFromSearchParams(params('sort=TAKEN'))).toBe('taken');
    expect(sortFromSearchParams(params('sort=size'))).toBe('uploaded');
    expect(sortFromSearchParams(params(''))).toBe('uploaded');
  });

  it('writes the sort after the search, and nothing for the default', () => {
    expect(gallerySearch(EMPTY_FILTER, 'uploaded')).toBe('');
    expect(gallerySearch(EMPTY_FILTER, 'taken')).toBe('?sort=taken');
    expect(gallerySearch(normalizeFilter({ q: 'sea' }), 'taken')).toBe('?q=sea&sort=taken');
    expect(toImageOrder('taken')).toBe('TAKEN');
    expect(toImageOrder('uploaded')).toBe('UPLOADED');
  });
});

describe('toImageFilter', () => {
  it('is null when nothing is filtered, so the plain gallery query is used', () => {
    expect(toImageFilter(EMPTY_FILTER)).toBeNull();
  });

  it('maps to the server fields, with whole days in UTC', () => {
    expect(toImageFilter(normalizeFilter({ q: 'beach', camera: 'canon', format: 'jpeg', from: '2024-05-01', to: '2024-05-31' }))).toEqual({
      filename: 'beach',
      camera: 'canon',
      format: 'JPEG',
      takenFrom: '2024-05-01T00:00:00.000Z',
      takenTo: '2024-05-31T23:59:59.999Z',
    });
    expect(toImageFilter(normalizeFilter({ format: 'gif' }))).toEqual({ format: 'GIF' });
    expect(toImageFilter(normalizeFilter({ format: 'webp' }))).toEqual({ format: 'WEBP' });
  });
});
