import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiToken } from '../../src/modules/token/api-token.entity.js';
import * as fixtures from '../fixtures/images.js';
import { loginOk, Q } from '../support/accounts.js';
import { ApiClient, codeOf, newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

// Every test makes its own users (and client addresses), so the tests run concurrently.
describe.concurrent.each(databases)('API tokens and sessions on %s', (kind) => {
  let server: TestServer;
  let anon: ApiClient;
  let jpeg: Buffer;

  beforeAll(async () => {
    [server, jpeg] = await Promise.all([startTestServer(kind), fixtures.jpeg({ width: 48, height: 32 })]);
    anon = new ApiClient(server.url);
  });
  afterAll(() => server?.close());

  async function createToken(u: TestUser, input: Record<string, unknown> = { name: 'backup script' }) {
    const res = await u.client.gql(Q.createApiToken, { input });
    if (res.errors) throw new Error(`createApiToken failed: ${res.raw}`);
    return res.data!.createApiToken as { secret: string; token: ApiTokenView };
  }

  describe('API tokens', () => {
    it('shows a recognizable lfk_ secret once; lists never show it; only its hash is stored', async () => {
      const u = await newUser(server.url);
      const created = await createToken(u, { name: '  nightly backup  ' });
      expect(created.secret).toMatch(/^lfk_[A-Za-z0-9_-]{43}$/);
      expect(created.token).toMatchObject({ name: 'nightly backup', prefix: created.secret.slice(0, 12), lastUsedAt: null, expiresAt: null });

      const list = await u.client.gql(Q.apiTokens);
      expect(list.data!.apiTokens).toHaveLength(1);
      expect(list.data!.apiTokens[0].id).toBe(created.token.id);
      expect(list.raw).not.toContain(created.secret);
      expect(list.raw).not.toContain(created.secret.slice(12));

      const row = await server.orm.em.fork().findOneOrFail(ApiToken, { id: created.token.id });
      expect(row.tokenHash).toBe(sha256(created.secret));
      expect(JSON.stringify(row)).not.toContain(created.secret.slice(12));
    });

    it('authenticates GraphQL and media requests as bearer, and records when it was last used', async () => {
      const u = await newUser(server.url);
      const image = await u.client.uploadOk(jpeg, 'token.jpg');
      const { secret, token } = await createToken(u);
      const script = new ApiClient(server.url, secret);

      expect((await script.gql(Q.me)).data!.me).toMatchObject({ id: u.id, username: u.username });
      const original = await script.media(image.originalUrl);
      expect(original.status).toBe(200);
      expect(Buffer.from(await original.arrayBuffer()).equals(jpeg)).toBe(true);
      expect((await anon.media(image.originalUrl)).status).not.toBe(200);

      const listed = (await u.client.gql(Q.apiTokens)).data!.apiTokens.find((t: { id: string }) => t.id === token.id);
      expect(listed.lastUsedAt).not.toBeNull();
      expect(Math.abs(new Date(listed.lastUsedAt).getTime() - Date.now())).toBeLessThan(60_000);
    });

    it('is dead once revoked, on GraphQL and media routes alike', async () => {
      const u = await newUser(server.url);
      const image = await u.client.uploadOk(jpeg, 'revoked.jpg');
      const { secret, token } = await createToken(u);
      const script = new ApiClient(server.url, secret);
      expect((await script.gql(Q.me)).data!.me.id).toBe(u.id);

      expect((await u.client.gql(Q.revokeApiToken, { id: token.id })).data).toEqual({ revokeApiToken: true });
      expect((await script.gql(Q.me)).data!.me).toBeNull();
      // A dead token is no credential at all: answered like an anonymous request.
      const media = await script.media(image.originalUrl);
      expect(media.status).toBe(401);
      expect(media.status).toBe((await anon.media(image.originalUrl)).status);
      expect((await u.client.gql(Q.apiTokens)).data!.apiTokens).toEqual([]);
      expect(codeOf(await u.client.gql(Q.revokeApiToken, { id: token.id }))).toBe('NOT_FOUND');
      // The session that revoked it is unaffected.
      expect((await u.client.gql(Q.me)).data!.me.id).toBe(u.id);
    });

    it('expires: a token past its expires_at is dead', async () => {
      const u = await newUser(server.url);
      const { secret, token } = await createToken(u, { name: 'short-lived', expiresInDays: 1 });
      expect(new Date(token.expiresAt!).getTime() - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
      const script = new ApiClient(server.url, secret);
      expect((await script.gql(Q.me)).data!.me.id).toBe(u.id);
      await server.orm.em.fork().nativeUpdate(ApiToken, { id: token.id }, { expiresAt: new Date(Date.now() - 1000) });
      expect((await script.gql(Q.me)).data!.me).toBeNull();
      expect(codeOf(await script.upload(jpeg))).toBe('UNAUTHENTICATED');
    });

    it('refuses bad names and expiries, and needs a login', async () => {
      const u = await newUser(server.url);
      for (const [input, field] of [
        [{ name: '' }, 'name'],
        [{ name: '   ' }, 'name'],
        [{ name: 'x'.repeat(101) }, 'name'],
        [{ name: 'ok', expiresInDays: 0 }, 'expiresInDays'],
        [{ name: 'ok', expiresInDays: -5 }, 'expiresInDays'],
        [{ name: 'ok', expiresInDays: 3651 }, 'expiresInDays'],
      ] as const) {
        const res = await u.client.gql(Q.createApiToken, { input });
        expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      }
      expect(codeOf(await anon.gql(Q.createApiToken, { input: { name: 'anon' } }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await anon.gql(Q.apiTokens))).toBe('UNAUTHENTICATED');
    });

    it('is revoked by logout when it is what authenticated the request', async () => {
      const u = await newUser(server.url);
      const { secret, token } = await createToken(u);
      const script = new ApiClient(server.url, secret);
      expect((await script.gql(Q.logout)).data).toEqual({ logout: true });
      expect((await script.gql(Q.me)).data!.me).toBeNull();
      const left = (await u.client.gql(Q.apiTokens)).data!.apiTokens;
      expect(left.map((t: { id: string }) => t.id)).not.toContain(token.id);
      // The user's session was not what logged out.
      expect((await u.client.gql(Q.me)).data!.me.id).toBe(u.id);
    });

    it("cannot be listed or revoked by another user (NOT_FOUND, like a missing one)", async () => {
      const alice = await newUser(server.url);
      const bob = await newUser(server.url);
      const { secret, token } = await createToken(alice);
      expect((await bob.client.gql(Q.apiTokens)).data!.apiTokens).toEqual([]);
      const attempt = await bob.client.gql(Q.revokeApiToken, { id: token.id });
      expect(codeOf(attempt)).toBe('NOT_FOUND');
      const missing = await bob.client.gql(Q.revokeApiToken, { id: '00000000-0000-4000-8000-000000000000' });
      expect(attempt.errors![0]!.message).toBe(missing.errors![0]!.message);
      expect((await new ApiClient(server.url, secret).gql(Q.me)).data!.me.id).toBe(alice.id);
    });

    it('ignores look-alike and tampered tokens', async () => {
      const u = await newUser(server.url);
      const { secret } = await createToken(u);
      const last = secret.at(-1) === 'A' ? 'B' : 'A';
      for (const bogus of [`${secret.slice(0, -1)}${last}`, 'lfk_', `lfk_${'A'.repeat(43)}`, `${secret}x`, secret.slice(4)]) {
        expect((await new ApiClient(server.url, bogus).gql(Q.me)).data!.me).toBeNull();
      }
    });
  });

  describe('sessions', () => {
    it('lists each session with its device, address and which one is current', async () => {
      const u = await newUser(server.url);
      const phone = await loginOk(server.url, u.username, u.password, { 'user-agent': 'LockframeTest/1.0 (Phone)' });
      const laptop = await loginOk(server.url, u.username, u.password, { 'user-agent': 'LockframeTest/2.0 (Laptop)' });
      const res = await phone.gql(Q.sessions, undefined, { 'user-agent': 'LockframeTest/1.0 (Phone)' });
      const sessions = res.data!.sessions as Array<{ id: string; userAgent: string; ip: string; current: boolean }>;
      expect(sessions).toHaveLength(3);
      expect(sessions.filter((s) => s.current)).toHaveLength(1);
      expect(sessions.find((s) => s.current)!.userAgent).toBe('LockframeTest/1.0 (Phone)');
      expect(sessions.map((s) => s.userAgent)).toContain('LockframeTest/2.0 (Laptop)');
      for (const s of sessions) expect(s.ip).toMatch(/127\.0\.0\.1/);
      // The laptop sees the same sessions with its own marked current.
      const fromLaptop = (await laptop.gql(Q.sessions)).data!.sessions as typeof sessions;
      expect(fromLaptop.find((s) => s.current)!.userAgent).toBe('LockframeTest/2.0 (Laptop)');
      expect(fromLaptop.map((s) => s.id).sort()).toEqual(sessions.map((s) => s.id).sort());
      expect(codeOf(await anon.gql(Q.sessions))).toBe('UNAUTHENTICATED');
    });

    it('revokeSession ends that one session and no other', async () => {
      const u = await newUser(server.url);
      const other = await loginOk(server.url, u.username, u.password, { 'user-agent': 'LockframeTest/other' });
      const sessions = (await u.client.gql(Q.sessions)).data!.sessions as Array<{ id: string; userAgent: string; current: boolean }>;
      const target = sessions.find((s) => s.userAgent === 'LockframeTest/other')!;
      expect(target.current).toBe(false);
      expect((await u.client.gql(Q.revokeSession, { id: target.id })).data).toEqual({ revokeSession: true });
      expect((await other.gql(Q.me)).data!.me).toBeNull();
      expect((await u.client.gql(Q.me)).data!.me.id).toBe(u.id);
      const after = (await u.client.gql(Q.sessions)).data!.sessions as Array<{ id: string }>;
      expect(after.map((s) => s.id)).not.toContain(target.id);
      expect(codeOf(await u.client.gql(Q.revokeSession, { id: target.id }))).toBe('NOT_FOUND');
    });

    it('revokeOtherSessions keeps only the current session', async () => {
      const u = await newUser(server.url);
      const others = [await loginOk(server.url, u.username, u.password), await loginOk(server.url, u.username, u.password)];
      expect((await u.client.gql(Q.revokeOtherSessions)).data).toEqual({ revokeOtherSessions: 2 });
      for (const o of others) expect((await o.gql(Q.me)).data!.me).toBeNull();
      expect((await u.client.gql(Q.me)).data!.me.id).toBe(u.id);
      const left = (await u.client.gql(Q.sessions)).data!.sessions;
      expect(left).toHaveLength(1);
      expect(left[0].current).toBe(true);
    });

    it("cannot see or revoke another user's session", async () => {
      const alice = await newUser(server.url);
      const bob = await newUser(server.url);
      const aliceSessions = (await alice.client.gql(Q.sessions)).data!.sessions as Array<{ id: string }>;
      const bobSessions = (await bob.client.gql(Q.sessions)).data!.sessions as Array<{ id: string }>;
      expect(bobSessions.map((s) => s.id)).not.toContain(aliceSessions[0]!.id);
      const attempt = await bob.client.gql(Q.revokeSession, { id: aliceSessions[0]!.id });
      expect(codeOf(attempt)).toBe('NOT_FOUND');
      expect((await bob.client.gql(Q.revokeOtherSessions)).data).toEqual({ revokeOtherSessions: 0 });
      expect((await alice.client.gql(Q.me)).data!.me.id).toBe(alice.id);
    });
  });
});
