import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { FileUpload } from 'graphql-upload-minimal';
import { AppError, badInput, notFound, unauthenticated } from '../../errors.js';
import { processImage, type ImageLimits } from '../../imaging/process.js';
import type { BlobStore, BlobVariant } from '../../storage/blob-store.js';
import type { AuditOrigin, AuditService } from '../audit/audit.service.js';
import type { Viewer } from '../session/session.service.js';
import { sanitizeFilename } from './filename.js';
import { Image } from './image.entity.js';

export interface ImagePage {
  nodes: Image[];
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

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/** Cursor = the last row's (createdAt, id): stable under inserts, no offsets. */
function encodeCursor(image: Image): string {
  return Buffer.from(JSON.stringify([image.createdAt.getTime(), image.id])).toString('base64url');
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
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export function tooLarge(maxBytes: number): AppError {
  const mib = maxBytes / (1024 * 1024);
  const shown = Number.isInteger(mib) ? `${mib} MiB` : `${maxBytes} bytes`;
  return new AppError('FILE_TOO_LARGE', `The file is too large: the limit is ${shown}.`, { maxBytes });
}

export class ImageService {
  constructor(
    private readonly blobs: BlobStore,
    private readonly audit: AuditService,
    private readonly options: ImageServiceOptions,
  ) {}

  /**
   * The one access rule, for GraphQL and media routes alike: a viewer may touch only their own
   * images, and someone else's image is answered exactly like a missing one.
   */
  async requireAccess(em: EntityManager, viewer: Viewer | null, id: string): Promise<Image> {
    const { user } = requireViewer(viewer);
    const image = UUID.test(id) ? await em.findOne(Image, { id, owner: user.id }) : null;
    if (!image) throw notFound();
    return image;
  }

  async find(em: EntityManager, viewer: Viewer | null, id: string): Promise<Image | null> {
    try {
      return await this.requireAccess(em, viewer, id);
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  async list(em: EntityManager, viewer: Viewer | null, first: number, after?: string | null): Promise<ImagePage> {
    const { user } = requireViewer(viewer);
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
      throw badInput(`"first" must be between 1 and ${MAX_PAGE}.`, 'first');
    }
    const owned = { owner: user.id };
    const where = after
      ? (() => {
          const c = decodeCursor(after);
          return {
            ...owned,
            $or: [{ createdAt: { $lt: c.createdAt } }, { createdAt: c.createdAt, id: { $lt: c.id } }],
          };
        })()
      : owned;
    const [rows, totalCount] = await Promise.all([
      em.find(Image, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first + 1 }),
      em.count(Image, owned),
    ]);
    const nodes = rows.slice(0, first);
    const last = nodes.at(-1);
    return { nodes, totalCount, hasNextPage: rows.length > first, endCursor: last ? encodeCursor(last) : null };
  }

  /** Validates, stores every variant, then commits the row; on any failure nothing is left behind. */
  async upload(em: EntityManager, viewer: Viewer | null, filePromise: Promise<FileUpload>, origin: AuditOrigin): Promise<Image> {
    const { user } = requireViewer(viewer);
    if (this.options.requireVerifiedEmail && !user.emailVerified) {
      throw new AppError('EMAIL_NOT_VERIFIED', 'Confirm your e-mail address before uploading: use the link we sent you.');
    }
    const file = await filePromise;
    const bytes = await readUpload(file, this.options.maxUploadBytes);
    const processed = await processImage(bytes, this.options.limits);

    const storageId = randomUUID();
    try {
      await this.blobs.put(storageId, 'original', bytes);
      await this.blobs.put(storageId, 'display', processed.display.data);
      await this.blobs.put(storageId, 'thumbnail', processed.thumbnail.data);
      const image = em.create(Image, {
        id: randomUUID(),
        owner: user.id,
        filename: sanitizeFilename(file.filename),
        mimeType: processed.mimeType,
        width: processed.width,
        height: processed.height,
        frames: processed.frames,
        byteSize: bytes.length,
        storageId,
        displayMimeType: processed.display.mimeType,
        thumbnailMimeType: processed.thumbnail.mimeType,
        createdAt: new Date(),
      });
      await em.flush();
      await this.audit.record(em, origin, 'upload', user.id, { imageId: image.id, bytes: bytes.length });
      return image;
    } catch (error) {
      em.clear();
      await this.blobs.delete(storageId).catch(() => undefined);
      throw error;
    }
  }

  /** Removes the row first (the user's view), then every stored file. */
  async delete(em: EntityManager, viewer: Viewer | null, id: string, origin: AuditOrigin): Promise<void> {
    const image = await this.requireAccess(em, viewer, id);
    await em.nativeDelete(Image, { id: image.id });
    await this.blobs.delete(image.storageId);
    await this.audit.record(em, origin, 'delete', image.owner.id, { imageId: image.id });
  }

  /** Bytes and type of one stored variant, after the access check. */
  async readVariant(
    em: EntityManager,
    viewer: Viewer | null,
    id: string,
    variant: BlobVariant,
  ): Promise<{ image: Image; data: Buffer; mimeType: string }> {
    const image = await this.requireAccess(em, viewer, id);
    const data = await this.blobs.get(image.storageId, variant);
    const mimeType =
      variant === 'display' ? image.displayMimeType : variant === 'thumbnail' ? image.thumbnailMimeType : image.mimeType;
    return { image, data, mimeType };
  }
}
