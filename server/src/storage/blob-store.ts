export type BlobVariant = 'original' | 'display' | 'thumbnail';

export const BLOB_VARIANTS: readonly BlobVariant[] = ['original', 'display', 'thumbnail'];

const STORAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A blob's file or object name, `<storageId>.<variant>`; a value not made by the server is a programming error and never becomes a name. */
export function blobName(storageId: string, variant: BlobVariant): string {
  if (typeof storageId !== 'string' || !STORAGE_ID.test(storageId)) {
    throw new TypeError('BlobStore: storageId must be a lowercase UUID');
  }
  if (!BLOB_VARIANTS.includes(variant)) throw new TypeError('BlobStore: unknown blob variant');
  return `${storageId}.${variant}`;
}

/** The storage id and variant a blob name stands for, or null for a name the server did not make. */
export function parseBlobName(name: string): { storageId: string; variant: BlobVariant } | null {
  const match = /^([0-9a-f-]{36})\.(original|display|thumbnail)$/.exec(name);
  if (!match || !STORAGE_ID.test(match[1]!)) return null;
  return { storageId: match[1]!, variant: match[2] as BlobVariant };
}

export const OVERWRITE_REFUSED = 'BlobStore: refusing to overwrite an existing blob';

/**
 * The blob store cannot be reached now (network, timeout, or the store's own 5xx): a request
 * hearing it answers SERVICE_UNAVAILABLE, and may be retried. The cause stays for the log.
 */
export class StorageUnavailableError extends Error {
  readonly code = 'STORAGE_UNAVAILABLE';
  constructor(cause: unknown) {
    super('the blob store cannot be reached', { cause });
    this.name = 'StorageUnavailableError';
  }
}

/** One stored blob as a listing sees it. */
export interface StoredBlob {
  storageId: string;
  variant: BlobVariant;
  /** Last change time, in ms since the epoch: the orphan sweep leaves young blobs alone. */
  mtimeMs: number;
}

/**
 * Where image bytes live, named only by a server-made storage id (a lowercase UUID) and a
 * variant. Everything handed to a store is already sealed (storage/sealed-store.ts): a store
 * never sees plaintext and never needs a key. Implementations: LocalBlobStore (a folder) and
 * S3BlobStore (a bucket of any S3-compatible store), chosen by BLOB_STORE (storage/open-blob-store.ts).
 */
export interface BlobStore {
  /** Prepares the store and clears what a crash left half-written (older than `tmpGraceMs`). */
  init(tmpGraceMs?: number): Promise<void>;
  /** Writes a new blob atomically; refuses to overwrite an existing one. */
  put(storageId: string, variant: BlobVariant, data: Buffer | readonly Buffer[]): Promise<void>;
  /** The blob's bytes; NOT_FOUND when it does not exist. */
  get(storageId: string, variant: BlobVariant): Promise<Buffer>;
  /** The blob's size, or null when it does not exist. */
  stat(storageId: string, variant: BlobVariant): Promise<{ size: number } | null>;
  /** Removes every variant of the id; missing ones are fine, so it can be retried. */
  delete(storageId: string): Promise<void>;
  /** Throws unless a new blob could be written now (readiness: a full disk fails it). */
  probe(): Promise<void>;
  /** Every stored blob, in no particular order. */
  list(): AsyncIterable<StoredBlob>;
  /** Releases connections (a process that ends on its own, such as a CLI or a test, calls it). */
  close(): void;
}
