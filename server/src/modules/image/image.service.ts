import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { MAX_BULK_IDS } from '@lockframe/common';
import { IntegrityError } from '../../crypto/envelope.js';
import { isUniqueViolation } from '../../db/database.js';
import { AppError, badInput, fileTooLarge, notFound } from '../../errors.js';
import type { ImageMetadata } from '../../imaging/metadata/index.js';
import type { ImageLimits } from '../../imaging/process.js';
import type { WorkQueue } from '../../imaging/queue.js';
import type { AlbumPolicy } from '../../policies/album.policy.js';
import type { ImagePermission, ImagePolicy } from '../../policies/image.policy.js';
import type { BlobVariant } from '../../storage/blob-store.js';
import type { SealedStore } from '../../storage/sealed-store.js';
import { addressKey, type Scope, type SignedInScope } from '../../scope.js';
import type { AuditService } from '../audit/audit.service.js';
import type { RateLimitService, RateRule } from '../ratelimit/rate-limit.service.js';
import type { QuotaService } from '../quota/quota.service.js';
import { sanitizeFilename } from './filename.js';
import { prepareImage, sealAndStore } from './image.pipeline.js';
import type { ImageRecord, ImageRepository, ImageScope } from './image.repository.js';
import { hasSearchConditions, matches, SearchIndexCache, type ImageFilterInput, type SearchDoc, type SearchEntry } from './image.search.js';

/** UPLOADED: newest upload first. TAKEN: newest capture first; photos without a capture time by their upload time. */
export type ImageOrder = 'UPLOADED' | 'TAKEN';

/** An image with its secrets opened for presenting to its owner. */
export interface ImageView {
  image: ImageRecord;
  filename: string;
  /** The capture time from the sealed search document, or null. */
  takenAt: Date | null;
  /** Loads and opens the sealed metadata on demand (only when a client asks for it). */
  metadata(): Promise<ImageMetadata | null>;
}

export interface ImagePage {
  nodes: ImageView[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

/** A file as the multipart parser hands it over: read whole, within the size limit. */
export interface IncomingFile {
  filename: string;
  bytes: Buffer;
}

export interface ImageServiceDeps {
  images: ImageRepository;
  policy: ImagePolicy;
  albums: AlbumPolicy;
  store: SealedStore;
  queue: WorkQueue;
  audit: AuditService;
  /** Upload quotas per account and per client address (rules uploadAccount and uploadIp). */
  rateLimits: RateLimitService;
  maxUploadBytes: number;
  limits: ImageLimits;
  /** Unverified accounts may not upload. */
  requireVerifiedEmail: boolean;
  quota: QuotaService;
}

/** A position in a listing: the last row's sort time (ms) and id, and the order it belongs to. */
interface Cursor {
  time: number;
  id: string;
  order: ImageOrder;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_PAGE = 100;
/** Cursor times must be real dates: ±100 million days around 1970, as JavaScript allows. */
const MAX_TIME = 8.64e15;

/**
 * Cursor = the last row's (time, id): stable under inserts, no offsets. UPLOADED cursors keep
 * their original two-element form; TAKEN ones are tagged so one order's cursor is refused by the other.
 */
function encodeCursor(time: number, id: string, order: ImageOrder): string {
  return Buffer.from(JSON.stringify(order === 'TAKEN' ? [time, id, 'T'] : [time, id])).toString('base64url');
}

function decodeCursor(cursor: string, order: ImageOrder): Cursor {
  const invalid = () => badInput('Invalid pagination cursor.', 'after');
  if (cursor.length > 200) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== (order === 'TAKEN' ? 3 : 2)) throw invalid();
  const [time, id, tag] = parsed as unknown[];
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || Math.abs(time) > MAX_TIME || typeof id !== 'string' || !UUID.test(id)) {
    throw invalid();
  }
  if (order === 'TAKEN' && tag !== 'T') throw invalid();
  return { time, id, order };
}

/** The sort time of an index entry in each order. */
const SORT_TIME: Record<ImageOrder, (e: SearchEntry) => number> = { UPLOADED: (e) => e.createdAt, TAKEN: (e) => e.t ?? e.createdAt };

/** An index sorted newest capture first, made once per opened index (the array is replaced on any change). */
const timelines = new WeakMap<SearchEntry[], SearchEntry[]>();
function timelineOf(entries: SearchEntry[]): SearchEntry[] {
  let sorted = timelines.get(entries);
  if (!sorted) {
    const time = SORT_TIME.TAKEN;
    sorted = [...entries].sort((a, b) => time(b) - time(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    timelines.set(entries, sorted);
  }
  return sorted;
}

/** Index of the first entry after the cursor in a list sorted by (time desc, id desc): a binary search. */
function startAfter(sorted: SearchEntry[], time: (e: SearchEntry) => number, cursor: Cursor): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = sorted[mid]!;
    const t = time(e);
    if (t > cursor.time || (t === cursor.time && e.id >= cursor.id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A bulk request names at most MAX_BULK_IDS ids (an empty list is fine and changes nothing). */
function checkBulk(ids: readonly string[], field = 'ids'): void {
  if (ids.length > MAX_BULK_IDS) throw badInput(`At most ${MAX_BULK_IDS} images can be changed at once; send them in smaller batches.`, field);
}

const integrityFailure = () =>
  new AppError('INTEGRITY_ERROR', 'This image failed its integrity check, so it is not shown. The incident has been logged.');

function checkFirst(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badInput(`"first" must be between 1 and ${MAX_PAGE}.`, 'first');
}

/** The permission each stored variant needs. */
const VARIANT_PERMISSION: Record<BlobVariant, ImagePermission> = { display: 'image.read', thumbnail: 'image.thumbnail', original: 'image.original' };

/** A viewer's images: listing and search, upload, delete, and their bytes for the media routes. */
export class ImageService {
  private readonly search: SearchIndexCache;

  constructor(private readonly deps: ImageServiceDeps) {
    this.search = new SearchIndexCache({
      build: (scope, userId) => this.openSearchIndex(scope, userId),
      freshness: (scope, userId) => this.deps.images.freshness(scope.em, userId),
    });
  }

  /** The image, or null when it is missing or not the viewer's. */
  async find(scope: SignedInScope, id: string): Promise<ImageView | null> {
    const [image] = await this.deps.policy.allowed(scope, 'image.read', [id]);
    return image ? this.present(scope, image) : null;
  }

  /**
   * A page of the gallery (never the trash). Upload order without text conditions is one SQL
   * query; capture order and search run over the user's opened search index (capture times
   * are sealed, so the database cannot sort by them).
   */
  async list(
    scope: SignedInScope,
    args: { first: number; after?: string | null; filter?: ImageFilterInput | null; order?: ImageOrder | null },
  ): Promise<ImagePage> {
    const userId = scope.viewer.user.id;
    const { first, after, filter } = args;
    const order = args.order ?? 'UPLOADED';
    checkFirst(first);
    const cursor = after ? decodeCursor(after, order) : null;
    if (filter) await this.validateFilter(scope, filter);
    if (order === 'TAKEN' || (filter && hasSearchConditions(filter))) return this.indexPage(scope, first, cursor, filter ?? {}, order);
    const where: ImageScope = { state: 'gallery', favorite: filter?.favorite, albumId: filter?.albumId };
    return this.sqlPage(scope, where, first, cursor, () => this.deps.images.countOf(scope.em, userId, where));
  }

  /** The viewer's trash, most recently uploaded first. */
  trashed(scope: SignedInScope, args: { first: number; after?: string | null }): Promise<ImagePage> {
    checkFirst(args.first);
    const cursor = args.after ? decodeCursor(args.after, 'UPLOADED') : null;
    const where: ImageScope = { state: 'trash' };
    return this.sqlPage(scope, where, args.first, cursor, () => this.deps.images.countOf(scope.em, scope.viewer.user.id, where));
  }

  /** How many of the viewer's gallery images are in `albumId` (an album the caller has already been granted). */
  countInAlbum(scope: SignedInScope, albumId: string): Promise<number> {
    return this.deps.images.countOf(scope.em, scope.viewer.user.id, { state: 'gallery', albumId });
  }

  private async sqlPage(scope: SignedInScope, where: ImageScope, first: number, cursor: Cursor | null, count: () => Promise<number>): Promise<ImagePage> {
    const userId = scope.viewer.user.id;
    const at = cursor ? { createdAt: new Date(cursor.time), id: cursor.id } : null;
    const [rows, totalCount] = await Promise.all([this.deps.images.page(scope.em, userId, where, at, first + 1), count()]);
    const page = rows.slice(0, first);
    const last = page.at(-1);
    // Someone opening their gallery may search next: open their search index in the background.
    if (!cursor && where.state === 'gallery' && !this.search.isCached(userId)) {
      const background = { ...scope, em: scope.em.fork() };
      void this.search.entries(background, userId).catch((error: unknown) => scope.log.warn({ err: error }, 'search index warm-up failed'));
    }
    return {
      nodes: await Promise.all(page.map((image) => this.present(scope, image, { lenient: true }))),
      totalCount,
      hasNextPage: rows.length > first,
      endCursor: last ? encodeCursor(last.createdAt.getTime(), last.id, 'UPLOADED') : null,
    };
  }

  /**
   * Counts `files` uploads against the account's and the client address's hourly quotas, or
   * throws RATE_LIMITED (with retryAfterSeconds) when either has run out. The multipart parser
   * calls it before it reads a body, so a refused upload costs one insert and one count query.
   */
  async admitUploads(scope: SignedInScope, files = 1): Promise<void> {
    const { rateLimits } = this.deps;
    const checks: Array<[string, RateRule]> = [
      [`upload:acct:${scope.viewer.user.id}`, rateLimits.rules.uploadAccount],
      [`upload:ip:${addressKey(scope.origin.ip)}`, rateLimits.rules.uploadIp],
    ];
    // One reservation per file: each sees the others, so no more get through than the quota allows.
    for (let i = 0; i < files; i++) await rateLimits.reserve(scope, checks);
  }

  private async validateFilter(scope: SignedInScope, filter: ImageFilterInput): Promise<void> {
    if ((filter.filename?.length ?? 0) > 200) throw badInput('The file name filter is too long.', 'filename');
    if ((filter.camera?.length ?? 0) > 200) throw badInput('The camera filter is too long.', 'camera');
    if (filter.takenFrom && filter.takenTo && filter.takenFrom > filter.takenTo) {
      throw badInput('The start of the date range is after its end.', 'takenFrom');
    }
    // Someone else's album is NOT_FOUND here too, never an empty page that confirms it exists.
    if (filter.albumId) await this.deps.albums.require(scope, 'album.read', filter.albumId);
  }

  /** Validates, seals and stores every variant, then commits the row; on any failure nothing is left behind. */
  async upload(scope: SignedInScope, file: IncomingFile): Promise<ImageView> {
    const { user } = scope.viewer;
    const { images, store, queue, audit, maxUploadBytes, limits, requireVerifiedEmail } = this.deps;
    if (requireVerifiedEmail && !user.emailVerified) {
      throw new AppError('EMAIL_NOT_VERIFIED', 'Confirm your e-mail address before uploading: use the link we sent you.');
    }
    const { bytes } = file;
    if (bytes.length > maxUploadBytes) throw fileTooLarge(maxUploadBytes);
    // Before any decoding: the same bytes again cost one HMAC and one indexed lookup.
    const hashes = await store.contentHashes(user.id, bytes);
    const same = await images.findByContentHash(scope.em, user.id, hashes.map((h) => h.hash));
    if (same) return this.answerDuplicate(scope, same);
    const { processed, metadata } = await prepareImage(bytes, limits, queue);
    const filename = sanitizeFilename(file.filename);
    // Held before any byte is written (QUOTA_EXCEEDED otherwise), given back if the image never commits.
    const storage = await this.deps.quota.reserve(scope, user.id, bytes.length + processed.display.data.length + processed.thumbnail.data.length);
    const sealed = await sealAndStore(store, { ownerId: user.id, bytes, filename, processed, metadata }).catch(async (error: unknown) => {
      await storage.release();
      throw error;
    });
    const image: ImageRecord = {
      id: sealed.imageId,
      ownerId: user.id,
      filenameSealed: sealed.filenameSealed,
      wrappedKey: sealed.key.wrappedKey,
      keyId: sealed.key.keyId,
      mimeType: processed.mimeType,
      width: processed.width,
      height: processed.height,
      frames: processed.frames,
      byteSize: bytes.length,
      storageId: sealed.storageId,
      displayMimeType: processed.display.mimeType,
      thumbnailMimeType: processed.thumbnail.mimeType,
      createdAt: new Date(),
      searchSealed: sealed.searchSealed,
      favorite: false,
      trashedAt: null,
    };
    const [current] = hashes;
    try {
      await images.insert(scope.em, {
        ...image,
        metadataSealed: sealed.metadataSealed,
        contentHash: current!.hash,
        contentHashKeyId: current!.keyId,
        storedBytes: storage.bytes,
      });
    } catch (error) {
      // The row never committed: its files must not outlive it, nor its bytes count.
      await store.delete(sealed.storageId).catch(() => undefined);
      await storage.release();
      // The same bytes committed meanwhile by a concurrent upload: answer that one.
      const winner = isUniqueViolation(error) ? await images.findByContentHash(scope.em, user.id, [current!.hash]) : null;
      if (winner) return this.answerDuplicate(scope, winner);
      throw error;
    }
    this.search.invalidate(user.id);
    await audit.record(scope, 'upload', user.id, { imageId: image.id, bytes: bytes.length });
    return { image, filename, takenAt: takenAtOf(sealed.search.t), metadata: async () => metadata };
  }

  /** An upload of bytes the viewer already has: nothing new is stored; a trashed copy comes back. */
  private async answerDuplicate(scope: SignedInScope, image: ImageRecord): Promise<ImageView> {
    let found = image;
    if (image.trashedAt) {
      await this.deps.images.setTrashed(scope.em, image.ownerId, [image.id], null);
      this.search.invalidate(image.ownerId);
      found = { ...image, trashedAt: null };
    }
    await this.deps.audit.record(scope, 'upload', image.ownerId, { imageId: image.id, duplicate: true });
    return this.present(scope, found);
  }

  /** Moves the viewer's images among `ids` to the trash; returns how many moved. */
  async trash(scope: SignedInScope, ids: readonly string[]): Promise<number> {
    checkBulk(ids);
    const rows = await this.deps.policy.allowed(scope, 'image.write', ids);
    const moved = await this.deps.images.setTrashed(scope.em, scope.viewer.user.id, rows.map((r) => r.id), new Date());
    if (moved) this.search.invalidate(scope.viewer.user.id);
    return moved;
  }

  /** Takes the viewer's images among `ids` out of the trash; returns how many came back. */
  async restore(scope: SignedInScope, ids: readonly string[]): Promise<number> {
    checkBulk(ids);
    const rows = await this.deps.policy.allowed(scope, 'image.restore', ids);
    const restored = await this.deps.images.setTrashed(scope.em, scope.viewer.user.id, rows.map((r) => r.id), null);
    if (restored) this.search.invalidate(scope.viewer.user.id);
    return restored;
  }

  /** Deletes everything in the viewer's trash for good; returns how many images went. */
  async emptyTrash(scope: SignedInScope): Promise<number> {
    const userId = scope.viewer.user.id;
    const removed = await this.purge(scope, { ownerId: userId });
    if (removed) await this.deps.audit.record(scope, 'delete', userId, { images: removed, from: 'trash' });
    return removed;
  }

  /** The periodic purge: every image trashed before `before`, of every user. */
  purgeTrashedBefore(scope: Scope, before: Date): Promise<number> {
    return this.purge(scope, { before });
  }

  /** Rows first (the users' view), then the files of the rows really deleted: one restored meanwhile keeps its files. */
  private async purge(scope: Scope, which: { ownerId: string } | { before: Date }): Promise<number> {
    const { images, store } = this.deps;
    let removed = 0;
    for (;;) {
      const batch = await images.trashed(scope.em, which, PURGE_BATCH);
      if (!batch.length) break;
      const deleted = await images.deleteTrashed(scope.em, batch.map((r) => r.id));
      removed += deleted;
      const kept = await images.knownStorageIds(scope.em, batch.map((r) => r.storageId));
      for (const row of batch) if (!kept.has(row.storageId)) await store.delete(row.storageId);
      // Rows that stayed were restored meanwhile; stop rather than loop over them.
      if (deleted < batch.length) break;
    }
    return removed;
  }

  /** Marks or unmarks one of the viewer's gallery images as a favourite. */
  async setFavorite(scope: SignedInScope, id: string, favorite: boolean): Promise<ImageView> {
    const image = await this.deps.policy.require(scope, 'image.write', id);
    if (image.favorite !== favorite) await this.deps.images.setFavorite(scope.em, image.ownerId, image.id, favorite);
    return this.present(scope, { ...image, favorite });
  }

  /** Refuses a bulk request naming more than MAX_BULK_IDS ids. */
  checkBulk(ids: readonly string[], field = 'ids'): void {
    checkBulk(ids, field);
  }

  /** The images of `ids` the viewer may change, all of them or NOT_FOUND (adding to an album). */
  async requireWritable(scope: SignedInScope, ids: readonly string[], field = 'imageIds'): Promise<string[]> {
    checkBulk(ids, field);
    const unique = [...new Set(ids)];
    const rows = await this.deps.policy.allowed(scope, 'image.write', unique);
    if (rows.length !== unique.length) throw notFound();
    return rows.map((r) => r.id);
  }

  /** Removes the row first (the user's view), then every stored file. */
  async delete(scope: SignedInScope, id: string): Promise<void> {
    const image = await this.deps.policy.require(scope, 'image.delete', id);
    await this.deps.images.delete(scope.em, image.id);
    this.search.invalidate(image.ownerId);
    await this.deps.store.delete(image.storageId);
    await this.deps.audit.record(scope, 'delete', image.ownerId, { imageId: image.id });
  }

  /** The image behind a media URL, if this viewer may have that variant of it; NOT_FOUND otherwise. */
  requireMedia(scope: SignedInScope, id: string, variant: BlobVariant): Promise<ImageRecord> {
    return this.deps.policy.require(scope, VARIANT_PERMISSION[variant], id);
  }

  /**
   * Bytes and type of one stored variant of an image that passed requireMedia; tampered data is
   * never served.
   */
  async readVariant(scope: Scope, image: ImageRecord, variant: BlobVariant): Promise<{ filename: string; data: Buffer; mimeType: string }> {
    const mimeType = variant === 'display' ? image.displayMimeType : variant === 'thumbnail' ? image.thumbnailMimeType : image.mimeType;
    const { store } = this.deps;
    return this.guard(scope, image, async () => {
      const dek = await store.openImageKey(keyed(image));
      const data = await store.get(image.storageId, variant, image.id, dek);
      const filename = variant === 'original' ? store.openField(dek, image.id, 'filename', image.filenameSealed) : '';
      return { filename, data, mimeType };
    });
  }

  private async present(scope: Scope, image: ImageRecord, { lenient = false } = {}): Promise<ImageView> {
    const { store, images } = this.deps;
    try {
      return await this.guard(scope, image, async () => {
        const dek = await store.openImageKey(keyed(image));
        const filename = store.openField(dek, image.id, 'filename', image.filenameSealed);
        const search = JSON.parse(store.openField(dek, image.id, 'search', image.searchSealed)) as SearchDoc;
        let metadata: Promise<ImageMetadata | null> | undefined;
        const open = async () => {
          // A lazy column: galleries never load it, only a query that asks for the field.
          const sealed = await images.metadataSealedOf(scope.em, image.ownerId, image.id);
          // A page of metadata is many decrypts and parses: let other requests' I/O in between them.
          await yieldToOthers();
          return sealed ? JSON.parse(store.openField(dek, image.id, 'metadata', sealed)) : null;
        };
        return { image, filename, takenAt: takenAtOf(search.t), metadata: () => (metadata ??= open()) };
      });
    } catch (error) {
      // One damaged row must not hide the rest of a gallery; opening it gives the error.
      if (lenient && error instanceof AppError && error.code === 'INTEGRITY_ERROR') {
        return { image, filename: '(failed integrity check)', takenAt: null, metadata: async () => null };
      }
      throw error;
    }
  }

  private async guard<T>(scope: Scope, image: ImageRecord, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof IntegrityError)) throw error;
      scope.log.error({ imageId: image.id, err: error }, 'integrity failure: stored data or key does not verify');
      await this.deps.audit.record(scope, 'integrity.failure', image.ownerId, { imageId: image.id });
      throw integrityFailure();
    }
  }

  /** A page from the opened search index: capture order, text conditions, favourites and albums combined. */
  private async indexPage(scope: SignedInScope, first: number, cursor: Cursor | null, filter: ImageFilterInput, order: ImageOrder): Promise<ImagePage> {
    const userId = scope.viewer.user.id;
    const entries = await this.search.entries(scope, userId);
    const sorted = order === 'TAKEN' ? timelineOf(entries) : entries;
    const restricted = (filter.favorite !== null && filter.favorite !== undefined) || !!filter.albumId;
    const only = restricted ? await this.deps.images.idsOf(scope.em, userId, { state: 'gallery', favorite: filter.favorite, albumId: filter.albumId }) : null;
    const text = hasSearchConditions(filter);
    const all = only || text ? sorted.filter((e) => (!only || only.has(e.id)) && (!text || matches(e, filter))) : sorted;
    const time = SORT_TIME[order];
    const start = cursor ? startAfter(all, time, cursor) : 0;
    const page = all.slice(start, start + first);
    const rows = await this.deps.policy.allowed(scope, 'image.read', page.map((e) => e.id));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const nodes = await Promise.all(
      page.flatMap((e) => {
        const image = byId.get(e.id);
        return image ? [this.present(scope, image, { lenient: true })] : [];
      }),
    );
    const last = page.at(-1);
    return { nodes, totalCount: all.length, hasNextPage: all.length > start + first, endCursor: last ? encodeCursor(time(last), last.id, order) : null };
  }

  private async openSearchIndex(scope: Scope, userId: string): Promise<SearchEntry[]> {
    const rows = await this.deps.images.searchRows(scope.em, userId);
    const entries: SearchEntry[] = [];
    for (const [i, row] of rows.entries()) {
      // Opening thousands of documents is CPU work: let other requests in between batches.
      if (i % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
      try {
        const dek = await this.deps.store.openImageKey({ id: row.id, ownerId: userId, wrappedKey: row.wrappedKey, keyId: row.keyId });
        const doc = JSON.parse(this.deps.store.openField(dek, row.id, 'search', row.searchSealed)) as SearchDoc;
        entries.push({ ...doc, id: row.id, createdAt: row.createdAt.getTime(), mimeType: row.mimeType });
      } catch (error) {
        if (!(error instanceof IntegrityError)) throw error;
        // A damaged row is left out of search results; opening it directly reports the failure.
      }
    }
    return entries;
  }
}

const PURGE_BATCH = 200;

function takenAtOf(time: number | null | undefined): Date | null {
  return typeof time === 'number' ? new Date(time) : null;
}

function keyed(image: ImageRecord) {
  return { id: image.id, ownerId: image.ownerId, wrappedKey: image.wrappedKey, keyId: image.keyId };
}
