import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SESSIONS_PER_ACCOUNT } from '../../src/modules/session/session.service.js';
import { login, Q } from '../support/accounts.js';
import { ApiClient, codeOf, newUser, STRONG_PASSWORD, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** The audit's low findings on accounts (docs/hardening.md): each case failed before its fix. */
describe.each(databases)('account limits on %s', (kind) => {
  let server: TestServer;
  let user: TestUser;
  const anon = () => new ApiClient(server.url);

  beforeAll(async () => {
    server = await startTestServer(kind, { TRUST_PROXY: 'true', REGISTRATIONS_PER_IP_PER_HOUR: '3' });
    user = await newUser(server.url);
  });
  afterAll(async () => {
    await server?.close();
  });

  it(`keeps at most ${MAX_SESSIONS_PER_ACCOUNT} sessions per account, ending the least recently used`, async () => {
    const u = await newUser(server.url);
    const first = u.client;
    for (let i = 0; i < MAX_SESSIONS_PER_ACCOUNT + 5; i++) {
      const res = await login(anon(), u.username, STRONG_PASSWORD, { 'x-forwarded-for': `192.0.2.${i % 200}` });
      expect(res.errors).toBeUndefined();
    }
    const latest = new ApiClient(server.url, (await login(anon(), u.username, STRONG_PASSWORD)).data!.login.token);
    const sessions = await latest.gql(Q.sessions);
    expect(sessions.data?.sessions).toHaveLength(MAX_SESSIONS_PER_ACCOUNT);
    // The very first session (from newUser) was the least recently used: it has ended.
    expect((await first.gql(Q.me)).data?.me).toBeNull();
    expect((await latest.gql(Q.me)).data?.me.id).toBe(u.id);
  });

  it('counts IPv6 clients per /64 for per-address limits, and IPv4-mapped addresses as IPv4', async () => {
    const register = (ip: string, name: string) =>
      anon().gql(Q.register, { input: { username: name, email: `${name}@example.com`, password: STRONG_PASSWORD } }, { 'x-forwarded-for': ip });
    const tag = Date.now().toString(36);
    for (const [i, ip] of ['2001:db8:1:2::a', '2001:db8:1:2:ffff::b', '2001:0db8:0001:0002:0:0:0:c'].entries()) {
      expect((await register(ip, `v6_${tag}_${i}`)).errors).toBeUndefined();
    }
    // A fourth address in the same /64 shares the three-an-hour budget...
    expect(codeOf(await register('2001:db8:1:2::d', `v6_${tag}_3`))).toBe('RATE_LIMITED');
    // ...a neighbouring /64 does not.
    expect((await register('2001:db8:1:3::a', `v6_${tag}_4`)).errors).toBeUndefined();
    for (const [i, ip] of ['203.0.113.9', '::ffff:203.0.113.9', '203.0.113.9'].entries()) {
      expect((await register(ip, `v4_${tag}_${i}`)).errors).toBeUndefined();
    }
    expect(codeOf(await register('::ffff:203.0.113.9', `v4_${tag}_3`))).toBe('RATE_LIMITED');
  });

  it('answers NUL bytes in account inputs with BAD_USER_INPUT or the usual error, never an internal error', async () => {
    const cases: Array<[string, Record<string, unknown>, ApiClient]> = [
      [Q.login, { input: { username: `${user.username}\u0000`, password: STRONG_PASSWORD } }, anon()],
      [Q.login, { input: { username: user.username, password: `${STRONG_PASSWORD}\u0000` } }, anon()],
      [Q.register, { input: { username: 'nul\u0000user', email: 'nul@example.com', password: STRONG_PASSWORD } }, anon()],
      [Q.register, { input: { username: 'nuluser', email: 'nul\u0000@example.com', password: STRONG_PASSWORD } }, anon()],
      [Q.requestReset, { email: `${user.email}\u0000` }, anon()],
      [Q.resetPassword, { input: { token: `${'a'.repeat(42)}\u0000`, newPassword: STRONG_PASSWORD } }, anon()],
      [Q.verifyEmail, { token: '\u0000' }, anon()],
      [Q.revokeSession, { id: '\u0000' }, user.client],
      [Q.revokeApiToken, { id: `${'0'.repeat(35)}\u0000` }, user.client],
    ];
    for (const [query, variables, client] of cases) {
      const res = await client.gql(query, variables, { 'x-forwarded-for': '198.18.0.1' });
      expect(res.status, res.raw).toBeLessThan(500);
      expect(['BAD_USER_INPUT', 'UNAUTHENTICATED', 'NOT_FOUND', undefined], res.raw).toContain(codeOf(res));
    }
  });

  it('answers a cursor with an out-of-range time with BAD_USER_INPUT', async () => {
    for (const time of [1e300, -1e300, 8.64e15 + 1]) {
      const after = Buffer.from(JSON.stringify([time, '00000000-0000-4000-8000-000000000000'])).toString('base64url');
      const res = await user.client.gql('query($after: String) { images(after: $after) { totalCount } }', { after });
      expect(codeOf(res), res.raw).toBe('BAD_USER_INPUT');
    }
  });
});

describe('the SQLite file', () => {
  let server: TestServer;
  afterAll(async () => {
    await server?.close();
  });

  it('is private to the server user (0600), like the key file', async () => {
    server = await startTestServer('sqlite');
    const file = path.join(server.dataDir, 'lockframe.sqlite');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    for (const extra of ['-wal', '-shm']) {
      const info = await stat(file + extra).catch(() => null);
      if (info) expect(info.mode & 0o777).toBe(0o600);
    }
  });
});
