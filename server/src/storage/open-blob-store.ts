import type { Env } from '../config/env.js';
import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

/** The blob store BLOB_STORE names, not yet initialised. */
export function openBlobStore(env: Pick<Env, 'blobStore'>): BlobStore {
  const config = env.blobStore;
  return config.kind === 's3' ? new S3BlobStore(config) : new LocalBlobStore(config.dir);
}
