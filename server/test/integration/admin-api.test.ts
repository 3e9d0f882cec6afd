import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { promote } from '../support/admin.js';
import { auditRows, login, loginOk, Q } from '../support/accounts.js';
import { ApiClient, codeOf, newUser, type GqlResponse, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const ADMIN_USERS = `query($first: Int, $after: String, $search: String) {
  adminUsers(first: $first, after: $after, search: $search) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id username email role emailVerified disabled mfaEnabled createdAt lastLoginAt imageCount storageBytes quotaBytes }
  }
}`;
const SET_DISABLED = `mutation($id: ID!, $disabled: Boolean!) { adminSetUserDisabled(id: $id, disabled: $disabled) { id disabled } }`;
const SET_QUOTA = `mutation($id: ID!, $q: SafeInt) { adminSetUserQuota(id: $id, quotaBytes: $q) { id quotaBytes } }`;

/** Every admin field, each under an alias too: the check is per field, not per operation name. */
const PROBES: Array<[string, (id: string) => [string, Record<string, unknown>]]> = [
  ['adminUsers', () => [`{ a: adminUsers { totalCount } }`, {}]],
  ['adminSetUserDisabled', (id) => [`mutation($id: ID!) { x: adminSetUserDisabled(id: $id, disabled: true) { id } }`, { id }]],
  ['adminSetUserQuota', (id) => [`mutation($id: ID!) { y: adminSetUserQuota(id: $id, quotaBytes: 1) { id } }`, { id }]],
  ['adminActions', () => [`{ q: adminActions { id actor } }`, {}]],
  ['adminDeleteUser', (id) => [`mutation($id: ID!) { z: adminDeleteUser(id: $id) }`, { id }]],
];

describe.each(databases)('admin API (%s)', (kind) => {
  let server: TestServer;
  let admin: TestUser;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer(kind);
    admin = await newUser(server.url, { username: `admin_${kind}` });
    await promote(server, admin.username);
    alice = await newUser(server.url, { username: `alice_${kind}` });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses every admin field to ordinary users (FORBIDDEN) and strangers (UNAUTHENTICATED), aliased or not', async () => {
    const anon = new ApiClient(server.url);
    for (const [field, probe] of PROBES) {
      const [query, vars] = probe(admin.id);
      const asUser = await alice.client.gql(query, vars);
      expect(codeOf(asUser), field).toBe('FORBIDDEN');
      expect(asUser.data ?? null, field).toBeNull();
      expect(codeOf(await anon.gql(query, vars)), field).toBe('UNAUTHENTICATED');
    }
    // Aliases of one field beside an allowed one: refused, and nothing leaks beside them.
    const twice = await alice.client.gql(`{ me { id } a: adminUsers { totalCount } b: adminUsers(search: "admin") { nodes { email } } }`);
    expect(twice.errors?.length).toBeGreaterThan(0);
    expect(twice.errors!.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
    expect(twice.data ?? null).toBeNull();
    expect(twice.raw).not.toContain(admin.email);
    // Nothing changed for the admin the probes aimed at.
    expect((await admin.client.gql(`{ me { id } }`)).data!.me.id).toBe(admin.id);
  });

  it('lists accounts paged by cursor and searchable by username or e-mail, with counts and sizes only', async () => {
    const others = [];
    for (let i = 0; i < 4; i++) others.push(await newUser(server.url, { username: `pager${i}_${kind}`, email: `pg${i}.${kind}@pages.test` }));
    await alice.client.uploadOk(await fixtures.jpeg({ width: 64, height: 48 }), 'secret-holiday.jpg');

    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (let page = 0; page < 10; page++) {
      const res: GqlResponse = await admin.client.gql(ADMIN_USERS, { first: 2, after });
      expect(res.errors).toBeUndefined();
      const conn: { totalCount: number; nodes: Array<{ username: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } } = res.data!.adminUsers;
      total = conn.totalCount;
      seen.push(...conn.nodes.map((n: { username: string }) => n.username));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(total).toBe(6);
    expect(seen).toEqual([admin.username, alice.username, ...others.map((o) => o.username)]);

    const byName = await admin.client.gql(ADMIN_USERS, { search: 'PAGER2' });
    expect(byName.data!.adminUsers.nodes.map((n: { username: string }) => n.username)).toEqual([`pager2_${kind}`]);
    const byMail = await admin.client.gql(ADMIN_USERS, { search: '@pages.test' });
    expect(byMail.data!.adminUsers.totalCount).toBe(4);
    // LIKE wildcards are literal: "_" matches only an underscore.
    expect((await admin.client.gql(ADMIN_USERS, { search: 'pager_' })).data!.adminUsers.totalCount).toBe(0);
    expect(codeOf(await admin.client.gql(ADMIN_USERS, { after: 'bm90LWEtY3Vyc29y' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await admin.client.gql(ADMIN_USERS, { first: 101 }))).toBe('BAD_USER_INPUT');

    const res = await admin.client.gql(ADMIN_USERS, { search: alice.username });
    const row = res.data!.adminUsers.nodes[0];
    expect(row).toMatchObject({ id: alice.id, role: 'USER', disabled: false, imageCount: 1, quotaBytes: null, mfaEnabled: false });
    expect(row.lastLoginAt).not.toBeNull();
    expect(res.raw).not.toContain('secret-holiday');
  });

  it('admin manages accounts, never reads photos: NOT_FOUND for another user\'s image and media, and no admin type carries content', async () => {
    const image = await alice.client.uploadOk(await fixtures.jpeg({ width: 80, height: 60 }), 'private.jpg');
    const byAdmin = await admin.client.gql(`query($id: ID!) { image(id: $id) { id filename metadata } }`, { id: image.id });
    expect(byAdmin.data!.image).toBeNull();
    for (const variant of ['display', 'thumbnail', 'original']) {
      const res = await admin.client.media(`/media/${image.id}/${variant}`);
      expect(res.status, variant).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
    expect(codeOf(await admin.client.gql(`mutation($id: ID!) { deleteImage(id: $id) }`, { id: image.id }))).toBe('NOT_FOUND');
    expect((await admin.client.gql(`{ images(first: 10) { totalCount } }`)).data!.images.totalCount).toBe(0);
    // The owner still has it.
    expect((await alice.client.media(`/media/${image.id}/original`)).status).toBe(200);

    // The admin types, as the schema publishes them: accounts' flags, counts and sizes, nothing about files.
    const schema = await admin.client.gql(`{ __type(name: "AdminUser") { fields { name type { name kind ofType { name } } } } }`);
    const fields = schema.data!.__type.fields.map((f: { name: string }) => f.name).sort();
    expect(fields).toEqual(
      ['createdAt', 'disabled', 'email', 'emailVerified', 'id', 'imageCount', 'lastLoginAt', 'mfaEnabled', 'quotaBytes', 'role', 'storageBytes', 'username'].sort(),
    );
    const types = schema.data!.__type.fields.map((f: { type: { name: string | null; ofType: { name: string } | null } }) => f.type.name ?? f.type.ofType?.name);
    expect(types.every((t: string) => ['ID', 'String', 'Role', 'Boolean', 'DateTime', 'Int', 'SafeInt'].includes(t))).toBe(true);
  });

  it('sets and clears a quota; refuses a negative one', async () => {
    const set = await admin.client.gql(SET_QUOTA, { id: alice.id, q: 5_000_000_000 });
    expect(set.data!.adminSetUserQuota).toEqual({ id: alice.id, quotaBytes: 5_000_000_000 });
    expect(codeOf(await admin.client.gql(SET_QUOTA, { id: alice.id, q: -1 }))).toBe('BAD_USER_INPUT');
    expect((await admin.client.gql(SET_QUOTA, { id: alice.id, q: null })).data!.adminSetUserQuota.quotaBytes).toBeNull();
    expect(codeOf(await admin.client.gql(SET_QUOTA, { id: '00000000-0000-4000-8000-000000000000', q: 1 }))).toBe('NOT_FOUND');
    const events = (await alice.client.gql(Q.securityEvents, { first: 10 })).data!.securityEvents;
    expect(events.filter((e: { event: string }) => e.event === 'admin.quota')).toHaveLength(2);
    expect(events[0].details).toMatchObject({ by: 'admin', admin: admin.username });
  });

  it('disabling ends every session and API token at once; the right password then answers ACCOUNT_DISABLED, a wrong one the usual error', async () => {
    const bob = await newUser(server.url, { username: `bob_${kind}` });
    const second = await loginOk(server.url, bob.username, bob.password);
    const created = await bob.client.gql(Q.createApiToken, { input: { name: 'script' } });
    const apiToken = new ApiClient(server.url, created.data!.createApiToken.secret);
    expect((await apiToken.gql(Q.me)).data!.me.username).toBe(bob.username);

    const res = await admin.client.gql(SET_DISABLED, { id: bob.id, disabled: true });
    expect(res.data!.adminSetUserDisabled).toEqual({ id: bob.id, disabled: true });
    for (const c of [bob.client, second, apiToken]) {
      expect((await c.gql(Q.me)).data!.me).toBeNull();
      expect(codeOf(await c.gql(`{ images(first: 1) { totalCount } }`))).toBe('UNAUTHENTICATED');
    }
    const rows = await server.orm.em.getConnection().execute(`select count(*) as n from sessions where user_id = ?`, [bob.id]);
    expect(Number(rows[0].n)).toBe(0);
    const tokens = await server.orm.em.getConnection().execute(`select count(*) as n from api_tokens where user_id = ?`, [bob.id]);
    expect(Number(tokens[0].n)).toBe(0);

    const right = await login(new ApiClient(server.url), bob.username, bob.password);
    expect(codeOf(right)).toBe('ACCOUNT_DISABLED');
    expect(right.data?.login ?? null).toBeNull();
    const wrong = await login(new ApiClient(server.url), bob.username, 'Wrong-Password-123!');
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(wrong.errors![0]!.message).toBe('Wrong username, e-mail or password.');

    await admin.client.gql(SET_DISABLED, { id: bob.id, disabled: false });
    const back = await loginOk(server.url, bob.username, bob.password);
    const events = (await back.gql(Q.securityEvents, { first: 20 })).data!.securityEvents.map((e: { event: string }) => e.event);
    expect(events).toEqual(expect.arrayContaining(['admin.disable', 'admin.enable']));

    // The console's trail of admin actions: who did what to whom.
    const actions = await admin.client.gql(`{ adminActions(first: 10) { event actor targetUsername quotaBytes createdAt } }`);
    const [enable, disable] = actions.data!.adminActions;
    expect(enable).toMatchObject({ event: 'admin.enable', actor: admin.username, targetUsername: bob.username, quotaBytes: null });
    expect(disable).toMatchObject({ event: 'admin.disable', actor: admin.username, targetUsername: bob.username });
    expect(actions.data!.adminActions.map((a: { event: string }) => a.event)).toContain('admin.quota');
    expect(actions.raw).not.toContain(bob.password);
  });

  it('never lets an admin disable themselves, and keeps the last active admin', async () => {
    const self = await admin.client.gql(SET_DISABLED, { id: admin.id, disabled: true });
    expect(codeOf(self)).toBe('FORBIDDEN');
    expect(self.errors![0]!.message).toBe('You cannot disable your own account.');
    // Two admins disabling each other at once: one of them stays active.
    const other = await newUser(server.url, { username: `admin2_${kind}` });
    await promote(server, other.username);
    const [a, b] = await Promise.all([
      admin.client.gql(SET_DISABLED, { id: other.id, disabled: true }),
      other.client.gql(SET_DISABLED, { id: admin.id, disabled: true }),
    ]);
    const ok = [a, b].filter((r) => !r.errors).length;
    expect(ok).toBe(1);
    const active = await server.orm.em
      .getConnection()
      .execute(`select count(*) as n from users where role = 'ADMIN' and disabled = 0`);
    expect(Number(active[0].n)).toBe(1);
    expect((await auditRows(server, { event: 'admin.disable' })).length).toBeGreaterThanOrEqual(2);
  });
});
