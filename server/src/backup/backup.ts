import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { IsolationLevel } from '@mikro-orm/core';
import type { Env } from '../config/env.js';
import { defaultKeyFile } from '../crypto/key-file.js';
import type { Orm } from '../db/orm.js';
import { AppError } from '../errors.js';
import { BLOB_VARIANTS, type BlobStore } from '../storage/blob-store.js';
import { BackupError, FORMAT, FORMAT_VERSION, MANIFEST_FILE, sha256, sha256OfFile, type BackupFile, type Manifest } from './manifest.js';

/** How a CLI shows long work; the library itself prints nothing. */
export interface Progress {
  start(label: string, total: number): void;
  tick(): void;
  stop(): void;
  note(message: string): void;
}

export const SQLITE_COPY = 'database.sqlite';
export const TABLE_DIR = 'database';
export const BLOB_DIR = 'blobs';
export const KEY_COPY = 'keys/master-keys.json';
export const MIGRATIONS_TABLE = 'mikro_orm_migrations';
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

type Row = Record<string, unknown>;

/** A database value as JSON that reads back to the same value (dates and bytes tagged). */
export function encodeValue(value: unknown): unknown {
  if (value instanceof Date) return { $date: value.toISOString() };
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return { $base64: Buffer.from(value).toString('base64') };
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  return value;
}

export function decodeValue(value: unknown): unknown {
  if (value && typeof value === 'object') {
    const tagged = value as { $date?: string; $base64?: string; $bigint?: string };
    if (typeof tagged.$date === 'string') return new Date(tagged.$date);
    if (typeof tagged.$base64 === 'string') return Buffer.from(tagged.$base64, 'base64');
    if (typeof tagged.$bigint === 'string') return BigInt(tagged.$bigint);
  }
  return value;
}

const quoteId = (name: string) => {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new BackupError(`unexpected table name ${JSON.stringify(name)}`);
  return `\`${name}\``;
};

export const migrationName = (row: Row) => String(row.name).replace(/\.[jt]s$/, '');

interface DatabaseCopy {
  tables: Record<string, number>;
  migrations: string[];
  images: Array<{ id: string; storageId: string }>;
  /** Takes the images whose blobs vanished out of the copy. */
  dropImages(ids: string[]): Promise<void>;
}

/** SQLite: VACUUM INTO writes a consistent copy of the live database (one read transaction) while the server keeps running. */
async function copySqlite(orm: Orm, dir: string): Promise<DatabaseCopy> {
  const file = path.join(dir, SQLITE_COPY);
  await orm.em.fork().getConnection().execute(`vacuum into '${file.replaceAll("'", "''")}'`);
  const copy = new DatabaseSync(file);
  try {
    const images = (copy.prepare('select id, storage_id from images').all() as Row[]).map((r) => ({ id: String(r.id), storageId: String(r.storage_id) }));
    const migrations = (copy.prepare(`select name from ${MIGRATIONS_TABLE} order by id`).all() as Row[]).map(migrationName);
    const result: DatabaseCopy = {
      images,
      migrations,
      tables: {},
      async dropImages(ids) {
        const db = new DatabaseSync(file);
        try {
          const del = db.prepare('delete from images where id = ?');
          for (const id of ids) del.run(id);
          result.tables = countSqlite(db);
        } finally {
          db.close();
        }
      },
    };
    return result;
  } finally {
    copy.close();
  }
}

/** Rows per table of a SQLite file. */
export function countSqlite(db: DatabaseSync): Record<string, number> {
  const tables: Record<string, number> = {};
  const names = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as Row[];
  for (const { name } of names) tables[String(name)] = Number((db.prepare(`select count(*) as n from ${quoteId(String(name))}`).get() as Row).n);
  return tables;
}

/**
 * MySQL/MariaDB: every table read in one REPEATABLE READ transaction (one snapshot, so the
 * tables agree with each other) through the app's own connection, written as JSON lines: no
 * mysqldump needed. The images table is written last, after the blobs are copied.
 */
async function copyMysql(orm: Orm, dir: string): Promise<DatabaseCopy> {
  await mkdir(path.join(dir, TABLE_DIR), { mode: PRIVATE_DIR });
  const tables: Record<string, number> = {};
  let imageRows: Row[] = [];
  let migrations: string[] = [];
  await orm.em.fork().transactional(
    async (em) => {
      const sql = em as unknown as SqlEntityManager;
      const names = (await sql.execute<Row[]>('select table_name as name from information_schema.tables where table_schema = database() order by table_name')).map(
        (r) => String(r.name ?? r.NAME ?? r.TABLE_NAME),
      );
      for (const name of names) {
        const rows = await sql.execute<Row[]>(`select * from ${quoteId(name)}`);
        if (name === 'images') imageRows = rows;
        else await writeRows(dir, name, rows);
        if (name === MIGRATIONS_TABLE) migrations = [...rows].sort((a, b) => Number(a.id) - Number(b.id)).map(migrationName);
        tables[name] = rows.length;
      }
    },
    { isolationLevel: IsolationLevel.REPEATABLE_READ },
  );
  return {
    tables,
    migrations,
    images: imageRows.map((r) => ({ id: String(r.id), storageId: String(r.storage_id) })),
    async dropImages(ids) {
      const gone = new Set(ids);
      const kept = imageRows.filter((r) => !gone.has(String(r.id)));
      await writeRows(dir, 'images', kept);
      tables.images = kept.length;
    },
  };
}

async function writeRows(dir: string, table: string, rows: Row[]): Promise<void> {
  const lines = rows.map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, encodeValue(v)]))));
  await writeFile(path.join(dir, TABLE_DIR, `${table}.jsonl`), lines.length ? `${lines.join('\n')}\n` : '', { mode: PRIVATE_FILE });
}

export interface BackupOptions {
  env: Env;
  orm: Orm;
  blobs: BlobStore;
  dir: string;
  withKeys: boolean;
  progress: Progress;
}

/**
 * A consistent copy of a running install: the database first (one snapshot), then the sealed
 * blobs of every image in that snapshot, then (only when asked) the key file, then the manifest.
 * An image deleted while this runs (its blobs gone before they were copied) is left out, so the
 * copy is the install as it was just after that delete.
 */
export async function createBackup({ env, orm, blobs, dir, withKeys, progress }: BackupOptions): Promise<Manifest> {
  const existing = await readdir(dir).catch(() => null);
  if (existing && existing.length) throw new BackupError(`${dir} is not empty: back up into a new, empty folder`);
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  const keySource = env.masterKeyFile ?? defaultKeyFile(env.dataDir);
  if (withKeys && env.masterKey) {
    throw new BackupError('--with-keys: the master key comes from LOCKFRAME_MASTER_KEY, not a file; keep that setting safe where you keep your other secrets');
  }

  progress.note(`Copying the ${env.database.kind} database…`);
  const db = env.database.kind === 'sqlite' ? await copySqlite(orm, dir) : await copyMysql(orm, dir);

  await mkdir(path.join(dir, BLOB_DIR), { mode: PRIVATE_DIR });
  const files: BackupFile[] = [];
  const missing = new Set<string>();
  let bytes = 0;
  progress.start('Copying blobs', db.images.length * BLOB_VARIANTS.length);
  for (const image of db.images) {
    const written: BackupFile[] = [];
    for (const variant of BLOB_VARIANTS) {
      progress.tick();
      if (missing.has(image.id)) continue;
      let data: Buffer;
      try {
        data = await blobs.get(image.storageId, variant);
      } catch (error) {
        if (error instanceof AppError && error.code === 'NOT_FOUND') {
          missing.add(image.id);
          continue;
        }
        throw error;
      }
      const rel = `${BLOB_DIR}/${image.storageId}.${variant}`;
      await writeFile(path.join(dir, rel), data, { mode: PRIVATE_FILE });
      written.push({ path: rel, size: data.length, sha256: sha256(data) });
    }
    if (missing.has(image.id)) {
      for (const file of written) await rm(path.join(dir, file.path), { force: true });
    } else {
      files.push(...written);
      bytes += written.reduce((n, f) => n + f.size, 0);
    }
  }
  progress.stop();
  await db.dropImages([...missing]);
  if (missing.size) progress.note(`${missing.size} image(s) deleted while the backup ran were left out.`);

  if (withKeys) {
    await mkdir(path.join(dir, path.dirname(KEY_COPY)), { mode: PRIVATE_DIR });
    try {
      await copyFile(keySource, path.join(dir, KEY_COPY));
    } catch {
      throw new BackupError(`--with-keys: no key file at ${keySource}`);
    }
  }

  // The database files are hashed last: the images table changed above when images were left out.
  const dbFiles = env.database.kind === 'sqlite' ? [SQLITE_COPY] : (await readdir(path.join(dir, TABLE_DIR))).sort().map((f) => `${TABLE_DIR}/${f}`);
  for (const rel of [...dbFiles, ...(withKeys ? [KEY_COPY] : [])]) files.unshift({ path: rel, ...(await sha256OfFile(path.join(dir, rel))) });
  const manifest: Manifest = {
    format: FORMAT,
    version: FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    database: { kind: env.database.kind === 'sqlite' ? 'sqlite' : 'mysql', tables: db.tables, migrations: db.migrations },
    blobs: { count: files.filter((f) => f.path.startsWith(`${BLOB_DIR}/`)).length, bytes, store: env.blobStore.kind },
    imagesLeftOut: missing.size,
    withKeys,
    files,
  };
  await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: PRIVATE_FILE });
  return manifest;
}
