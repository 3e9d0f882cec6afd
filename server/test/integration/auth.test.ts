import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { ApiClient, codeOf, newUser, STRONG_PASSWORD } from '../support/client.js';

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { id username email emailVerified createdAt } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { token user { id username } } }`;
const ME = `{ me { id username email } }`;
const LOGOUT = `mutation { logout }`;

describe.each(databases)('accounts and sessions on %s', (kind) => {
  let server: TestServer;
  let anon: ApiClient;

  beforeAll(async () => {
    server = await startTestServer(kind);
    anon = new ApiClient(server.url);
  });
  afterAll(() => server?.close());

  it('registers with a UUID id, lower-cases the username and never returns the hash', async () => {
    const res = await anon.gql(REGISTER, {
      input: { username: 'Alice_01', email: 'Alice@Example.COM', password: STRONG_PASSWORD },
    });
    expect(res.errors).toBeUndefined();
    const user = res.data!.register;
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(user).toMatchObject({ username: 'alice_01', email: 'alice@example.com', emailVerified: false });
    expect(new Date(user.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(res.raw).not.toMatch(/argon2/);
  });

  it('refuses duplicate usernames case-insensitively', async () => {
    await newUser(server.url, { username: 'bob_dup', email: 'bob@example.com' });
    const sameName = await anon.gql(REGISTER, {
      input: { username: 'BOB_DUP', email: 'other@example.com', password: STRONG_PASSWORD },
    });
    expect(codeOf(sameName)).toBe('BAD_USER_INPUT');
    expect(sameName.errors![0]!.extensions!.field).toBe('username');
  });

  it('does not reveal a registered e-mail address: the answer looks like success, nothing is created', async () => {
    const owner = await newUser(server.url, { username: 'carol_mail', email: 'carol@example.com' });
    const fresh = await anon.gql(REGISTER, {
      input: { username: 'carol_fresh', email: 'carol-new@example.com', password: STRONG_PASSWORD },
    });
    const taken = await anon.gql(REGISTER, {
      input: { username: 'carol_other', email: 'CAROL@example.com', password: STRONG_PASSWORD },
    });
    expect(taken.errors).toBeUndefined();
    expect(Object.keys(taken.data!.register).sort()).toEqual(Object.keys(fresh.data!.register).sort());
    expect(taken.data!.register.id).not.toBe(owner.id);
    const login = await anon.gql(LOGIN, { input: { username: 'carol_other', password: STRONG_PASSWORD } });
    expect(codeOf(login)).toBe('UNAUTHENTICATED');
    const rows = await server.orm.em.fork().getConnection().execute("select count(*) as n from users where email = 'carol@example.com'");
    expect(Number(rows[0].n)).toBe(1);
  });

  it.each([
    ['ab', 'short@example.com', STRONG_PASSWORD, 'username'],
    ['a'.repeat(33), 'long@example.com', STRONG_PASSWORD, 'username'],
    ['bad name', 'space@example.com', STRONG_PASSWORD, 'username'],
    ['../etc', 'dots@example.com', STRONG_PASSWORD, 'username'],
    ['<script>', 'xss@example.com', STRONG_PASSWORD, 'username'],
    ['validname1', 'not-an-email', STRONG_PASSWORD, 'email'],
    ['validname2', 'a@b', STRONG_PASSWORD, 'email'],
    ['validname3', 'ok3@example.com', 'Short-1a', 'password'],
    ['validname4', 'ok4@example.com', 'alllowercase-123', 'password'],
    ['validname5', 'ok5@example.com', 'ALLUPPERCASE-123', 'password'],
    ['validname6', 'ok6@example.com', 'NoDigitsHere-abc', 'password'],
    ['validname7', 'ok7@example.com', 'NoSymbols123abc', 'password'],
    ['validname8', 'ok8@example.com', 'Aa1!' + 'x'.repeat(125), 'password'],
  ])('refuses bad input %s / %s / %s with a field-specific message', async (username, email, password, field) => {
    const res = await anon.gql(REGISTER, { input: { username, email, password } });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.extensions!.field).toBe(field);
    expect(res.errors![0]!.message.length).toBeGreaterThan(10);
  });

  it('logs in by username or e-mail, sets an HttpOnly SameSite=Lax cookie, and the token works as bearer', async () => {
    const u = await newUser(server.url);
    for (const login of [u.username, u.email.toUpperCase()]) {
      const res = await anon.gql(LOGIN, { input: { username: login, password: u.password } });
      expect(res.errors).toBeUndefined();
      expect(res.data!.login.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const cookie = res.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^lockframe_session=/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).not.toMatch(/Secure/i);
      const me = await new ApiClient(server.url, res.data!.login.token).gql(ME);
      expect(me.data!.me.username).toBe(u.username);
      // The cookie alone authenticates too.
      const value = cookie.split(';')[0]!;
      const viaCookie = await anon.gql(ME, undefined, { cookie: value });
      expect(viaCookie.data!.me.id).toBe(u.id);
    }
  });

  it('issues a new token at every login', async () => {
    const u = await newUser(server.url);
    const a = await anon.gql(LOGIN, { input: { username: u.username, password: u.password } });
    const b = await anon.gql(LOGIN, { input: { username: u.username, password: u.password } });
    expect(a.data!.login.token).not.toBe(b.data!.login.token);
  });

  it('gives one generic error for unknown users and wrong passwords', async () => {
    const u = await newUser(server.url);
    const wrong = await anon.gql(LOGIN, { input: { username: u.username, password: 'Wrong-Password-123' } });
    const unknown = await anon.gql(LOGIN, { input: { username: 'nobody_here', password: 'Wrong-Password-123' } });
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(codeOf(unknown)).toBe('UNAUTHENTICATED');
    expect(wrong.errors![0]!.message).toBe(unknown.errors![0]!.message);
    const huge = await anon.gql(LOGIN, { input: { username: u.username, password: 'x'.repeat(100_000) } });
    expect(codeOf(huge)).toBe('UNAUTHENTICATED');
  });

  it('stores only a hash of the session token', async () => {
    const u = await newUser(server.url);
    const rows = await server.orm.em.fork().getConnection().execute('select token_hash from sessions');
    const hashes = rows.map((r: { token_hash: string }) => r.token_hash);
    expect(hashes.length).toBeGreaterThan(0);
    expect(hashes).not.toContain(u.token);
    expect(hashes.every((h: string) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
  });

  it('me is null without credentials and with a bogus or malformed token', async () => {
    expect((await anon.gql(ME)).data!.me).toBeNull();
    expect((await new ApiClient(server.url, 'A'.repeat(43)).gql(ME)).data!.me).toBeNull();
    expect((await anon.gql(ME, undefined, { authorization: 'Basic Zm9vOmJhcg==' })).data!.me).toBeNull();
    expect((await anon.gql(ME, undefined, { cookie: 'lockframe_session=%00%ff' })).data!.me).toBeNull();
  });

  it('ignores tokens in URLs', async () => {
    const u = await newUser(server.url);
    const res = await fetch(`${server.url}/graphql?token=${u.token}&access_token=${u.token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: ME }),
    });
    expect(((await res.json()) as { data: { me: unknown } }).data.me).toBeNull();
  });

  it('logout revokes the token and clears the cookie', async () => {
    const u = await newUser(server.url);
    const out = await u.client.gql(LOGOUT);
    expect(out.data!.logout).toBe(true);
    expect(out.headers.get('set-cookie')).toMatch(/lockframe_session=;/);
    expect((await u.client.gql(ME)).data!.me).toBeNull();
    const again = await u.client.gql(LOGOUT);
    expect(codeOf(again)).toBe('UNAUTHENTICATED');
  });

  it('refuses a mutation sent with GET and a simple-request GET without the preflight header', async () => {
    const q = encodeURIComponent(`mutation { logout }`);
    const res = await fetch(`${server.url}/graphql?query=${q}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(405);
    const csrf = await fetch(`${server.url}/graphql?query=${encodeURIComponent(ME)}`);
    expect(csrf.status).toBe(400);
  });

  it('answers malformed JSON and unknown fields with a 4xx and no stack trace', async () => {
    const bad = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).not.toMatch(/at .*\.(js|ts):\d+/);
    const unknown = await anon.gql(`{ nope }`);
    expect(unknown.status).toBe(400);
    expect(codeOf(unknown)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(unknown.raw).not.toMatch(/stacktrace/);
    const batch = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: ME }, { query: ME }]),
    });
    expect(batch.status).toBe(400);
  });

  it('expires sessions past the idle timeout', async () => {
    const u = await newUser(server.url);
    const em = server.orm.em.fork();
    await em.getConnection().execute('update sessions set last_seen_at = ? where user_id = ?', [
      new Date(Date.now() - server.env.sessionIdleMs - 1000),
      u.id,
    ]);
    expect((await u.client.gql(ME)).data!.me).toBeNull();
  });

  it('expires sessions past the absolute lifetime', async () => {
    const u = await newUser(server.url);
    const em = server.orm.em.fork();
    await em.getConnection().execute('update sessions set expires_at = ? where user_id = ?', [new Date(Date.now() - 1000), u.id]);
    expect((await u.client.gql(ME)).data!.me).toBeNull();
  });
});
