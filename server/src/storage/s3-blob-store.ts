import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Env } from '../config/env.js';
import { notFound } from '../errors.js';
import { BLOB_VARIANTS, blobName, OVERWRITE_REFUSED, parseBlobName, StorageUnavailableError, type BlobStore, type BlobVariant, type StoredBlob } from './blob-store.js';

export interface S3Settings extends S3Env {
  /** A request (connect, or no bytes for this long) that takes longer fails as unavailable. */
  timeoutMs?: number;
}

/** Blobs live under this prefix; readiness probes under their own, so a listing never sees them. */
const BLOB_PREFIX = 'blobs/';
const PROBE_PREFIX = 'probe/';

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

function statusOf(error: unknown): number | undefined {
  return (error as SdkError | null)?.$metadata?.httpStatusCode;
}

function isMissing(error: unknown): boolean {
  const name = (error as SdkError | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

/** Network trouble, timeouts, throttling and the store's own 5xx: worth a retry later, not a bug. */
function isUnavailable(error: unknown): boolean {
  const e = (error ?? {}) as SdkError;
  const status = statusOf(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (e.name === 'TimeoutError' || e.name === 'SlowDown' || e.name === 'RequestTimeout' || e.$retryable) return true;
  // A failure before any HTTP answer (refused, reset, DNS) has no status.
  return status === undefined && typeof e.code === 'string' && /^E[A-Z]+/.test(e.code);
}

/**
 * Blobs in a bucket of an S3-compatible store (AWS S3, MinIO, Garage, s3rver…), one object per
 * variant: `blobs/<storageId>.<variant>`. Everything arriving here is already sealed, so the
 * bucket only ever holds ciphertext. An object appears whole or not at all (S3 PUT is atomic),
 * which gives the crash safety the local store gets from its temp file and link.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  readonly bucket: string;

  constructor(settings: S3Settings) {
    const timeoutMs = settings.timeoutMs ?? 15_000;
    this.bucket = settings.bucket;
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials: settings.credentials,
      // Content-MD5 (below) is checked by every S3-compatible store; the SDK's newer default
      // checksums are not understood by all of them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      requestHandler: { connectionTimeout: Math.min(timeoutMs, 5000), requestTimeout: timeoutMs },
    });
  }

  /** Checks that the bucket answers, and removes probe objects a crash left behind. */
  async init(tmpGraceMs = 0): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (isUnavailable(error)) throw new StorageUnavailableError(error);
      const status = statusOf(error);
      const why = status === 404 ? 'does not exist' : status === 403 ? 'refuses these credentials' : `answered ${status ?? (error as Error).name}`;
      throw new Error(`S3_BUCKET: the bucket "${this.bucket}" ${why}`, { cause: error });
    }
    const cutoff = Date.now() - tmpGraceMs;
    for await (const object of this.objects(PROBE_PREFIX)) {
      if (object.mtimeMs <= cutoff) await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: object.key })));
    }
  }

  async *list(): AsyncGenerator<StoredBlob> {
    for await (const object of this.objects(BLOB_PREFIX)) {
      const blob = parseBlobName(object.key.slice(BLOB_PREFIX.length));
      if (blob) yield { ...blob, mtimeMs: object.mtimeMs };
    }
  }

  /**
   * Writes a new object. Never overwrites: storage ids are fresh random UUIDs, the object is looked
   * for first, and the PUT is conditional (If-None-Match: *), which S3, MinIO and Garage enforce.
   */
  async put(storageId: string, variant: BlobVariant, data: Buffer | readonly Buffer[]): Promise<void> {
    const key = this.keyOf(storageId, variant);
    if (await this.head(key)) throw new Error(OVERWRITE_REFUSED);
    const body = Buffer.isBuffer(data) ? data : Buffer.concat(data);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentMD5: createHash('md5').update(body).digest('base64'),
          ContentType: 'application/octet-stream',
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      if (statusOf(error) === 412) throw new Error(OVERWRITE_REFUSED);
      throw this.translate(error);
    }
  }

  async get(storageId: string, variant: BlobVariant): Promise<Buffer> {
    const key = this.keyOf(storageId, variant);
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!answer.Body) throw new Error('S3 answered GetObject without a body');
      return Buffer.from(await answer.Body.transformToByteArray());
    } catch (error) {
      if (isMissing(error)) throw notFound();
      throw this.translate(error);
    }
  }

  async stat(storageId: string, variant: BlobVariant): Promise<{ size: number } | null> {
    return this.head(this.keyOf(storageId, variant));
  }

  async delete(storageId: string): Promise<void> {
    const keys = BLOB_VARIANTS.map((variant) => this.keyOf(storageId, variant));
    // Deleting a missing key is a success in S3, so a retry after a partial failure is fine.
    await Promise.all(keys.map((Key) => this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })))));
  }

  /** Writes, reads back and removes a small object: readiness means "a new blob could be stored now". */
  async probe(): Promise<void> {
    const key = `${PROBE_PREFIX}${randomBytes(8).toString('hex')}`;
    const body = randomBytes(64);
    try {
      await this.call(() => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length })));
    } finally {
      await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))).catch(() => undefined);
    }
  }

  /** Stops the client's sockets (tests and tools that end before the process does). */
  close(): void {
    this.client.destroy();
  }

  private async head(key: string): Promise<{ size: number } | null> {
    try {
      const answer = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: answer.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.translate(error);
    }
  }

  private async *objects(prefix: string): AsyncGenerator<{ key: string; mtimeMs: number }> {
    let token: string | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const object of page.Contents ?? []) {
        // No date counts as young: the orphan sweep must never take a blob still being committed.
        if (object.Key) yield { key: object.Key, mtimeMs: object.LastModified?.getTime() ?? Date.now() };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.translate(error);
    }
  }

  private translate(error: unknown): unknown {
    return isUnavailable(error) ? new StorageUnavailableError(error) : error;
  }

  private keyOf(storageId: string, variant: BlobVariant): string {
    return BLOB_PREFIX + blobName(storageId, variant);
  }
}
