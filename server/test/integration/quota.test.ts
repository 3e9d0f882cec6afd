import { systemScope } from '../../src/scope.js';
import { createLogger } from '../../src/logger.js';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { promote } from '../support/admin.js';
import { codeOf, newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const DEFAULT_QUOTA = 40_000_000;
const silentLog = createLogger({ logLevel: 'silent' });
const ME = `{ me { storageBytes quotaBytes } }`;
const SET_QUOTA = `mutation($id: ID!, $q: SafeInt) { adminSetUserQuota(id: $id, quotaBytes: $q) { quotaBytes storageBytes } }`;

async function storedFiles(server: TestServer): Promise<number> {
  const entries = await readdir(path.join(server.dataDir, 'blobs'), { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).length;
}

async function storedBytesOf(server: TestServer, imageId: string): Promise<number> {
  const rows = await server.orm.em.fork().getConnection().execute('select stored_bytes from images where id = ?', [imageId]);
  return Number(rows[0].stored_bytes);
}

/** Storage quotas: DEFAULT_QUOTA_BYTES for new accounts, per-account quotas, atomic reservations. */
describe.each(databases)('storage quotas (%s)', (kind) => {
  let server: TestServer;
  let admin: TestUser;

  beforeAll(async () => {
    server = await startTestServer(kind, { DEFAULT_QUOTA_BYTES: String(DEFAULT_QUOTA) });
    admin = await newUser(server.url);
    await promote(server, admin.username);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('gives new accounts DEFAULT_QUOTA_BYTES and counts original plus variants, given back on delete', async () => {
    const user = await newUser(server.url);
    expect((await user.client.gql(ME)).data!.me).toEqual({ storageBytes: 0, quotaBytes: DEFAULT_QUOTA });
    const bytes = await fixtures.jpeg({ width: 900, height: 600 });
    const image = await user.client.uploadOk(bytes, 'a.jpg');
    const cost = await storedBytesOf(server, image.id);
    // Original plus a display image and a thumbnail: more than the original alone.
    expect(cost).toBeGreaterThan(bytes.length);
    expect((await user.client.gql(ME)).data!.me.storageBytes).toBe(cost);
    const listed = await admin.client.gql(`query($s: String) { adminUsers(search: $s) { nodes { storageBytes quotaBytes imageCount } } }`, { s: user.username });
    expect(listed.data!.adminUsers.nodes[0]).toEqual({ storageBytes: cost, quotaBytes: DEFAULT_QUOTA, imageCount: 1 });

    expect((await user.client.gql(`mutation($id: ID!) { deleteImage(id: $id) }`, { id: image.id })).data!.deleteImage).toBe(true);
    expect((await user.client.gql(ME)).data!.me.storageBytes).toBe(0);
  });

  it('gives the bytes back when the trash is emptied or purged, not when a photo only goes to the trash', async () => {
    const user = await newUser(server.url);
    const first = await user.client.uploadOk(await fixtures.jpeg({ width: 300, height: 200 }), 'a.jpg');
    const second = await user.client.uploadOk(await fixtures.jpeg({ width: 301, height: 200 }), 'b.jpg');
    const both = (await storedBytesOf(server, first.id)) + (await storedBytesOf(server, second.id));
    const trash = `mutation($ids: [ID!]!) { trashImages(ids: $ids) }`;
    expect((await user.client.gql(trash, { ids: [first.id, second.id] })).data!.trashImages).toBe(2);
    expect((await user.client.gql(ME)).data!.me.storageBytes).toBe(both);
    expect((await user.client.gql(`mutation { emptyTrash }`)).data!.emptyTrash).toBe(2);
    expect((await user.client.gql(ME)).data!.me.storageBytes).toBe(0);

    // The purge task: trashed long enough ago.
    const old = await user.client.uploadOk(await fixtures.jpeg({ width: 302, height: 200 }), 'c.jpg');
    await user.client.gql(trash, { ids: [old.id] });
    await server.orm.em.fork().getConnection().execute('update images set trashed_at = ? where id = ?', [new Date(Date.now() - 31 * 86_400_000), old.id]);
    const purge = server.app.tasks.find((t) => t.name === 'trash-purge')!;
    expect(await purge.run(systemScope(server.orm.em.fork(), silentLog, 'test'))).toBeGreaterThanOrEqual(1);
    expect((await user.client.gql(ME)).data!.me.storageBytes).toBe(0);
  });

  it('refuses an upload beyond the quota with QUOTA_EXCEEDED before anything is stored', async () => {
    const user = await newUser(server.url);
    const bytes = await fixtures.jpeg({ width: 400, height: 300 });
    await admin.client.gql(SET_QUOTA, { id: user.id, q: bytes.length });
    const files = await storedFiles(server);
    const res = await user.client.upload(bytes, 'too-big.jpg');
    expect(codeOf(res)).toBe('QUOTA_EXCEEDED');
    expect(res.errors![0]!.message).toContain('quota');
    expect(await storedFiles(server)).toBe(files);
    expect((await user.client.gql(ME)).data!.me.storageBytes).toBe(0);
    expect((await user.client.gql(`{ images(first: 1) { totalCount } }`)).data!.images.totalCount).toBe(0);

    // No quota (null): anything goes.
    await admin.client.gql(SET_QUOTA, { id: user.id, q: null });
    await user.client.uploadOk(bytes, 'fits.jpg');
    expect((await user.client.gql(ME)).data!.me).toMatchObject({ quotaBytes: null });
  });

  it('lets only one of two parallel uploads squeeze under the quota', async () => {
    const user = await newUser(server.url);
    const a = await fixtures.jpeg({ width: 700, height: 500 });
    const b = await fixtures.jpeg({ width: 701, height: 500 });
    // Measure what each costs, then give both back.
    const costs: number[] = [];
    for (const bytes of [a, b]) {
      const image = await user.client.uploadOk(bytes);
      costs.push(await storedBytesOf(server, image.id));
      await user.client.gql(`mutation($id: ID!) { deleteImage(id: $id) }`, { id: image.id });
    }
    expect((await user.client.gql(ME)).data!.me.storageBytes).toBe(0);
    // Either fits alone; both together don't.
    await admin.client.gql(SET_QUOTA, { id: user.id, q: costs[0]! + costs[1]! - 1 });
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([user.client.upload(a, 'a.jpg'), user.client.upload(b, 'b.jpg')]);
      const codes = results.map((r) => (r.errors ? codeOf(r) : 'OK')).sort();
      expect(codes).toEqual(['OK', 'QUOTA_EXCEEDED']);
      const kept = results.find((r) => !r.errors)!.data!.uploadImage;
      const cost = await storedBytesOf(server, kept.id);
      expect((await user.client.gql(ME)).data!.me.storageBytes).toBe(cost);
      await user.client.gql(`mutation($id: ID!) { deleteImage(id: $id) }`, { id: kept.id });
    }
    expect((await user.client.gql(ME)).data!.me.storageBytes).toBe(0);
  });

  it('gives the reservation back when storing fails after it (a real write error: every shard folder is a file)', async () => {
    const fresh = await startTestServer(kind, { DEFAULT_QUOTA_BYTES: String(DEFAULT_QUOTA) });
    try {
      const blobs = path.join(fresh.dataDir, 'blobs');
      for (let i = 0; i < 256; i++) await writeFile(path.join(blobs, i.toString(16).padStart(2, '0')), '');
      const user = await newUser(fresh.url);
      const res = await user.client.upload(await fixtures.jpeg({ width: 300, height: 200 }), 'doomed.jpg');
      expect(res.errors).toBeDefined();
      expect((await user.client.gql(ME)).data!.me).toEqual({ storageBytes: 0, quotaBytes: DEFAULT_QUOTA });
      const rows = await fresh.orm.em.fork().getConnection().execute('select count(*) as n from images');
      expect(Number(rows[0].n)).toBe(0);
    } finally {
      await fresh.close();
    }
  });
});
