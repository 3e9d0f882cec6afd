import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { IntegrityError } from '../../crypto/envelope.js';
import { AppError, badInput, fileTooLarge } from '../../errors.js';
import type { ImageMetadata } from '../../imaging/metadata/index.js';
import type { ImageLimits } from '../../imaging/process.js';
import type { WorkQueue } from '../../imaging/queue.js';
import type { ImagePermission, ImagePolicy } from '../../policies/image.policy.js';
import type { BlobVariant } from '../../storage/blob-store.js';
import type { SealedStore } from '../../storage/sealed-store.js';
import type { Scope, SignedInScope } from '../../scope.js';
import type { AuditService } from '../audit/audit.service.js';
import type { QuotaService } from '../quota/quota.service.js';
import { sanitizeFilename } from './filename.js';
import { prepareImage, sealAndStore } from './image.pipeline.js';
import type { ImageCursor, ImageRecord, ImageRepository } from './image.repository.js';
import { isEmptyFilter, matches, SearchIndexCache, type ImageFilterInput, type SearchDoc, type SearchEntry } from './image.search.js';

/** An image with its secrets opened for presenting to its owner. */
export interface ImageView {
  image: ImageRecord;
  filename: string;
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
  store: SealedStore;
  queue: WorkQueue;
  audit: AuditService;
  maxUploadBytes: number;
  limits: ImageLimits;
  /** Unverified accounts may not upload. */
  requireVerifiedEmail: boolean;
  quota: QuotaService;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_PAGE = 100;
/** Cursor times must be real dates: ±100 million days around 1970, as JavaScript allows. */
const MAX_TIME = 8.64e15;

/** Cursor = the last row's (createdAt, id): stable under inserts, no offsets. */
function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): ImageCursor {
  const invalid = () => badInput('Invalid pagination cursor.', 'after');
  if (cursor.length > 200) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [time, id] = parsed as unknown[];
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || Math.abs(time) > MAX_TIME || typeof id !== 'string' || !UUID.test(id)) {
    throw invalid();
  }
  return { createdAt: new Date(time), id };
}

const integrityFailure = () =>
  new AppError('INTEGRITY_ERROR', 'This image failed its integrity check, so it is not shown. The incident has been logged.');

function validateFilter(filter: ImageFilterInput): void {
  if ((filter.filename?.length ?? 0) > 200) throw badInput('The file name filter is too long.', 'filename');
  if ((filter.camera?.length ?? 0) > 200) throw badInput('The camera filter is too long.', 'camera');
  if (filter.takenFrom && filter.takenTo && filter.takenFrom > filter.takenTo) {
    throw badInput('The start of the date range is after its end.', 'takenFrom');
  }
}

/** The permission each stored variant needs. */
const VARIANT_PERMISSION: Record<BlobVariant, ImagePermission> = { display: 'image.read', thumbnail: 'image.read', original: 'image.original' };

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

  async list(scope: SignedInScope, args: { first: number; after?: string | null; filter?: ImageFilterInput | null }): Promise<ImagePage> {
    const userId = scope.viewer.user.id;
    const { first, after, filter } = args;
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
      throw badInput(`"first" must be between 1 and ${MAX_PAGE}.`, 'first');
    }
    const cursor = after ? decodeCursor(after) : null;
    if (filter && !isEmptyFilter(filter)) {
      validateFilter(filter);
      return this.searchPage(scope, first, cursor, filter);
    }
    const [rows, totalCount] = await Promise.all([this.deps.images.page(scope.em, userId, cursor, first + 1), this.deps.images.countOf(scope.em, userId)]);
    const page = rows.slice(0, first);
    const last = page.at(-1);
    // Someone opening their gallery may search next: open their search index in the background.
    if (!cursor && !this.search.isCached(userId)) {
      const background = { ...scope, em: scope.em.fork() };
      void this.search.entries(background, userId).catch((error: unknown) => scope.log.warn({ err: error }, 'search index warm-up failed'));
    }
    return {
      nodes: await Promise.all(page.map((image) => this.present(scope, image, { lenient: true }))),
      totalCount,
      hasNextPage: rows.length > first,
      endCursor: last ? encodeCursor(last.createdAt.getTime(), last.id) : null,
    };
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
    };
    try {
      await images.insert(scope.em, { ...image, metadataSealed: sealed.metadataSealed, searchSealed: sealed.searchSealed, storedBytes: storage.bytes });
    } catch (error) {
      // The row never committed: its files must not outlive it.
      await store.delete(sealed.storageId).catch(() => undefined);
      await storage.release();
      throw error;
    }
    this.search.invalidate(user.id);
    await audit.record(scope, 'upload', user.id, { imageId: image.id, bytes: bytes.length });
    return { image, filename, metadata: async () => metadata };
  }

  /** Removes the row first (the user's view), then every stored file. */
  async delete(scope: SignedInScope, id: string): Promise<void> {
    const image = await this.deps.policy.require(scope, 'image.write', id);
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
        let metadata: Promise<ImageMetadata | null> | undefined;
        const open = async () => {
          // A lazy column: galleries never load it, only a query that asks for the field.
          const sealed = await images.metadataSealedOf(scope.em, image.ownerId, image.id);
          // A page of metadata is many decrypts and parses: let other requests' I/O in between them.
          await yieldToOthers();
          return sealed ? JSON.parse(store.openField(dek, image.id, 'metadata', sealed)) : null;
        };
        return { image, filename, metadata: () => (metadata ??= open()) };
      });
    } catch (error) {
      // One damaged row must not hide the rest of a gallery; opening it gives the error.
      if (lenient && error instanceof AppError && error.code === 'INTEGRITY_ERROR') {
        return { image, filename: '(failed integrity check)', metadata: async () => null };
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

  private async searchPage(scope: SignedInScope, first: number, cursor: ImageCursor | null, filter: ImageFilterInput): Promise<ImagePage> {
    const all = (await this.search.entries(scope, scope.viewer.user.id)).filter((e) => matches(e, filter));
    const after = cursor
      ? all.filter((e) => e.createdAt < cursor.createdAt.getTime() || (e.createdAt === cursor.createdAt.getTime() && e.id < cursor.id))
      : all;
    const page = after.slice(0, first);
    const rows = await this.deps.policy.allowed(scope, 'image.read', page.map((e) => e.id));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const nodes = await Promise.all(
      page.flatMap((e) => {
        const image = byId.get(e.id);
        return image ? [this.present(scope, image, { lenient: true })] : [];
      }),
    );
    const last = page.at(-1);
    return { nodes, totalCount: all.length, hasNextPage: after.length > first, endCursor: last ? encodeCursor(last.createdAt, last.id) : null };
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

function keyed(image: ImageRecord) {
  return { id: image.id, ownerId: image.ownerId, wrappedKey: image.wrappedKey, keyId: image.keyId };
}
