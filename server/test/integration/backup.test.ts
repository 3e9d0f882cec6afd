import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exifPhoto } from '../fixtures/exif.js';
import { ApiClient, newUser, type TestUser } from '../support/client.js';
import { createMysqlDatabase, databases, type DbKind } from '../support/databases.js';
import { runCli } from '../support/process.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { startTestServer, startTestServerOn, type TestServer } from '../support/server.js';

/**
 * `npm run backup` / `npm run restore` as an operator runs them (the CLI as its own process, on the
 * server's settings): a backup taken while the server runs and takes uploads, restored into a
 * new install, gives back every photo byte for byte; a tampered backup and a used install are refused.
 */
const IMAGES = `{ images(first: 100) { totalCount nodes { id filename originalUrl } } }`;

const cli = (vars: Record<string, string>, ...args: string[]) => runCli('backup', vars, args);

const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());

const setups: Array<{ name: string; kind: DbKind; s3: boolean }> = [
  ...databases.map((kind) => ({ name: `${kind}, local blobs`, kind, s3: false })),
  { name: 'sqlite, S3 blobs', kind: 'sqlite', s3: true },
];

describe.each(setups)('backup and restore ($name)', ({ kind, s3: onS3 }) => {
  let s3: TestS3 | undefined;
  let targetS3: TestS3 | undefined;
  let server: TestServer;
  let user: TestUser;
  let backupRoot: string;
  let restoredDir: string;
  let restoredDb: { url: string; drop(): Promise<void> } | undefined;
  /** filename → the bytes uploaded */
  const uploaded = new Map<string, Buffer>();

  beforeAll(async () => {
    if (onS3) {
      s3 = await startS3();
      targetS3 = await startS3();
    }
    server = await startTestServer(kind, s3?.vars ?? {});
    user = await newUser(server.url);
    for (let i = 0; i < 4; i++) {
      const photo = await exifPhoto({ width: 200 + i * 10, height: 150, make: `Backup Cam ${i}`, background: { r: 20 * i, g: 90, b: 140 } });
      await user.client.uploadOk(photo, `before-${i}.jpg`);
      uploaded.set(`before-${i}.jpg`, photo);
    }
    backupRoot = await mkdtemp(path.join(tmpdir(), 'lockframe-backup-'));
    restoredDir = await mkdtemp(path.join(tmpdir(), 'lockframe-restored-'));
    restoredDb = kind === 'mysql' ? await createMysqlDatabase() : undefined;
  });
  afterAll(async () => {
    await server?.close();
    await restoredDb?.drop();
    await s3?.close();
    await targetS3?.close();
    for (const dir of [backupRoot, restoredDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  const restoredVars = () => ({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: restoredDir,
    CLIENT_DIR: path.join(restoredDir, 'no-client'),
    ...(restoredDb ? { DATABASE_URL: restoredDb.url } : {}),
    ...(targetS3?.vars ?? {}),
  });

  it('backs up while the server runs and takes uploads, and restores into a new install with every original byte-exact', async () => {
    const dir = path.join(backupRoot, 'full');
    // Uploads go on while the backup runs: whatever it catches, the copy must be consistent.
    const during = (async () => {
      for (let i = 0; i < 3; i++) {
        const photo = await exifPhoto({ width: 120, height: 90 + i, background: { r: 200, g: 30 * i, b: 10 } });
        await user.client.uploadOk(photo, `during-${i}.jpg`);
        uploaded.set(`during-${i}.jpg`, photo);
      }
    })();
    const backup = await cli(server.vars, 'backup', dir, '--with-keys');
    await during;
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toMatch(/Copying blobs/);
    expect(backup.stdout).toMatch(/The master key file is in this backup/);

    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    const images = manifest.database.tables.images as number;
    expect(images).toBeGreaterThanOrEqual(4);
    expect(manifest.blobs.count).toBe(images * 3);
    expect(manifest.withKeys).toBe(true);
    expect(manifest.database.tables.users).toBe(1);
    expect(existsSync(path.join(dir, 'keys', 'master-keys.json'))).toBe(true);
    // Blobs are copied sealed: no JPEG in the backup.
    for (const name of await readdir(path.join(dir, 'blobs'))) {
      expect((await readFile(path.join(dir, 'blobs', name))).includes(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);
    }

    const restore = await cli(restoredVars(), 'restore', dir);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/every checksum matched/);
    expect(restore.stderr).not.toMatch(/WARNING/);

    const restored = await startTestServerOn(restoredVars());
    try {
      const client = new ApiClient(restored.url, user.token);
      const list = await client.gql<{ images: { totalCount: number; nodes: Array<{ filename: string; originalUrl: string }> } }>(IMAGES);
      expect(list.data!.images.totalCount).toBe(images);
      for (const node of list.data!.images.nodes) {
        const original = await bytesOf(await client.media(node.originalUrl));
        expect(original.equals(uploaded.get(node.filename)!), node.filename).toBe(true);
      }
      for (let i = 0; i < 4; i++) expect(list.data!.images.nodes.map((n) => n.filename)).toContain(`before-${i}.jpg`);
    } finally {
      await restored.close();
    }
  });

  it('refuses to restore over an install that holds data', async () => {
    const dir = path.join(backupRoot, 'full');
    const again = await cli(restoredVars(), 'restore', dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not empty/);
    expect(again.stderr).toMatch(/restore only into a new install/);
  });

  it('leaves the key file out unless asked, and says so', async () => {
    const dir = path.join(backupRoot, 'no-keys');
    const backup = await cli(server.vars, 'backup', dir);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/NOT in this backup/);
    expect(existsSync(path.join(dir, 'keys'))).toBe(false);
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.withKeys).toBe(false);
    // No key file (tables such as passkeys are database rows, not keys).
    expect(manifest.files.some((f: { path: string }) => f.path.startsWith('keys/') || f.path.includes('master-keys'))).toBe(false);
    expect(await cli(server.vars, 'backup', dir).then((r) => r.stderr)).toMatch(/not empty/);
  });

  it('refuses a tampered backup before writing anything', async () => {
    const dir = path.join(backupRoot, 'tampered');
    expect((await cli(server.vars, 'backup', dir)).code).toBe(0);
    const blob = (await readdir(path.join(dir, 'blobs')))[0]!;
    const file = path.join(dir, 'blobs', blob);
    const bytes = await readFile(file);
    bytes[bytes.length >> 1]! ^= 0x01;
    await writeFile(file, bytes);

    const fresh = await mkdtemp(path.join(tmpdir(), 'lockframe-fresh-'));
    const freshDb = kind === 'mysql' ? await createMysqlDatabase() : undefined;
    const freshS3 = onS3 ? await startS3() : undefined;
    try {
      const vars = { DATA_DIR: fresh, ...(freshDb ? { DATABASE_URL: freshDb.url } : {}), ...(freshS3?.vars ?? {}) };
      const result = await cli(vars, 'restore', dir);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`the backup is damaged or was altered: blobs/${blob} does not match its checksum`);
      expect(await readdir(fresh)).toEqual([]);
      if (freshS3) expect(await freshS3.keys()).toEqual([]);
      // A missing file is refused too.
      await rm(file);
      expect((await cli(vars, 'restore', dir)).stderr).toContain(`the backup is incomplete: blobs/${blob} is missing`);
    } finally {
      await freshDb?.drop();
      await freshS3?.close();
      await rm(fresh, { recursive: true, force: true });
    }
  });
});

describe('backup of a wrong DATA_DIR', () => {
  it('is refused, creating nothing, when DATA_DIR holds no database', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'lockframe-wrong-'));
    try {
      const wrong = path.join(root, 'not-a-data-dir');
      const result = await cli({ DATA_DIR: wrong }, 'backup', path.join(root, 'backup'));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`No database at ${path.join(wrong, 'lockframe.sqlite')}. Is DATA_DIR (${wrong}) the server's?`);
      expect(await readdir(root)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
