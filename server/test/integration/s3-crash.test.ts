import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { ApiClient, newUser } from '../support/client.js';
import { createMysqlDatabase, databases } from '../support/databases.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { openRawDb } from '../support/raw-db.js';
import { startS3, type TestS3 } from '../support/s3.js';

/**
 * With BLOB_STORE=s3, the real server process is killed with SIGKILL while uploads are writing
 * their objects. No image row may be left without its three objects, and the start-up sweep,
 * listing the bucket, removes the objects of uploads that never committed.
 */
const IMAGES = `{ images(first: 100) { nodes { id originalUrl } } }`;

/** storage id → the variants the bucket holds for it */
async function objectsById(s3: TestS3): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const key of await s3.keys()) {
    const match = /^blobs\/([0-9a-f-]{36})\.(original|display|thumbnail)$/.exec(key);
    if (!match) continue;
    found.set(match[1]!, [...(found.get(match[1]!) ?? []), match[2]!].sort());
  }
  return found;
}

describe.each(databases)('SIGKILL mid-upload with S3 storage on %s', (kind) => {
  let s3: TestS3;
  let dataDir: string;
  let vars: Record<string, string>;
  let server: ServerProcess;
  let dropDb: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    s3 = await startS3();
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-s3-crash-'));
    vars = { DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn', ORPHAN_GRACE_SECONDS: '0', ...s3.vars };
    if (kind === 'mysql') {
      const db = await createMysqlDatabase();
      dropDb = db.drop;
      vars.DATABASE_URL = db.url;
    }
    server = await spawnServer(vars);
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await dropDb?.();
    await s3?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('leaves no row without its objects, and the restarted server sweeps what never committed', async () => {
    const { token } = await newUser(server.url);
    const small = await fixtures.jpeg({ width: 64, height: 64 });
    const big = await fixtures.largeJpeg({ megapixels: 8 });
    await new ApiClient(server.url, token).uploadOk(small, 'small.jpg');
    const known = new Set((await objectsById(s3)).keys());

    const inFlight = Array.from({ length: 4 }, (_, i) => new ApiClient(server.url, token).upload(big, `big-${i}.jpg`).catch(() => null));
    // Kill as soon as an upload has put some, but not necessarily all, of its objects.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && ![...(await objectsById(s3)).keys()].some((id) => !known.has(id))) await new Promise((r) => setTimeout(r, 5));
    expect(await server.stop('SIGKILL')).toBeNull();
    await Promise.all(inFlight);

    const db = await openRawDb(vars);
    try {
      const rows = (await db.all('select storage_id from images')).map((r) => String(r.storage_id));
      const objects = await objectsById(s3);
      for (const id of rows) expect(objects.get(id), `row ${id}`).toEqual(['display', 'original', 'thumbnail']);
      const orphans = [...objects.keys()].filter((id) => !rows.includes(id));
      // The kill landed mid-upload: something was written that no row names (else this test proved nothing).
      expect(orphans.length).toBeGreaterThan(0);

      server = await spawnServer(vars);
      const after = await objectsById(s3);
      expect(new Set(after.keys())).toEqual(new Set(rows));
      for (const id of rows) expect(after.get(id)).toEqual(['display', 'original', 'thumbnail']);
    } finally {
      await db.close();
    }
    const client = new ApiClient(server.url, token);
    const list = await client.gql<{ images: { nodes: Array<{ originalUrl: string }> } }>(IMAGES);
    for (const node of list.data!.images.nodes) {
      const original = Buffer.from(await (await client.media(node.originalUrl)).arrayBuffer());
      expect(original.equals(small) || original.equals(big)).toBe(true);
    }
  });
});
