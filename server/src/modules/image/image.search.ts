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
  /** Only favourites (true) or only the others (false); answered by the database, not the index. */
  favorite?: boolean | null;
  /** Only the photos of this album (already granted by the album policy); answered by the database. */
  albumId?: string | null;
}

export interface SearchEntry extends SearchDoc {
  id: string;
  createdAt: number;
  mimeType: string;
}

interface CachedIndex {
  entries: SearchEntry[];
  stamp: string;
  builtAt: number;
}

const CACHE_USERS = 64;
// Every use re-checks the freshness stamp (row counts, newest upload, latest trashing), which
// catches other processes' uploads, deletes, trashing and restores; the age limit is a backstop.
const CACHE_TTL_MS = 5 * 60_000;

/** Whether the filter has a condition only the opened index can answer (text, format, capture time). */
export function hasSearchConditions(filter: ImageFilterInput): boolean {
  const { filename, camera, format, takenFrom, takenTo } = filter;
  return [filename, camera, format, takenFrom, takenTo].some((v) => v !== null && v !== undefined && v !== '');
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
  /** A stamp of the user's images (counts, newest upload, latest trashing) that changes whenever the index would. */
  freshness(scope: Scope, userId: string): Promise<string>;
}

export class SearchIndexCache {
  private readonly cache = new Map<string, CachedIndex>();
  private readonly building = new Map<string, Promise<SearchEntry[]>>();

  constructor(private readonly source: SearchIndexSource) {}

  async entries(scope: Scope, userId: string): Promise<SearchEntry[]> {
    const cached = this.cache.get(userId);
    if (cached && Date.now() - cached.builtAt < CACHE_TTL_MS) {
      if ((await this.source.freshness(scope, userId)) === cached.stamp) {
        this.touch(userId, cached);
        return cached.entries;
      }
    }
    // Opening an index is CPU work: callers that arrive while it is being opened share it.
    let building = this.building.get(userId);
    if (!building) {
      const started: Promise<SearchEntry[]> = this.rebuild(scope, userId).finally(() => {
        if (this.building.get(userId) === started) this.building.delete(userId);
      });
      building = started;
      this.building.set(userId, building);
    }
    return building;
  }

  private async rebuild(scope: Scope, userId: string): Promise<SearchEntry[]> {
    // Stamped before reading: a change while the index is opened makes the next use rebuild.
    const stamp = await this.source.freshness(scope, userId);
    const entries = await this.source.build(scope, userId);
    this.touch(userId, { entries, stamp, builtAt: Date.now() });
    return entries;
  }

  isCached(userId: string): boolean {
    return this.cache.has(userId);
  }

  /** After a change in this process: later callers open the index again, not join an opening that began before it. */
  invalidate(userId: string): void {
    this.cache.delete(userId);
    this.building.delete(userId);
  }

  private touch(userId: string, index: CachedIndex): void {
    this.cache.delete(userId);
    this.cache.set(userId, index);
    while (this.cache.size > CACHE_USERS) this.cache.delete(this.cache.keys().next().value!);
  }
}
