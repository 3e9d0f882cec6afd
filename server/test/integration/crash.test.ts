import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { ApiClient, codeOf, newUser } from '../support/client.js';
import { createMysqlDatabase, databases } from '../support/databases.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { openRawDb } from '../support/raw-db.js';

/**
 * The real server process is killed with SIGKILL — no shutdown handler runs — in the middle of
 * uploads and deletes, then started again on the same data. Whatever moment it died, every image
 * row must still have its three blobs, each opening and decrypting, and the start-up sweep must
 * leave no stored file that belongs to no row and no temporary file.
 */

const DELETE = `mutation($id: ID!) { deleteImage(id: $id) }`;
const IMAGES = `{ images(first: 100) { totalCount nodes { id width height } } }`;
const VARIANTS = ['original', 'display', 'thumbnail'] as const;

interface BlobState {
  tmp: string[];
  /** storage id → variants on disk */
  blobs: Map<string, Set<string>>;
  /** Anything else under blobs/. */
  other: string[];
}

async function blobState(blobsDir: string): Promise<BlobState> {
  const state: BlobState = { tmp: [], blobs: new Map(), other: [] };
  let entries;
  try {
    entries = await readdir(blobsDir, { withFileTypes: true, recursive: true });
  } catch {
    return state;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const rel = path.relative(blobsDir, path.join(entry.parentPath, entry.name));
    const blob = /^[0-9a-f]{2}\/([0-9a-f-]{36})\.(original|display|thumbnail)$/.exec(rel);
    if (blob) {
      const variants = state.blobs.get(blob[1]!) ?? new Set<string>();
      variants.add(blob[2]!);
      state.blobs.set(blob[1]!, variants);
    } else if (rel.startsWith(`tmp${path.sep}`)) state.tmp.push(rel);
    else state.other.push(rel);
  }
  return state;
}

/** Polls the blob folder until `done` holds; the poll is cheap and quick, so the kill lands close to the moment. */
async function waitForBlobs(blobsDir: string, done: (s: BlobState) => boolean, timeoutMs = 20_000): Promise<BlobState | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await blobState(blobsDir);
    if (done(state)) return state;
    await new Promise((r) => setTimeout(r, 1));
  }
  return null;
}

async function filesNamed(dir: string, pattern: RegExp): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && pattern.test(e.name)).map((e) => path.join(e.parentPath, e.name));
}

type Settled = { ok: true; id: string } | { ok: false; reason: string };

describe.each(databases)('SIGKILL of the real server on %s', (kind) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  let vars: Record<string, string>;
  let dataDir: string;
  let blobsDir: string;
  let server: ServerProcess;
  let token: string;
  let big: Buffer;
  /** Uploaded bytes by length: every original served must be one of them, exactly. */
  const uploads = new Map<number, Buffer>();
  /** Uploads the server answered: their rows must survive any crash after. */
  const confirmed = new Set<string>();
  /** Deletes the server answered: their rows must stay gone. */
  const deleted = new Set<string>();
  /** Storage ids with no row and half-written files, seen while the server was dead: the start-up clean-up's work. */
  let orphansSeen = 0;
  let tmpSeen = 0;

  const client = () => new ApiClient(server.url, token);
  const remember = (bytes: Buffer) => {
    uploads.set(bytes.length, bytes);
    return bytes;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-crash-'));
    blobsDir = path.join(dataDir, 'blobs');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    vars = { DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'info', ORPHAN_GRACE_SECONDS: '0' };
    if (kind === 'mysql') {
      const db = await createMysqlDatabase();
      cleanups.push(() => db.drop());
      vars.DATABASE_URL = db.url;
    }
    big = remember(await fixtures.largeJpeg({ megapixels: 8 }));
    server = await spawnServer(vars);
    token = (await newUser(server.url)).token;
    for (const size of [64, 96]) {
      confirmed.add((await client().uploadOk(remember(await fixtures.jpeg({ width: size, height: size })))).id);
    }
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    for (const c of cleanups.reverse()) await c();
  });

  function startUploads(count: number): Array<Promise<Settled>> {
    const c = client();
    return Array.from({ length: count }, (_, i) =>
      c.upload(big, `big-${i}.jpg`).then(
        (res): Settled => {
          if (res.data?.uploadImage?.id) {
            confirmed.add(res.data.uploadImage.id);
            return { ok: true, id: res.data.uploadImage.id };
          }
          return { ok: false, reason: String(codeOf(res)) };
        },
        (error: unknown): Settled => ({ ok: false, reason: String(error) }),
      ),
    );
  }

  /** SIGKILL, look at what the dead server left, start it again on the same data, check everything. */
  async function killRestartAndVerify(inFlight: Array<Promise<unknown>>): Promise<void> {
    expect(await server.stop('SIGKILL')).toBeNull();
    await Promise.all(inFlight);

    const db = await openRawDb(vars);
    const before = await blobState(blobsDir);
    const rowsBefore = new Set((await db.all('select storage_id from images')).map((r) => String(r.storage_id)));
    const orphans = [...before.blobs.keys()].filter((id) => !rowsBefore.has(id)).length;
    orphansSeen += orphans;
    tmpSeen += before.tmp.length;
    await db.close();

    server = await spawnServer(vars);
    if (orphans > 0) expect(server.output()).toMatch(new RegExp(`"removed":${orphans}\\b`));
    await verify();
  }

  async function verify(): Promise<void> {
    const db = await openRawDb(vars);
    const rows = await db.all('select id, storage_id, byte_size from images');
    await db.close();
    const after = await blobState(blobsDir);

    // No temporary file anywhere, and nothing in blobs/ but blobs.
    expect(after.tmp).toEqual([]);
    expect(after.other).toEqual([]);
    expect(await filesNamed(dataDir, /\.tmp$/)).toEqual([]);
    // Every row has its three blobs; every blob belongs to a row.
    expect(new Set(after.blobs.keys())).toEqual(new Set(rows.map((r) => String(r.storage_id))));
    for (const row of rows) expect([...after.blobs.get(String(row.storage_id))!].sort()).toEqual([...VARIANTS].sort());

    const ids = new Set(rows.map((r) => String(r.id)));
    for (const id of confirmed) expect(ids.has(id), `confirmed upload ${id} survived`).toBe(true);
    for (const id of deleted) expect(ids.has(id), `confirmed delete ${id} stayed deleted`).toBe(false);

    const list = await client().gql(IMAGES);
    expect(list.errors).toBeUndefined();
    expect(list.data!.images.totalCount).toBe(rows.length);
    const shapes = new Map(list.data!.images.nodes.map((n: { id: string; width: number; height: number }) => [n.id, n]));
    expect(new Set(shapes.keys())).toEqual(ids);

    // Every variant of every image opens: the whole blob decrypts and authenticates (else no 200),
    // the original is exactly what was sent, and the derived pictures decode with the right shape.
    for (const row of rows) {
      const id = String(row.id);
      const [original, display, thumbnail] = await Promise.all(
        VARIANTS.map(async (variant) => {
          const res = await client().media(`/media/${id}/${variant}`);
          expect(res.status, `${id} ${variant}`).toBe(200);
          return Buffer.from(await res.arrayBuffer());
        }),
      );
      expect(original!.equals(uploads.get(Number(row.byte_size))!), `${id} original is byte for byte what was uploaded`).toBe(true);
      const shape = shapes.get(id) as { width: number; height: number };
      const displayMeta = await sharp(display).metadata();
      expect([displayMeta.format, displayMeta.width! / displayMeta.height!]).toEqual(['jpeg', expect.closeTo(shape.width / shape.height, 2)]);
      const thumb = await sharp(thumbnail).raw().toBuffer({ resolveWithObject: true });
      expect(Math.max(thumb.info.width, thumb.info.height)).toBe(Math.min(512, Math.max(shape.width, shape.height)));
    }
  }

  it('dies as the first temporary blob file is being written', async () => {
    const inFlight = startUploads(3);
    const seen = await waitForBlobs(blobsDir, (s) => s.tmp.length > 0);
    expect(seen, 'a temporary file appeared').not.toBeNull();
    await killRestartAndVerify(inFlight);
  });

  it('dies once a blob is in place but before its row is committed', async () => {
    const db = await openRawDb(vars);
    const known = new Set((await db.all('select storage_id from images')).map((r) => String(r.storage_id)));
    await db.close();
    const inFlight = startUploads(3);
    const seen = await waitForBlobs(blobsDir, (s) => [...s.blobs.keys()].some((id) => !known.has(id)));
    expect(seen, 'a new blob appeared').not.toBeNull();
    await killRestartAndVerify(inFlight);
  });

  it('dies at a random moment of several uploads', async () => {
    const inFlight = startUploads(3);
    const delay = 100 + Math.floor(Math.random() * 700);
    await new Promise((r) => setTimeout(r, delay));
    try {
      await killRestartAndVerify(inFlight);
    } catch (error) {
      (error as Error).message += ` (killed ${delay} ms after the uploads started)`;
      throw error;
    }
  });

  it('dies in the middle of deletes', async () => {
    const c = client();
    for (const size of [80, 88, 104]) confirmed.add((await c.uploadOk(remember(await fixtures.jpeg({ width: size, height: 64 })))).id);
    const ids = (await c.gql(IMAGES)).data!.images.nodes.map((n: { id: string }) => n.id) as string[];
    expect(ids.length).toBeGreaterThanOrEqual(5);
    const count = (await blobState(blobsDir)).blobs.size;
    // Whether each of these survives depends on when the kill lands; only answered deletes are known.
    for (const id of ids) confirmed.delete(id);
    const inFlight = ids.map((id) =>
      c.gql(DELETE, { id }).then(
        (res) => {
          if (res.data?.deleteImage === true) deleted.add(id);
        },
        () => undefined,
      ),
    );
    // The first image whose files start going: its row is gone, others are mid-way.
    const seen = await waitForBlobs(blobsDir, (s) => [...s.blobs.values()].filter((v) => v.size === 3).length < count);
    expect(seen, 'a delete started removing files').not.toBeNull();
    await killRestartAndVerify(inFlight);
    // The kills did leave half-written files and files with no row behind, and the restarts removed them.
    expect(orphansSeen).toBeGreaterThan(0);
    expect(tmpSeen).toBeGreaterThan(0);
  });
});
