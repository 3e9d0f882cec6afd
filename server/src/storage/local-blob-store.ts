import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { notFound } from '../errors.js';
import { BLOB_VARIANTS, blobName, OVERWRITE_REFUSED, parseBlobName, type BlobStore, type BlobVariant, type StoredBlob } from './blob-store.js';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const TMP_SUFFIX = '.tmp';

function isErrno(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

/** Writes the pieces one after the other; a short gathered write (rare) finishes with the rest joined. */
async function writeAll(file: FileHandle, parts: readonly Buffer[]): Promise<void> {
  const { bytesWritten } = await file.writev(parts as Buffer[]);
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  if (bytesWritten < total) await file.writeFile(Buffer.concat(parts).subarray(bytesWritten));
}

/**
 * Blobs in a folder, one file per variant: `<root>/<2 hex>/<storageId>.<variant>`, private to
 * this user. Ids and variants are checked against a strict pattern: a value that does not match
 * is a programming error, and it never becomes a path.
 */
export class LocalBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(readonly rootDir: string) {
    this.tmpDir = path.join(rootDir, 'tmp');
  }

  /**
   * Creates the folders, private to this user, and clears half-written files from a crash. Only
   * files older than `tmpGraceMs` go, so another server process sharing the folder keeps its
   * uploads in flight.
   */
  async init(tmpGraceMs = 0): Promise<void> {
    for (const dir of [this.rootDir, this.tmpDir]) {
      await mkdir(dir, { recursive: true, mode: DIR_MODE });
      await chmod(dir, DIR_MODE);
    }
    const cutoff = Date.now() - tmpGraceMs;
    for (const entry of await readdir(this.tmpDir, { withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith(TMP_SUFFIX)) {
        const file = path.join(this.tmpDir, entry.name);
        const info = await stat(file).catch(() => null);
        if (info && info.mtimeMs <= cutoff) await rm(file, { force: true });
      }
    }
  }

  async *list(): AsyncGenerator<StoredBlob> {
    for (const shard of await readdir(this.rootDir, { withFileTypes: true })) {
      if (!shard.isDirectory() || !/^[0-9a-f]{2}$/.test(shard.name)) continue;
      for (const entry of await readdir(path.join(this.rootDir, shard.name), { withFileTypes: true })) {
        const blob = entry.isFile() ? parseBlobName(entry.name) : null;
        if (!blob) continue;
        const info = await stat(path.join(this.rootDir, shard.name, entry.name)).catch(() => null);
        if (info) yield { ...blob, mtimeMs: info.mtimeMs };
      }
    }
  }

  /**
   * Writes a new blob atomically: readers see either nothing or the whole file. The bytes go to
   * a temporary file that is flushed to disk, then hard-linked into place; the link fails if
   * the blob exists, so nothing is ever overwritten.
   */
  async put(storageId: string, variant: BlobVariant, data: Buffer | readonly Buffer[]): Promise<void> {
    const target = this.pathOf(storageId, variant);
    const shardDir = path.dirname(target);
    const tmp = path.join(this.tmpDir, randomBytes(16).toString('hex') + TMP_SUFFIX);
    try {
      const file = await open(tmp, 'wx', FILE_MODE);
      try {
        await writeAll(file, Buffer.isBuffer(data) ? [data] : data);
        await file.sync();
      } finally {
        await file.close();
      }
      await mkdir(shardDir, { recursive: true, mode: DIR_MODE });
      await placeWithoutOverwrite(tmp, target);
      await syncDir(shardDir);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /** Writes, flushes and removes a small file where new blobs are written. */
  async probe(): Promise<void> {
    const file = path.join(this.tmpDir, `probe-${randomBytes(8).toString('hex')}${TMP_SUFFIX}`);
    try {
      const handle = await open(file, 'wx', FILE_MODE);
      try {
        await handle.writeFile(Buffer.alloc(4096));
        await handle.sync();
      } finally {
        await handle.close();
      }
    } finally {
      await unlink(file).catch(() => undefined);
    }
  }

  /** The blob's bytes; NOT_FOUND when it does not exist. */
  async get(storageId: string, variant: BlobVariant): Promise<Buffer> {
    const target = this.pathOf(storageId, variant);
    try {
      return await readFile(target);
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) throw notFound();
      throw error;
    }
  }

  async stat(storageId: string, variant: BlobVariant): Promise<{ size: number } | null> {
    const target = this.pathOf(storageId, variant);
    try {
      const info = await stat(target);
      return { size: info.size };
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return null;
      throw error;
    }
  }

  /** Removes every variant of the id. Missing files are fine, so it can be retried. */
  async delete(storageId: string): Promise<void> {
    const targets = BLOB_VARIANTS.map((variant) => this.pathOf(storageId, variant));
    await Promise.all(targets.map((target) => rm(target, { force: true })));
  }

  close(): void {
    // Nothing held open between calls.
  }

  private pathOf(storageId: string, variant: BlobVariant): string {
    const name = blobName(storageId, variant);
    return path.join(this.rootDir, name.slice(0, 2), name);
  }
}

async function placeWithoutOverwrite(tmp: string, target: string): Promise<void> {
  try {
    await link(tmp, target);
    return;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) throw new Error(OVERWRITE_REFUSED);
    // Some network filesystems have no hard links; rename is atomic too, but overwrites, so
    // check first (ids are fresh random UUIDs, so nothing else races us for the name).
    if (!isErrno(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS')) throw error;
  }
  if (await stat(target).then(() => true, () => false)) {
    throw new Error(OVERWRITE_REFUSED);
  }
  await rename(tmp, target);
}

/** Makes a new directory entry survive a power cut, not only the file's bytes. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
