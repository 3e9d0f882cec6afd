import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { promote } from '../support/admin.js';
import { auditRows, login, Q } from '../support/accounts.js';
import { ApiClient, codeOf, newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { spawnServer } from '../support/process.js';
import { startTestServer, type TestServer } from '../support/server.js';

const DELETE_USER = `mutation($id: ID!) { adminDeleteUser(id: $id) }`;
const DELETE_ACCOUNT = `mutation($p: String!) { deleteAccount(password: $p) }`;

async function blobFiles(server: TestServer): Promise<string[]> {
  const entries = await readdir(path.join(server.dataDir, 'blobs'), { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

async function count(server: TestServer, table: string, userId: string): Promise<number> {
  const column = table === 'users' ? 'id' : 'user_id';
  const rows = await server.orm.em.fork().getConnection().execute(`select count(*) as n from ${table} where ${column} = ?`, [userId]);
  return Number(rows[0].n);
}

async function storageIdsOf(server: TestServer, userId: string): Promise<string[]> {
  const rows = await server.orm.em.fork().getConnection().execute('select storage_id from images where user_id = ?', [userId]);
  return rows.map((r: { storage_id: string }) => r.storage_id);
}

/** Everything of an account is gone: rows of every table, and every stored file of its images. */
async function expectGone(server: TestServer, userId: string, storageIds: string[]): Promise<void> {
  for (const table of ['users', 'images', 'sessions', 'api_tokens', 'email_tokens']) expect(await count(server, table, userId), table).toBe(0);
  const files = await blobFiles(server);
  for (const id of storageIds) expect(files.filter((f) => f.startsWith(id)), id).toEqual([]);
}

async function withPhotos(server: TestServer, overrides: Partial<{ username: string; email: string }> = {}): Promise<{ user: TestUser; storageIds: string[] }> {
  const user = await newUser(server.url, overrides);
  await user.client.uploadOk(await fixtures.jpeg({ width: 120, height: 90 }), 'one.jpg');
  await user.client.uploadOk(await fixtures.png(), 'two.png');
  await user.client.gql(Q.createApiToken, { input: { name: 'backup' } });
  const storageIds = await storageIdsOf(server, user.id);
  expect(storageIds).toHaveLength(2);
  expect((await blobFiles(server)).filter((f) => storageIds.some((id) => f.startsWith(id)))).toHaveLength(6);
  return { user, storageIds };
}

describe.each(databases)('account deletion (%s)', (kind) => {
  let server: TestServer;
  let admin: TestUser;

  beforeAll(async () => {
    server = await startTestServer(kind);
    admin = await newUser(server.url);
    await promote(server, admin.username);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('an admin deletes an account: rows and every stored file gone at once, audited, and the address registers again', async () => {
    const { user, storageIds } = await withPhotos(server, { username: `gone_${kind}`, email: `gone.${kind}@example.com` });
    const other = await withPhotos(server);
    expect(codeOf(await other.user.client.gql(DELETE_USER, { id: user.id }))).toBe('FORBIDDEN');

    const res = await admin.client.gql(DELETE_USER, { id: user.id });
    expect(res.data).toEqual({ adminDeleteUser: true });
    await expectGone(server, user.id, storageIds);
    expect((await user.client.gql(Q.me)).data!.me).toBeNull();
    expect(codeOf(await login(new ApiClient(server.url), user.username, user.password))).toBe('UNAUTHENTICATED');
    const trail = await auditRows(server, { userId: user.id, event: 'account.delete' });
    expect(trail).toHaveLength(1);
    expect(trail[0]!.details).toMatchObject({ by: 'admin', admin: admin.username });
    // Nobody else lost anything.
    expect(await storageIdsOf(server, other.user.id)).toEqual(other.storageIds);
    expect((await other.user.client.media(`/media/${(await other.user.client.gql(`{ images(first: 1) { nodes { id } } }`)).data!.images.nodes[0].id}/original`)).status).toBe(200);

    const again = await newUser(server.url, { username: `gone_${kind}`, email: `gone.${kind}@example.com` });
    expect(again.id).not.toBe(user.id);
    expect(codeOf(await admin.client.gql(DELETE_USER, { id: user.id }))).toBe('NOT_FOUND');
  });

  it('an admin cannot delete themselves; the last admin cannot delete their own account', async () => {
    const self = await admin.client.gql(DELETE_USER, { id: admin.id });
    expect(codeOf(self)).toBe('FORBIDDEN');
    const own = await admin.client.gql(DELETE_ACCOUNT, { p: admin.password });
    expect(codeOf(own)).toBe('FORBIDDEN');
    expect(own.errors![0]!.message).toContain('last active administrator');
    expect(await count(server, 'users', admin.id)).toBe(1);
  });

  it('deleteAccount needs the password, then removes everything and ends the session', async () => {
    const { user, storageIds } = await withPhotos(server);
    const wrong = await user.client.gql(DELETE_ACCOUNT, { p: 'Not-The-Password-1' });
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
    expect(await count(server, 'users', user.id)).toBe(1);
    const res = await user.client.gql(DELETE_ACCOUNT, { p: user.password });
    expect(res.data).toEqual({ deleteAccount: true });
    await expectGone(server, user.id, storageIds);
    expect((await user.client.gql(Q.me)).data!.me).toBeNull();
    expect((await auditRows(server, { userId: user.id, event: 'account.delete' }))[0]!.details).toEqual({ by: 'owner' });
  });

  it('a deletion cut short (marked, some files already removed) finishes when a server starts', async () => {
    const { user, storageIds } = await withPhotos(server);
    // The state a SIGKILL leaves after step 1 and part of step 2: the mark, one file removed, rows still there.
    await server.orm.em.fork().getConnection().execute('update users set deleting_at = ? where id = ?', [kind === 'sqlite' ? Date.now() : new Date(), user.id]);
    await server.blobs.delete(storageIds[0]!);
    // Already gone for every purpose: no credential works, no listing shows it.
    expect((await user.client.gql(Q.me)).data!.me).toBeNull();
    const listed = await admin.client.gql(`query($s: String) { adminUsers(search: $s) { totalCount } }`, { s: user.username });
    expect(listed.data!.adminUsers.totalCount).toBe(0);

    // A second server process on the same database and data folder runs its start-up tasks before it listens.
    const started = await spawnServer({ ...server.vars, LOG_LEVEL: 'warn' });
    try {
      await expectGone(server, user.id, storageIds);
      expect(started.output()).toContain('finished account deletions that were interrupted');
    } finally {
      await started.stop('SIGTERM');
    }
  });
});
