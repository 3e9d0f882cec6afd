import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * What a backup folder holds, written last (a folder without it is an unfinished backup). Every
 * file is listed with its size and SHA-256, so a restore can refuse a damaged or altered copy
 * before it writes anything.
 */
export const MANIFEST_FILE = 'manifest.json';
export const FORMAT = 'lockframe-backup';
export const FORMAT_VERSION = 1;

export interface BackupFile {
  /** Relative to the backup folder, with forward slashes. */
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  version: typeof FORMAT_VERSION;
  createdAt: string;
  database: {
    kind: 'sqlite' | 'mysql';
    /** Rows per table in the copy. */
    tables: Record<string, number>;
    /** Applied migrations, oldest first: a restore refuses a backup from a newer version. */
    migrations: string[];
  };
  blobs: { count: number; bytes: number; store: 'local' | 's3' };
  /** Images whose blobs were deleted while the backup ran: left out, as if deleted just before. */
  imagesLeftOut: number;
  /** The master key file is in the backup only when asked for (--with-keys). */
  withKeys: boolean;
  files: BackupFile[];
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256OfFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

/** The manifest, checked for shape; paths that would leave the folder are refused. */
export async function readManifest(dir: string): Promise<Manifest> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new BackupError(missing ? `${dir} holds no ${MANIFEST_FILE}: not a Lockframe backup, or an unfinished one` : `${MANIFEST_FILE} is not valid JSON`);
  }
  if (manifest?.format !== FORMAT || manifest.version !== FORMAT_VERSION || !Array.isArray(manifest.files)) {
    throw new BackupError(`${MANIFEST_FILE} is not a Lockframe backup manifest of version ${FORMAT_VERSION}`);
  }
  for (const file of manifest.files) {
    const normal = path.posix.normalize(String(file.path));
    if (normal !== file.path || normal.startsWith('../') || path.posix.isAbsolute(normal) || !/^[0-9a-f]{64}$/.test(String(file.sha256))) {
      throw new BackupError(`${MANIFEST_FILE} lists a file it may not: ${JSON.stringify(file.path)}`);
    }
  }
  return manifest;
}

/** Every listed file is there with its size and checksum; throws naming the first that is not. */
export async function verifyFiles(dir: string, manifest: Manifest, onFile?: () => void): Promise<void> {
  for (const file of manifest.files) {
    const actual = await sha256OfFile(path.join(dir, file.path)).catch(() => null);
    if (!actual) throw new BackupError(`the backup is incomplete: ${file.path} is missing`);
    if (actual.size !== file.size || actual.sha256 !== file.sha256) {
      throw new BackupError(`the backup is damaged or was altered: ${file.path} does not match its checksum`);
    }
    onFile?.();
  }
}
