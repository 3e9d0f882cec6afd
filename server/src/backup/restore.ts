import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Env } from '../config/env.js';
import { defaultKeyFile, loadKeyRing } from '../crypto/key-file.js';
import { openDatabase, type Orm } from '../db/orm.js';
import { mysqlMigrations, sqliteMigrations } from '../migrations/index.js';
import { parseBlobName, type BlobStore } from '../storage/blob-store.js';
import { BLOB_DIR, countSqlite, decodeValue, KEY_COPY, MIGRATIONS_TABLE, migrationName, SQLITE_COPY, TABLE_DIR, type Progress } from './backup.js';
import { BackupError, readManifest, sha256, verifyFiles, type Manifest } from './manifest.js';

type Row = Record<string, unknown>;
const INSERT_BATCH = 200;

export interface RestoreOptions {
  env: Env;
  blobs: BlobStore;
  dir: string;
  progress: Progress;
}

/** Rows per table of the install's database, migrations bookkeeping left out. */
async function rowCounts(orm: Orm, kind: 'sqlite' | 'mysql'): Promise<Record<string, number>> {
  const em = orm.em.fork() as unknown as SqlEntityManager;
  const listSql =
    kind === 'sqlite'
      ? "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"
      : 'select table_name as name from information_schema.tables where table_schema = database()';
  const counts: Record<string, number> = {};
  for (const row of await em.execute<Row[]>(listSql)) {
    const name = String(row.name ?? row.NAME ?? row.TABLE_NAME);
    if (name === MIGRATIONS_TABLE) continue;
    counts[name] = Number((await em.execute<Row[]>(`select count(*) as n from \`${name}\``))[0]!.n);
  }
  return counts;
}

function refuseUnlessEmpty(counts: Record<string, number>, where: string): void {
  const used = Object.entries(counts).filter(([, n]) => n > 0);
  if (used.length) {
    throw new BackupError(
      `${where} is not empty (${used.map(([t, n]) => `${t}: ${n}`).join(', ')}): restore only into a new install, never over one in use`,
    );
  }
}

/** A backup from a newer Lockframe has migrations this one does not know: its data may not fit. */
function refuseNewer(manifest: Manifest, kind: 'sqlite' | 'mysql'): void {
  const known = new Set((kind === 'sqlite' ? sqliteMigrations : mysqlMigrations).map((m) => m.name));
  const unknown = manifest.database.migrations.filter((m) => !known.has(m));
  if (unknown.length) throw new BackupError(`the backup comes from a newer Lockframe (migrations ${unknown.join(', ')}): restore it with that version or newer`);
}

async function insertTables(orm: Orm, dir: string, manifest: Manifest, progress: Progress): Promise<void> {
  const tables = Object.keys(manifest.database.tables).filter((t) => t !== MIGRATIONS_TABLE);
  await orm.em.fork().transactional(async (em) => {
    const sql = em as unknown as SqlEntityManager;
    // Rows go in table by table; the references hold once all are in.
    await sql.execute('set foreign_key_checks = 0');
    try {
      for (const table of tables) {
        const text = await readFile(path.join(dir, TABLE_DIR, `${table}.jsonl`), 'utf8');
        const rows = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row);
        progress.note(`  ${table}: ${rows.length} row(s)`);
        for (let i = 0; i < rows.length; i += INSERT_BATCH) {
          const batch = rows.slice(i, i + INSERT_BATCH);
          const columns = Object.keys(batch[0]!);
          if (!columns.every((c) => /^[A-Za-z0-9_]+$/.test(c))) throw new BackupError(`${table}.jsonl names a column it may not`);
          const values = batch.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
          const params = batch.flatMap((row) => columns.map((c) => decodeValue(row[c])));
          await sql.execute(`insert into \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) values ${values}`, params);
        }
      }
    } finally {
      await sql.execute('set foreign_key_checks = 1');
    }
  });
}

/**
 * Restores a backup into an empty install: checks every file against the manifest before
 * writing anything, refuses an install that holds data, writes the database, the blobs and
 * (when the backup has it) the key file, then reads everything back against the checksums.
 */
export async function restoreBackup({ env, blobs, dir, progress }: RestoreOptions): Promise<Manifest> {
  const manifest = await readManifest(dir);
  const kind = env.database.kind === 'sqlite' ? 'sqlite' : 'mysql';
  if (manifest.database.kind !== kind) {
    throw new BackupError(
      `the backup holds a ${manifest.database.kind === 'sqlite' ? 'SQLite' : 'MySQL/MariaDB'} database, but this install uses ${kind === 'sqlite' ? 'SQLite' : 'MySQL/MariaDB'}: set DATABASE_URL accordingly`,
    );
  }
  refuseNewer(manifest, kind);
  progress.start('Checking the backup', manifest.files.length);
  await verifyFiles(dir, manifest, () => progress.tick());
  progress.stop();

  // Nothing is written until the whole install is known to be empty.
  await blobs.init();
  for await (const _ of blobs.list()) throw new BackupError(`the blob store (BLOB_STORE=${env.blobStore.kind}) is not empty: restore only into a new install`);
  const keyTarget = env.masterKeyFile ?? defaultKeyFile(env.dataDir);
  const backupKeys = manifest.withKeys ? await readFile(path.join(dir, KEY_COPY)) : null;
  if (backupKeys && existsSync(keyTarget) && !(await readFile(keyTarget)).equals(backupKeys)) {
    throw new BackupError(`${keyTarget} already holds other keys: move it away first (it may be this install's only copy)`);
  }
  let orm: Orm;
  if (env.database.kind === 'sqlite') {
    const file = env.database.file;
    if (existsSync(file)) {
      const existing = new DatabaseSync(file);
      try {
        const { [MIGRATIONS_TABLE]: _migrations, ...counts } = countSqlite(existing);
        refuseUnlessEmpty(counts, file);
      } finally {
        existing.close();
      }
    }
    progress.note('Restoring the SQLite database…');
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    for (const leftover of [file, `${file}-wal`, `${file}-shm`]) await rm(leftover, { force: true });
    await copyFile(path.join(dir, SQLITE_COPY), file);
    await chmod(file, 0o600);
    orm = await openDatabase(env);
  } else {
    orm = await openDatabase(env);
    try {
      refuseUnlessEmpty(await rowCounts(orm, kind), 'the database');
      progress.note('Restoring the database tables…');
      await insertTables(orm, dir, manifest, progress);
    } catch (error) {
      await orm.close();
      throw error;
    }
  }

  try {
    const blobFiles = manifest.files.filter((f) => f.path.startsWith(`${BLOB_DIR}/`));
    progress.start('Restoring blobs', blobFiles.length);
    for (const file of blobFiles) {
      const ref = parseBlobName(file.path.slice(BLOB_DIR.length + 1));
      if (!ref) throw new BackupError(`the manifest lists ${file.path}, which is not a blob`);
      const data = await readFile(path.join(dir, file.path));
      if (sha256(data) !== file.sha256) throw new BackupError(`${file.path} changed while it was being restored`);
      await blobs.put(ref.storageId, ref.variant, data);
      progress.tick();
    }
    progress.stop();

    if (backupKeys && !existsSync(keyTarget)) {
      await mkdir(path.dirname(keyTarget), { recursive: true, mode: 0o700 });
      await copyFile(path.join(dir, KEY_COPY), keyTarget);
      await chmod(keyTarget, 0o600);
    }

    // Read back: every blob as backed up, every table with its rows.
    progress.start('Verifying', blobFiles.length);
    for (const file of blobFiles) {
      const ref = parseBlobName(file.path.slice(BLOB_DIR.length + 1))!;
      if (sha256(await blobs.get(ref.storageId, ref.variant)) !== file.sha256) throw new BackupError(`${file.path} reads back differently from the store`);
      progress.tick();
    }
    progress.stop();
    const counts = await rowCounts(orm, kind);
    for (const [table, n] of Object.entries(manifest.database.tables)) {
      if (table !== MIGRATIONS_TABLE && counts[table] !== n) throw new BackupError(`table ${table} has ${counts[table] ?? 0} row(s) after the restore, not ${n}`);
    }
    await warnAboutKeys(env, orm, progress);
  } finally {
    await orm.close();
  }
  return manifest;
}

/** Images whose master key this install does not have cannot be opened: say so now, not at the first view. */
async function warnAboutKeys(env: Env, orm: Orm, progress: Progress): Promise<void> {
  const used = (await (orm.em.fork() as unknown as SqlEntityManager).execute<Row[]>('select distinct key_id from images')).map((r) => String(r.key_id));
  if (!used.length) return;
  // loadKeyRing makes a new key file where none is: only ask it when keys are really there.
  const haveKeys = env.masterKey !== undefined || env.masterKeyFile !== undefined || existsSync(defaultKeyFile(env.dataDir));
  const ring = !haveKeys ? null : await loadKeyRing({ masterKey: env.masterKey, masterKeyFile: env.masterKeyFile, previousKeys: env.previousMasterKeys, dataDir: env.dataDir })
    .then((loaded) => loaded.ring)
    .catch(() => null);
  const lacking = used.filter((id) => !ring?.get(id));
  if (lacking.length) {
    progress.note(
      `WARNING: the images use master key(s) ${lacking.join(', ')}, which this install does not have. Put the key file back (${defaultKeyFile(env.dataDir)}) or set LOCKFRAME_MASTER_KEY before starting the server.`,
    );
  }
}
