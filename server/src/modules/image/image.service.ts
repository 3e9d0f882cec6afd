import type { EntityManager } from '@mikro-orm/core';
import type { FileUpload } from 'graphql-upload-minimal';
import { IntegrityError } from '../../crypto/envelope.js';
import { Lookup } from '../../db/lookup.js';
import { AppError, badInput, fileTooLarge, notFound } from '../../errors.js';
import type { ImageLimits } from '../../imaging/process.js';
import type { WorkQueue } from '../../imaging/queue.js';
import type { BlobVariant } from '../../storage/blob-store.js';
import type { SealedStore } from '../../storage/sealed-store.js';
import type { AuditOrigin, AuditService } from '../audit/audit.service.js';
import { requireViewer, type Viewer } from '../session/session.service.js';
import { sanitizeFilename } from './filename.js';
import { Image } from './image.entity.js';
import { prepareImage, sealAndStore } from './image.pipeline.js';
import {
  isEmptyFilter,
  matches,
  SearchIndexCache,
  searchRows,
  type ImageFilterInput,
  type SearchDoc,
  type SearchEntry,
} from './image.search.js';

/** An image with its secrets opened for presenting to its owner. */
export interface ImageView {
  image: Image;
  filename: string;
  /** Loads and opens the sealed metadata on demand (only when a client asks for it). */
  metadata(): Promise<unknown>;
}

export interface ImagePage {
  nodes: ImageView[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface ImageServiceOptions {
  maxUploadBytes: number;
  limits: ImageLimits;
  /** Unverified accounts may not upload. */
  requireVerifiedEmail: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_PAGE = 100;
const FORMATS = new Set(['jpeg', 'png', 'gif', 'webp']);


/** Cursor = the last row's (createdAt, id): stable under inserts, no offsets. */
function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
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
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || typeof id !== 'string' || !UUID.test(id)) {
    throw invalid();
  }
  return { createdAt: new Date(time), id };
}

/** Reads an upload into memory, refusing (not truncating) anything over the limit. */
export async function readUpload(file: FileUpload, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of file.createReadStream() as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw fileTooLarge(maxBytes);
    chunks.push(chunk);
  }
  // The multipart parser hands over the file as one buffer: no 5 MB copy for the GC to collect.
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}


const integrityFailure = () =>
  new AppError(
    'INTEGRITY_ERROR',
    'This image failed its integrity check, so it is not shown. The incident has been logged.',
  );

function validateFilter(filter: ImageFilterInput): void {
  if ((filter.filename?.length ?? 0) > 200) throw badInput('The file name filter is too long.', 'filename');
  if ((filter.camera?.length ?? 0) > 200) throw badInput('The camera filter is too long.', 'camera');
  if (filter.format && !FORMATS.has(filter.format.trim().toLowerCase())) {
    throw badInput('Format must be one of jpeg, png, gif or webp.', 'format');
  }
  if (filter.takenFrom && filter.takenTo && filter.takenFrom > filter.takenTo) {
    throw badInput('The start of the date range is after its end.', 'takenFrom');
  }
}

export class ImageService {
  private readonly search: SearchIndexCache;
  /** The shared access check runs for every media GET. */
  private readonly byIdAndOwner = new Lookup(Image, ['id', 'owner']);

  constructor(
    private readonly store: SealedStore,
    private readonly queue: WorkQueue,
    private readonly audit: AuditService,
    private readonly options: ImageServiceOptions,
  ) {
    this.search = new SearchIndexCache((em, userId) => this.openSearchIndex(em, userId));
  }

  /**
   * The one access rule, for GraphQL and media routes alike: a viewer may touch only their own
   * images, and someone else's image is answered exactly like a missing one.
   */
  async requireAccess(em: EntityManager, viewer: Viewer | null, id: string): Promise<Image> {
    const { user } = requireViewer(viewer);
    const image = UUID.test(id) ? await this.byIdAndOwner.find(em, [id, user.id]) : null;
    if (!image) throw notFound();
    return image;
  }

  async find(em: EntityManager, viewer: Viewer | null, id: string, origin: AuditOrigin): Promise<ImageView | null> {
    try {
      return await this.present(em, await this.requireAccess(em, viewer, id), origin);
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  async list(
    em: EntityManager,
    viewer: Viewer | null,
    origin: AuditOrigin,
    args: { first: number; after?: string | null; filter?: ImageFilterInput | null },
  ): Promise<ImagePage> {
    const { user } = requireViewer(viewer);
    const { first, after, filter } = args;
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
      throw badInput(`"first" must be between 1 and ${MAX_PAGE}.`, 'first');
    }
    const cursor = after ? decodeCursor(after) : null;
    if (filter && !isEmptyFilter(filter)) {
      validateFilter(filter);
      return this.searchPage(em, user.id, origin, first, cursor, filter);
    }
    const owned = { owner: user.id };
    const where = cursor
      ? { ...owned, $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }] }
      : owned;
    const [rows, totalCount] = await Promise.all([
      em.find(Image, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first + 1 }),
      em.count(Image, owned),
    ]);
    const page = rows.slice(0, first);
    const last = page.at(-1);
    // Someone opening their gallery may search next: open their search index in the background.
    if (!cursor && !this.search.isCached(user.id)) {
      void this.search.entries(em.fork(), user.id).catch((error: unknown) => origin.log.warn({ err: error }, 'search index warm-up failed'));
    }
    return {
      nodes: await Promise.all(page.map((image) => this.present(em, image, origin, { lenient: true }))),
      totalCount,
      hasNextPage: rows.length > first,
      endCursor: last ? encodeCursor(last.createdAt.getTime(), last.id) : null,
    };
  }

  /** Validates, seals and stores every variant, then commits the row; on any failure nothing is left behind. */
  async upload(em: EntityManager, viewer: Viewer | null, filePromise: Promise<FileUpload>, origin: AuditOrigin): Promise<ImageView> {
    const { user } = requireViewer(viewer);
    if (this.options.requireVerifiedEmail && !user.emailVerified) {
      throw new AppError('EMAIL_NOT_VERIFIED', 'Confirm your e-mail address before uploading: use the link we sent you.');
    }
    const file = await filePromise;
    const bytes = await readUpload(file, this.options.maxUploadBytes);
    const { processed, metadata } = await prepareImage(bytes, this.options.limits, this.queue);
    const filename = sanitizeFilename(file.filename);
    const sealed = await sealAndStore(this.store, { ownerId: user.id, bytes, filename, processed, metadata });
    try {
      const image = em.create(Image, {
        id: sealed.imageId,
        owner: user.id,
        filenameSealed: sealed.filenameSealed,
        metadataSealed: sealed.metadataSealed,
        searchSealed: sealed.searchSealed,
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
      });
      await em.flush();
      this.search.invalidate(user.id);
      await this.audit.record(em, origin, 'upload', user.id, { imageId: image.id, bytes: bytes.length });
      return { image, filename, metadata: async () => metadata };
    } catch (error) {
      // The row never committed: its files must not outlive it.
      em.clear();
      await this.store.delete(sealed.storageId).catch(() => undefined);
      throw error;
    }
  }

  /** Removes the row first (the user's view), then every stored file. */
  async delete(em: EntityManager, viewer: Viewer | null, id: string, origin: AuditOrigin): Promise<void> {
    const image = await this.requireAccess(em, viewer, id);
    await em.nativeDelete(Image, { id: image.id });
    this.search.invalidate(image.owner.id);
    await this.store.delete(image.storageId);
    await this.audit.record(em, origin, 'delete', image.owner.id, { imageId: image.id });
  }

  /**
   * Bytes and type of one stored variant of an image that passed requireAccess; tampered data is
   * never served.
   */
  async readVariant(
    em: EntityManager,
    image: Image,
    variant: BlobVariant,
    origin: AuditOrigin,
  ): Promise<{ filename: string; data: Buffer; mimeType: string }> {
    const mimeType =
      variant === 'display' ? image.displayMimeType : variant === 'thumbnail' ? image.thumbnailMimeType : image.mimeType;
    return this.guard(em, image, origin, async () => {
      const dek = await this.store.openImageKey(keyed(image));
      const data = await this.store.get(image.storageId, variant, image.id, dek);
      const filename = variant === 'original' ? this.store.openField(dek, image.id, 'filename', image.filenameSealed) : '';
      return { filename, data, mimeType };
    });
  }

  private async present(em: EntityManager, image: Image, origin: AuditOrigin, { lenient = false } = {}): Promise<ImageView> {
    try {
      return await this.guard(em, image, origin, async () => {
        const dek = await this.store.openImageKey(keyed(image));
        const filename = this.store.openField(dek, image.id, 'filename', image.filenameSealed);
        let metadata: Promise<unknown> | undefined;
        const open = async () => {
          // A lazy column: galleries never load it, only a query that asks for the field.
          await em.populate(image, ['metadataSealed']);
          return image.metadataSealed ? JSON.parse(this.store.openField(dek, image.id, 'metadata', image.metadataSealed)) : null;
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

  private async guard<T>(em: EntityManager, image: Image, origin: AuditOrigin, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof IntegrityError)) throw error;
      origin.log.error({ imageId: image.id, err: error }, 'integrity failure: stored data or key does not verify');
      await this.audit.record(em, origin, 'integrity.failure', image.owner.id, { imageId: image.id });
      throw integrityFailure();
    }
  }

  private async searchPage(
    em: EntityManager,
    userId: string,
    origin: AuditOrigin,
    first: number,
    cursor: { createdAt: Date; id: string } | null,
    filter: ImageFilterInput,
  ): Promise<ImagePage> {
    const all = (await this.search.entries(em, userId)).filter((e) => matches(e, filter));
    const after = cursor
      ? all.filter(
          (e) => e.createdAt < cursor.createdAt.getTime() || (e.createdAt === cursor.createdAt.getTime() && e.id < cursor.id),
        )
      : all;
    const page = after.slice(0, first);
    const rows = page.length ? await em.find(Image, { id: { $in: page.map((e) => e.id) }, owner: userId }) : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const nodes = await Promise.all(
      page.flatMap((e) => {
        const image = byId.get(e.id);
        return image ? [this.present(em, image, origin, { lenient: true })] : [];
      }),
    );
    const last = page.at(-1);
    return {
      nodes,
      totalCount: all.length,
      hasNextPage: after.length > first,
      endCursor: last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }

  private async openSearchIndex(em: EntityManager, userId: string): Promise<SearchEntry[]> {
    const rows = await searchRows(em, userId);
    const entries: SearchEntry[] = [];
    for (const [i, row] of rows.entries()) {
      // Opening thousands of documents is CPU work: let other requests in between batches.
      if (i % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
      try {
        const dek = await this.store.openImageKey({ id: row.id, ownerId: userId, wrappedKey: row.wrappedKey, keyId: row.keyId });
        const doc = JSON.parse(this.store.openField(dek, row.id, 'search', row.searchSealed)) as SearchDoc;
        entries.push({ ...doc, id: row.id, createdAt: row.createdAt.getTime(), mimeType: row.mimeType });
      } catch (error) {
        if (!(error instanceof IntegrityError)) throw error;
        // A damaged row is left out of search results; opening it directly reports the failure.
      }
    }
    return entries;
  }
}

function keyed(image: Image) {
  return { id: image.id, ownerId: image.owner.id, wrappedKey: image.wrappedKey, keyId: image.keyId };
}
