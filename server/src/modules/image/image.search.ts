import { IMAGE_MIME_TYPES, type ImageFormat } from '@lockframe/common';
import type { Scope } from '../../scope.js';

/** What a search can match on; decrypted only in memory. */
export interface SearchDoc {
  /** Lower-cased display name. */
  n: string;
  /** Lower-cased "make model". */
  c: string;
  /** Capture time in ms, or null. */
  t: number | null;
}

export interface ImageFilterInput {
  filename?: string | null;
  camera?: string | null;
  format?: ImageFormat | null;
  takenFrom?: Date | null;
  takenTo?: Date | null;
}

export interface SearchEntry extends SearchDoc {
  id: string;
  createdAt: number;
  mimeType: string;
}

interface CachedIndex {
  entries: SearchEntry[];
  count: number;
  newest: number;
  builtAt: number;
}

const CACHE_USERS = 64;
// Every use re-checks the row count and newest upload, which catches other processes' uploads
// and deletes; the age limit is only a backstop.
const CACHE_TTL_MS = 5 * 60_000;

export function isEmptyFilter(filter: ImageFilterInput | null | undefined): boolean {
  return !filter || Object.values(filter).every((v) => v === null || v === undefined || v === '');
}

export function matches(entry: SearchEntry, filter: ImageFilterInput): boolean {
  const text = (v: string | null | undefined) => (v ?? '').trim().toLowerCase();
  const name = text(filter.filename);
  if (name && !entry.n.includes(name)) return false;
  const camera = text(filter.camera);
  if (camera && !entry.c.includes(camera)) return false;
  if (filter.format && entry.mimeType !== IMAGE_MIME_TYPES[filter.format]) return false;
  if (filter.takenFrom || filter.takenTo) {
    if (entry.t === null) return false;
    if (filter.takenFrom && entry.t < filter.takenFrom.getTime()) return false;
    if (filter.takenTo && entry.t > filter.takenTo.getTime()) return false;
  }
  return true;
}

/**
 * Search without plaintext at rest: each image row holds a small sealed search document; a
 * search opens every document of the one user (unwrap + decrypt, ~10 µs each) and filters in
 * memory. The opened index is cached per user for a short time and re-checked against the row
 * count and newest upload, so other server processes' changes show up too.
 */
export interface SearchIndexSource {
  /** Opens every search document of the user. */
  build(scope: Scope, userId: string): Promise<SearchEntry[]>;
  /** The user's image count and newest upload time (ms), to tell whether a cached index is stale. */
  freshness(scope: Scope, userId: string): Promise<{ count: number; newest: number }>;
}

export class SearchIndexCache {
  private readonly cache = new Map<string, CachedIndex>();
  private readonly building = new Map<string, Promise<SearchEntry[]>>();

  constructor(private readonly source: SearchIndexSource) {}

  async entries(scope: Scope, userId: string): Promise<SearchEntry[]> {
    const cached = this.cache.get(userId);
    if (cached && Date.now() - cached.builtAt < CACHE_TTL_MS) {
      const { count, newest } = await this.source.freshness(scope, userId);
      if (count === cached.count && newest === cached.newest) {
        this.touch(userId, cached);
        return cached.entries;
      }
    }
    // Opening an index is CPU work: callers that arrive while it is being opened share it.
    let building = this.building.get(userId);
    if (!building) {
      building = this.rebuild(scope, userId).finally(() => this.building.delete(userId));
      this.building.set(userId, building);
    }
    return building;
  }

  private async rebuild(scope: Scope, userId: string): Promise<SearchEntry[]> {
    const entries = await this.source.build(scope, userId);
    const newest = entries.reduce((max, e) => Math.max(max, e.createdAt), 0);
    this.touch(userId, { entries, count: entries.length, newest, builtAt: Date.now() });
    return entries;
  }

  isCached(userId: string): boolean {
    return this.cache.has(userId);
  }

  invalidate(userId: string): void {
    this.cache.delete(userId);
  }

  private touch(userId: string, index: CachedIndex): void {
    this.cache.delete(userId);
    this.cache.set(userId, index);
    while (this.cache.size > CACHE_USERS) this.cache.delete(this.cache.keys().next().value!);
  }
}
