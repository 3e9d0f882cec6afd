export type BlobVariant = 'original' | 'display' | 'thumbnail';

export const BLOB_VARIANTS: readonly BlobVariant[] = ['original', 'display', 'thumbnail'];

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
 * never sees plaintext and never needs a key. Implementations: LocalBlobStore (a folder).
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
}
