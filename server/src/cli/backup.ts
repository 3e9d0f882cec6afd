import 'reflect-metadata';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { createBackup, type Progress } from '../backup/backup.js';
import { BackupError } from '../backup/manifest.js';
import { restoreBackup } from '../backup/restore.js';
import { loadEnv } from '../config/env.js';
import { openDatabase } from '../db/orm.js';
import { openBlobStore } from '../storage/open-blob-store.js';

/**
 * Backup and restore, configured by the same settings as the server (DATA_DIR, DATABASE_URL,
 * BLOB_STORE, S3_*):
 *   backup <dir> [--with-keys]   a consistent copy while the server runs: database, sealed
 *                                blobs, manifest; the key file only with --with-keys
 *   restore <dir>                into an empty install (stop its server first), checked
 *                                against the manifest before and after
 * Progress goes to stderr, the summary to stdout.
 */
function stderrProgress(): Progress {
  let bar: SingleBar | null = null;
  return {
    start(label, total) {
      bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} {percentage}% | ETA {eta}s`, stream: process.stderr, noTTYOutput: true, notTTYSchedule: 2000 });
      bar.start(total, 0);
    },
    tick: () => bar?.increment(),
    stop() {
      bar?.stop();
      bar = null;
    },
    note: (message) => void process.stderr.write(`${message}\n`),
  };
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const flags = rest.filter((a) => a.startsWith('--'));
  const [target] = rest.filter((a) => !a.startsWith('--'));
  const unknown = flags.filter((f) => !(command === 'backup' && f === '--with-keys'));
  if ((command !== 'backup' && command !== 'restore') || !target || unknown.length) {
    console.error('usage: npm run backup -- <dir> [--with-keys]\n       npm run restore -- <dir>');
    process.exitCode = 2;
    return;
  }
  const dir = path.resolve(process.env.INIT_CWD ?? process.cwd(), target);
  const env = loadEnv();
  const blobs = openBlobStore(env);
  const progress = stderrProgress();
  try {
    if (command === 'backup') {
      // Backing up a wrong DATA_DIR would "succeed" with an empty database made on the spot.
      if (env.database.kind === 'sqlite' && !existsSync(env.database.file)) {
        throw new BackupError(`No database at ${env.database.file}. Is DATA_DIR (${env.dataDir}) the server's?`);
      }
      await blobs.init(env.orphanGraceMs);
      const orm = await openDatabase(env);
      try {
        const m = await createBackup({ env, orm, blobs, dir, withKeys: flags.includes('--with-keys'), progress });
        const images = m.database.tables.images ?? 0;
        console.log(`Backed up ${images} image(s), ${m.blobs.count} blob(s) (${m.blobs.bytes} bytes) and ${Object.keys(m.database.tables).length} table(s) to ${dir}.`);
        console.log(
          m.withKeys
            ? 'The master key file is in this backup: keep the backup as safe as the key itself.'
            : 'The master key is NOT in this backup (by design): keep a copy of the key file apart, or the backup cannot be opened.',
        );
      } finally {
        await orm.close();
      }
    } else {
      const m = await restoreBackup({ env, blobs, dir, progress });
      console.log(`Restored ${m.database.tables.images ?? 0} image(s) and ${m.blobs.count} blob(s) from ${dir}; every checksum matched.`);
    }
  } finally {
    blobs.close();
  }
}

main().catch((error: unknown) => {
  // BackupError and ConfigError are written for the operator; anything else gets its message only.
  const message = error instanceof Error ? error.message : String(error);
  console.error(`${error instanceof BackupError ? '' : 'error: '}${message}`);
  process.exit(1);
});
