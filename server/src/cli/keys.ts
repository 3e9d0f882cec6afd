import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { loadEnv, type Env } from '../config/env.js';
import { addKeyToFile, defaultKeyFile, loadKeyRing, removeKeyFromFile, type KeySource } from '../crypto/key-file.js';
import type { KeyRing } from '../crypto/keyring.js';
import { openDatabase, type Orm } from '../db/orm.js';
import { AlbumRepository } from '../modules/album/album.repository.js';
import { ImageRepository } from '../modules/image/image.repository.js';
import { albumKeyContext } from '../storage/sealed-store.js';
import { MfaRepository } from '../modules/mfa/mfa.repository.js';
import { SEED_PURPOSE } from '../modules/mfa/mfa.service.js';

/**
 * Master key management:
 *   status           which keys exist and how many images and albums each wraps
 *   rotate           add a new master key (key file) and re-wrap every image and album key under it;
 *                    resumes an interrupted rotation instead of adding yet another key
 *   drop <keyId>     remove an old key from the key file once no image uses it
 * Images are never re-encrypted: only their 32-byte data keys are re-wrapped (and the few-byte
 * TOTP seeds re-sealed). The server keeps
 * serving throughout; it reloads the key file when it changes.
 */
const BATCH = 200;

/** Every table holding wrapped data keys, and the context each key is bound to. */
const KEYED = [
  { label: 'image', rows: new ImageRepository(), context: (id: string, userId: string) => ({ imageId: id, userId }) },
  { label: 'album', rows: new AlbumRepository(), context: albumKeyContext },
];
const mfa = new MfaRepository();

function keySource(env: Env): KeySource {
  // The tool must never invent a key: a missing default file means a wrong DATA_DIR, not a first start.
  if (!env.masterKey && !env.masterKeyFile && !existsSync(defaultKeyFile(env.dataDir))) {
    throw new Error(`No key file at ${defaultKeyFile(env.dataDir)}. Is DATA_DIR (${env.dataDir}) the server's?`);
  }
  return {
    masterKey: env.masterKey,
    masterKeyFile: env.masterKeyFile,
    previousKeys: env.previousMasterKeys,
    dataDir: env.dataDir,
  };
}

/** Wrapped keys per master key id, images and albums together. */
async function usage(orm: Orm): Promise<Map<string, number>> {
  const total = new Map<string, number>();
  for (const { rows } of KEYED) {
    for (const [id, n] of await rows.keyUsage(orm.em.fork())) total.set(id, (total.get(id) ?? 0) + n);
  }
  return total;
}

/** Re-seals every TOTP seed not under the current master key (a handful of bytes each, one pass). */
async function resealSeeds(orm: Orm, ring: KeyRing): Promise<number> {
  let done = 0;
  for (const row of await mfa.sealedNotUnder(orm.em.fork(), ring.current.id)) {
    const next = ring.resealSecret(row.secretSealed, row.keyId, { purpose: SEED_PURPOSE, userId: row.userId });
    if (await mfa.reseal(orm.em.fork(), row.id, row.keyId, { secretSealed: next.sealed, keyId: next.keyId })) done++;
  }
  return done;
}

async function status(env: Env, orm: Orm): Promise<void> {
  const { ring, file } = await loadKeyRing(keySource(env));
  const counts = await usage(orm);
  const perTable = await Promise.all(KEYED.map(async ({ label, rows }) => ({ label, counts: await rows.keyUsage(orm.em.fork()) })));
  const described = (id: string) => perTable.map((t) => `${t.counts.get(id) ?? 0} ${t.label}(s)`).join(', ');
  console.log(`Keys from ${file ?? 'LOCKFRAME_MASTER_KEY'}`);
  for (const id of ring.ids()) {
    console.log(`  ${id}${id === ring.current.id ? ' (current)' : ''}: ${described(id)}`);
  }
  for (const [id] of counts) if (!ring.get(id)) console.log(`  ${id}: ${described(id)} — KEY MISSING, these cannot be opened`);
  for (const [id, n] of await mfa.keyUsage(orm.em.fork())) {
    console.log(`  ${id}: ${n} TOTP seed(s)${ring.get(id) ? '' : ' — KEY MISSING, these accounts cannot sign in with their code'}`);
  }
}

/** Re-wraps every image and album key not under the current master key. */
async function rewrapAll(orm: Orm, ring: KeyRing): Promise<number> {
  let done = 0;
  for (const keyed of KEYED) done += await rewrapTable(orm, ring, keyed);
  return done;
}

/** Re-wraps, batch by batch, one table's keys not under the current master key. */
async function rewrapTable(orm: Orm, ring: KeyRing, { label, rows: images, context }: (typeof KEYED)[number]): Promise<number> {
  const todo = await images.countNotUnderKey(orm.em.fork(), ring.current.id);
  const bar = new SingleBar({ format: `Re-wrapping ${label} keys [{bar}] {value}/{total} {percentage}% | ETA {eta}s`, stream: process.stderr });
  bar.start(todo, 0);
  let done = 0;
  let failed = 0;
  for (let pass = 0; pass < 1000; pass++) {
    const batch = await images.keysNotUnder(orm.em.fork(), ring.current.id, BATCH, failed);
    if (!batch.length) break;
    for (const row of batch) {
      const ctx = context(row.id, row.ownerId);
      try {
        const next = ring.rewrap(row.wrappedKey, row.keyId, ctx);
        // Compare-and-set: a row changed meanwhile (deleted, or re-wrapped by another run) is left alone.
        await images.rewrapKey(orm.em.fork(), row.id, row.keyId, { wrappedKey: next.wrapped, keyId: next.keyId });
        done++;
      } catch (error) {
        failed++;
        process.stderr.write(`\ncannot re-wrap ${label} ${row.id}: ${(error as Error).message}\n`);
      }
      bar.update(done);
    }
  }
  bar.stop();
  if (failed) throw new Error(`${failed} ${label} key(s) could not be re-wrapped; the old key must stay.`);
  return done;
}

async function rotate(env: Env, orm: Orm, args: string[]): Promise<void> {
  let { ring, file } = await loadKeyRing(keySource(env));
  const counts = await usage(orm);
  const pending = [...counts].filter(([id]) => id !== ring.current.id).reduce((n, [, c]) => n + c, 0);
  if (file && (pending === 0 || args.includes('--new-key'))) {
    const added = await addKeyToFile(file);
    ring = added.ring;
    console.log(`Added master key ${added.added.id} to ${file}; it is now current. Back up the key file.`);
  } else if (file) {
    console.log(`Resuming: ${pending} image key(s) are not yet under the current key ${ring.current.id}.`);
  } else {
    console.log(
      `Keys come from LOCKFRAME_MASTER_KEY: re-wrapping under it (current ${ring.current.id}); ` +
        'keep the old keys in LOCKFRAME_PREVIOUS_MASTER_KEYS until this finishes.',
    );
  }
  const done = await rewrapAll(orm, ring);
  const seeds = await resealSeeds(orm, ring);
  if (seeds) console.log(`Re-sealed ${seeds} TOTP seed(s).`);
  const left = await usage(orm);
  const unused = ring.ids().filter((id) => id !== ring.current.id && !left.get(id));
  console.log(`Re-wrapped ${done} image key(s). Every image is now under ${ring.current.id}.`);
  if (unused.length && file) console.log(`No image uses ${unused.join(', ')} any more: drop with \`npm run keys -- drop <keyId>\`.`);
}

async function drop(env: Env, orm: Orm, keyId: string | undefined): Promise<void> {
  const { ring, file } = await loadKeyRing(keySource(env));
  if (!file) throw new Error('Keys come from the environment: remove the key from LOCKFRAME_PREVIOUS_MASTER_KEYS instead.');
  if (!keyId || !ring.get(keyId)) throw new Error(`No key ${keyId ?? '(none given)'} in ${file}.`);
  const n = (await usage(orm)).get(keyId) ?? 0;
  if (n > 0) throw new Error(`${n} image(s) still use key ${keyId}: run \`npm run keys:rotate\` first.`);
  const seeds = (await mfa.keyUsage(orm.em.fork())).get(keyId) ?? 0;
  if (seeds > 0) throw new Error(`${seeds} TOTP seed(s) still use key ${keyId}: run \`npm run keys:rotate\` first.`);
  await removeKeyFromFile(file, keyId);
  console.log(`Removed key ${keyId} from ${file}.`);
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const env = loadEnv();
  keySource(env); // fails before the database is touched when DATA_DIR is wrong
  const orm = await openDatabase(env);
  try {
    if (command === 'status') await status(env, orm);
    else if (command === 'rotate') await rotate(env, orm, args);
    else if (command === 'drop') await drop(env, orm, args[0]);
    else {
      console.error('usage: keys status | rotate [--new-key] | drop <keyId>');
      process.exitCode = 2;
    }
  } finally {
    await orm.close();
  }
}

main().catch((error: unknown) => {
  console.error(`keys: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
