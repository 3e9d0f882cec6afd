import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { loadEnv } from '../../src/config/env.js';
import { openDatabase } from '../../src/db/orm.js';
import { RateEvent } from '../../src/modules/ratelimit/rate-event.entity.js';
import { User } from '../../src/modules/user/user.entity.js';
import { auditRows, countAudit, login, outboxMails, Q } from '../support/accounts.js';
import { ApiClient, codeOf, newUser, STRONG_PASSWORD, type GqlResponse, type TestUser } from '../support/client.js';
import { createMysqlDatabase, databases } from '../support/databases.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { startTestServer, startTestServerOn, type TestServer } from '../support/server.js';
import { linkToken } from '../support/smtp.js';

const WRONG = 'Wrong-Password-123';
const NEW_PASSWORD = 'Another-Strong-Pass-77';
// DEFAULT_RULES.loginAccount: 5 free failures, then waits, locked after 10.
const FREE = 5;
const LOCK_AFTER = 10;

let ipCounter = 1;
/** A client address of its own (the server trusts X-Forwarded-For), so tests don't share per-IP limits. */
const freshIp = () => ({ 'x-forwarded-for': `198.51.100.${ipCounter++}` });

const retryAfter = (res: GqlResponse) => res.errors?.[0]?.extensions?.retryAfterSeconds as number | undefined;

/** Moves every counted failure of a key to `ms` ago: a wait has passed, or (0) the last failure was just now. */
async function age(server: { orm: TestServer['orm'] }, key: string, ms: number) {
  await server.orm.em.fork().nativeUpdate(RateEvent, { key }, { at: new Date(Date.now() - ms) });
}

describe.each(databases)('brute-force defence on %s', (kind) => {
  let server: TestServer;
  let anon: ApiClient;
  /** Watches the password check (where argon2 runs), passing every call through. */
  let verify: MockInstance;
  /** How many times a login name reached the password check. */
  const passwordChecks = (username: string) => verify.mock.calls.filter(([user]) => user?.username === username).length;
  /** A fresh user, and a counter of password checks for their name from now on (not the factory's login). */
  async function victim() {
    const u = await newUser(server.url);
    const base = passwordChecks(u.username);
    return { u, checks: () => passwordChecks(u.username) - base };
  }

  beforeAll(async () => {
    server = await startTestServer(kind, { TRUST_PROXY: 'true' });
    anon = new ApiClient(server.url);
    verify = vi.spyOn(server.app.services.users, 'verifyCredentials');
  });
  afterAll(() => server?.close());

  it('throttles 30 wrong passwords in a row after 5, and throttled attempts never run argon2', async () => {
    const { u, checks } = await victim();
    const ip = freshIp();
    const results: GqlResponse[] = [];
    for (let i = 0; i < 30; i++) {
      // The progressive wait runs from the newest failure; keep that "just now", as for a fast
      // attacker, however slow this machine is.
      if (i >= FREE) await age(server, `login:name:${u.username}`, 0);
      results.push(await login(anon, u.username, WRONG, ip));
    }
    const codes = results.map(codeOf);
    expect(codes).toEqual([...Array(FREE).fill('UNAUTHENTICATED'), ...Array(30 - FREE).fill('RATE_LIMITED')]);
    for (const res of results.slice(FREE)) {
      expect(retryAfter(res)).toBeGreaterThan(0);
      expect(res.errors![0]!.extensions).toMatchObject({ locked: false });
      expect(res.errors![0]!.message).toMatch(/Try again in \d+ seconds/);
    }
    // Only the first five reached the password check (argon2); the log agrees.
    expect(checks()).toBe(FREE);
    expect(await countAudit(server, u.id, 'login.failure')).toBe(FREE);
    // Throttled attempts fold into one row with a count (an attacker can repeat them at will).
    const throttled = await auditRows(server, { userId: u.id, event: 'login.throttled' });
    expect(throttled).toHaveLength(1);
    expect(throttled[0]!.details).toMatchObject({ repeated: 30 - FREE });
    // While throttled, even the right password is not tried.
    await age(server, `login:name:${u.username}`, 0);
    const right = await login(anon, u.username, u.password, ip);
    expect(codeOf(right)).toBe('RATE_LIMITED');
    expect(right.data).toBeNull();
    expect(checks()).toBe(FREE);
  });

  it('lets one more try through once the progressive wait has passed, then waits longer', async () => {
    const { u, checks } = await victim();
    const ip = freshIp();
    for (let i = 0; i < FREE; i++) await login(anon, u.username, WRONG, ip);
    await age(server, `login:name:${u.username}`, 0);
    const first = await login(anon, u.username, WRONG, ip);
    expect(retryAfter(first)).toBe(2);
    await age(server, `login:name:${u.username}`, 2_100);
    expect(codeOf(await login(anon, u.username, WRONG, ip))).toBe('UNAUTHENTICATED');
    await age(server, `login:name:${u.username}`, 0);
    const second = await login(anon, u.username, WRONG, ip);
    expect(codeOf(second)).toBe('RATE_LIMITED');
    expect(retryAfter(second)).toBe(4);
    expect(checks()).toBe(FREE + 1);
  });

  it('keeps throttling the account when every attempt comes from a different address', async () => {
    const u = await newUser(server.url);
    const codes: unknown[] = [];
    for (let i = 0; i < 8; i++) {
      // The waits start at the newest failure; keep it "just now" whatever this machine's speed.
      if (i >= FREE) await age(server, `login:name:${u.username}`, 0);
      codes.push(codeOf(await login(anon, u.username, WRONG, freshIp())));
    }
    expect(codes).toEqual([...Array(FREE).fill('UNAUTHENTICATED'), ...Array(8 - FREE).fill('RATE_LIMITED')]);
    await age(server, `login:name:${u.username}`, 0);
    expect(codeOf(await login(anon, u.username, u.password, freshIp()))).toBe('RATE_LIMITED');
  });

  it('throttles each login name on its own: failures by username say nothing about which address is the same account', async () => {
    const u = await newUser(server.url);
    const stranger = await newUser(server.url);
    const ip = freshIp();
    // The username is locked (10 failures, each wait let pass).
    for (let i = 0; i < LOCK_AFTER; i++) {
      await age(server, `login:name:${u.username}`, 5 * 60_000);
      expect(codeOf(await login(anon, u.username, WRONG, ip))).toBe('UNAUTHENTICATED');
    }
    expect(await login(anon, u.username, u.password, ip)).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED', locked: true } }] });
    // Probing addresses: the account's own answers exactly like any other account's.
    const own = await login(anon, u.email, WRONG, ip);
    const other = await login(anon, stranger.email, WRONG, ip);
    expect(codeOf(own)).toBe('UNAUTHENTICATED');
    expect(own.errors![0]!.message).toBe(other.errors![0]!.message);
    // So the owner still gets in by address while someone holds the username locked.
    const byAddress = await login(anon, u.email, u.password, freshIp());
    expect(byAddress.errors).toBeUndefined();
    expect(byAddress.data!.login.user.id).toBe(u.id);
  });

  it('treats an unknown account exactly like a known one (same errors, same throttling)', async () => {
    const u = await newUser(server.url);
    const ip = freshIp();
    const known: GqlResponse[] = [];
    const unknown: GqlResponse[] = [];
    for (let i = 0; i < FREE + 1; i++) {
      known.push(await login(anon, u.username, WRONG, ip));
      unknown.push(await login(anon, `ghost_${u.username}`, WRONG, ip));
    }
    expect(known.map((r) => r.errors![0]!.message)).toEqual(unknown.map((r) => r.errors![0]!.message));
    expect(known.map(codeOf)).toEqual(unknown.map(codeOf));
    expect(codeOf(known[FREE]!)).toBe('RATE_LIMITED');
  });

  it('refuses 50 aliased logins in one document before any password is checked', async () => {
    const { u, checks } = await victim();
    const fields = Array.from(
      { length: 50 },
      (_, i) => `a${i}: login(input: { username: ${JSON.stringify(u.username)}, password: "Guess-Number-${i}!" }) { token }`,
    );
    const res = await anon.gql(`mutation { ${fields.join('\n')} }`, undefined, freshIp());
    expect(res.status).toBe(400);
    expect(res.data ?? null).toBeNull();
    expect(res.errors![0]!.message).toMatch(/Aliases limit of 15 exceeded/);
    expect(checks()).toBe(0);
    expect(await countAudit(server, u.id, 'login.failure')).toBe(0);
  });

  it('does not let 10 aliased logins test 10 passwords, nor log in with the 10th (right) one once throttled', async () => {
    const { u, checks } = await victim();
    const ip = freshIp();
    const doc = (passwords: string[]) =>
      `mutation { ${passwords
        .map((p, i) => `a${i}: login(input: { username: ${JSON.stringify(u.username)}, password: ${JSON.stringify(p)} }) { token }`)
        .join('\n')} }`;
    const guesses = [...Array.from({ length: 9 }, (_, i) => `Guess-Number-${i}!`), u.password];

    const first = await anon.gql(doc(guesses), undefined, ip);
    expect(first.raw).not.toMatch(/"token"\s*:\s*"/);
    expect(checks()).toBeLessThanOrEqual(FREE);

    // Use up the free attempts, then the same document with the right password last.
    while (checks() < FREE) await login(anon, u.username, WRONG, ip);
    await age(server, `login:name:${u.username}`, 0);
    const checksBefore = checks();
    const second = await anon.gql(doc(guesses), undefined, ip);
    expect(second.raw).not.toMatch(/"token"\s*:\s*"/);
    expect(second.errors!.every((e) => e.extensions?.code === 'RATE_LIMITED')).toBe(true);
    expect(checks()).toBe(checksBefore);
    // All ten the right password: still nothing.
    const third = await anon.gql(doc(Array(10).fill(u.password)), undefined, ip);
    expect(third.raw).not.toMatch(/"token"\s*:\s*"/);
    expect(codeOf(third)).toBe('RATE_LIMITED');
    expect(checks()).toBe(checksBefore);
  });

  it('refuses batched login requests', async () => {
    const { u, checks } = await victim();
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...freshIp() },
      body: JSON.stringify(
        Array.from({ length: 10 }, (_, i) => ({ query: Q.login, variables: { input: { username: u.username, password: `Guess-${i}-Pass!` } } })),
      ),
    });
    expect(res.status).toBe(400);
    expect(checks()).toBe(0);
  });

  it('does not let parallel requests slip past the limit: at most the free attempts reach argon2', async () => {
    const { u, checks } = await victim();
    const ip = freshIp();
    const results = await Promise.all(Array.from({ length: 20 }, () => login(anon, u.username, WRONG, ip)));
    const codes = results.map(codeOf);
    expect(codes.every((c) => c === 'UNAUTHENTICATED' || c === 'RATE_LIMITED')).toBe(true);
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(20 - FREE);
    expect(checks()).toBeLessThanOrEqual(FREE);
    expect(await countAudit(server, u.id, 'login.failure')).toBeLessThanOrEqual(FREE);
  });

  it('locks the account after 10 failures, and a password reset gets the owner back in', async () => {
    const u = await newUser(server.url);
    const ip = freshIp();
    const key = `login:name:${u.username}`;
    // Both of its names are locked: the username, then the address.
    for (const name of [u.email, u.username]) {
      for (let i = 0; i < LOCK_AFTER; i++) {
        // Let the progressive wait of the previous failure pass (the window is 15 minutes).
        await age(server, `login:name:${name}`, 5 * 60_000);
        const res = await login(anon, name, WRONG, ip);
        expect(codeOf(res)).toBe('UNAUTHENTICATED');
      }
    }
    await age(server, key, 60_000);
    expect(await login(anon, u.email, u.password, ip)).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED', locked: true } }] });
    const locked = await login(anon, u.username, u.password, ip);
    expect(codeOf(locked)).toBe('RATE_LIMITED');
    expect(locked.errors![0]!.extensions).toMatchObject({ locked: true });
    // 15 minutes from the last failure, which we moved a minute back.
    expect(retryAfter(locked)).toBeGreaterThan(13 * 60);
    expect(retryAfter(locked)).toBeLessThanOrEqual(15 * 60);
    expect(locked.errors![0]!.message).toMatch(/locked for 14 minutes.*reset your password/);
    expect(await countAudit(server, u.id, 'lockout')).toBe(2);

    // The owner asks for a reset link (no SMTP here: it lands in the outbox) and uses it.
    const requested = await anon.gql(Q.requestReset, { email: u.email }, ip);
    expect(requested.data).toEqual({ requestPasswordReset: true });
    const mail = (await outboxMails(server)).filter((m) => m.to.includes(u.email) && /reset/i.test(m.subject)).at(-1);
    expect(mail).toBeDefined();
    const reset = await anon.gql(Q.resetPassword, { input: { token: linkToken(mail!.text, 'reset-password'), newPassword: NEW_PASSWORD } }, ip);
    expect(reset.errors).toBeUndefined();
    for (const name of [u.username, u.email]) {
      const back = await login(anon, name, NEW_PASSWORD, ip);
      expect(back.errors).toBeUndefined();
      expect(back.data!.login.token).toBeTruthy();
    }
  });

  it('limits failures per client address across many accounts, and only for that address', async () => {
    const victim = await newUser(server.url);
    const attacker = freshIp();
    // 30 at once: each counts the others' attempts, never more than 29, so all 30 are tried.
    const failures = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(anon, `nobody_${i}_${randomBytes(3).toString('hex')}`, WRONG, attacker)),
    );
    expect(failures.map(codeOf)).toEqual(Array(30).fill('UNAUTHENTICATED'));
    await age(server, `login:ip:${attacker['x-forwarded-for']}`, 0);
    const blocked = await login(anon, victim.username, victim.password, attacker);
    expect(codeOf(blocked)).toBe('RATE_LIMITED');
    expect(retryAfter(blocked)).toBeGreaterThan(0);
    // The victim's own account is untouched: from elsewhere, they log in.
    const elsewhere = await login(anon, victim.username, victim.password, freshIp());
    expect(elsewhere.errors).toBeUndefined();
  });

  it('limits password-reset requests per address (quietly per account: no more mails, same answer)', async () => {
    const u = await newUser(server.url);
    const ip = freshIp();
    const answers: GqlResponse[] = [];
    for (let i = 0; i < 4; i++) answers.push(await anon.gql(Q.requestReset, { email: u.email }, ip));
    expect(answers.map((a) => a.data)).toEqual(Array(4).fill({ requestPasswordReset: true }));
    const resetMails = (await outboxMails(server)).filter((m) => m.to.includes(u.email) && /reset/i.test(m.subject));
    expect(resetMails).toHaveLength(3);
    for (let i = 4; i < 10; i++) {
      expect((await anon.gql(Q.requestReset, { email: `someone${i}@example.com` }, ip)).data).toEqual({ requestPasswordReset: true });
    }
    const over = await anon.gql(Q.requestReset, { email: 'someone-else@example.com' }, ip);
    expect(codeOf(over)).toBe('RATE_LIMITED');
    expect(retryAfter(over)).toBeGreaterThan(0);
    expect((await anon.gql(Q.requestReset, { email: 'someone-else@example.com' }, freshIp())).data).toEqual({
      requestPasswordReset: true,
    });
  });

  it('sends at most 3 reset mails an hour to one account, even when the requests arrive all at once', async () => {
    const u = await newUser(server.url);
    const ip = freshIp();
    const answers = await Promise.all(Array.from({ length: 8 }, () => anon.gql(Q.requestReset, { email: u.email }, ip)));
    expect(answers.map((a) => a.data)).toEqual(Array(8).fill({ requestPasswordReset: true }));
    const resetMails = (await outboxMails(server)).filter((m) => m.to.includes(u.email) && /reset/i.test(m.subject));
    // Parallel requests may all be turned away (the limit errs on the safe side), never more than 3 let through.
    expect(resetMails.length).toBeLessThanOrEqual(3);
  });

  it('holds the per-address reset limit when the requests arrive all at once', async () => {
    const ip = freshIp();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => anon.gql(Q.requestReset, { email: `burst${i}@example.com` }, ip)),
    );
    expect(results.every((r) => r.data?.requestPasswordReset === true || codeOf(r) === 'RATE_LIMITED')).toBe(true);
    expect(results.filter((r) => r.data?.requestPasswordReset === true).length).toBeLessThanOrEqual(10);
  });

  describe('registration limit', () => {
    let limited: TestServer;
    beforeAll(async () => {
      limited = await startTestServer(kind, { TRUST_PROXY: 'true', REGISTRATIONS_PER_IP_PER_HOUR: '3' });
    });
    afterAll(() => limited?.close());

    it('allows REGISTRATIONS_PER_IP_PER_HOUR accounts per address and hour, then RATE_LIMITED', async () => {
      const client = new ApiClient(limited.url);
      const ip = freshIp();
      const register = (name: string, headers: Record<string, string>) =>
        client.gql(Q.register, { input: { username: name, email: `${name}@example.com`, password: STRONG_PASSWORD } }, headers);
      for (const name of ['reg_one', 'reg_two', 'reg_three']) expect((await register(name, ip)).errors).toBeUndefined();
      const fourth = await register('reg_four', ip);
      expect(codeOf(fourth)).toBe('RATE_LIMITED');
      expect(retryAfter(fourth)).toBeGreaterThan(0);
      expect(await limited.orm.em.fork().count(User, { username: 'reg_four' })).toBe(0);
      // Another address is not affected.
      expect((await register('reg_five', freshIp())).errors).toBeUndefined();
    });

    it('holds when the registrations arrive all at once', async () => {
      const client = new ApiClient(limited.url);
      const ip = freshIp();
      const names = Array.from({ length: 10 }, (_, i) => `burst_${i}_${randomBytes(3).toString('hex')}`);
      const results = await Promise.all(
        names.map((name) =>
          client.gql(Q.register, { input: { username: name, email: `${name}@example.com`, password: STRONG_PASSWORD } }, ip),
        ),
      );
      expect(results.every((r) => !r.errors || codeOf(r) === 'RATE_LIMITED')).toBe(true);
      expect(results.filter((r) => !r.errors).length).toBeLessThanOrEqual(3);
      expect(await limited.orm.em.fork().count(User, { username: { $in: names } })).toBeLessThanOrEqual(3);
    });
  });

  describe('with two server processes on one database', () => {
    const cleanups: Array<() => Promise<unknown>> = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    it('shares failures and lockout between processes, and the lockout survives a restart', async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-bf-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const vars: Record<string, string> = { DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn' };
      if (kind === 'mysql') {
        const db = await createMysqlDatabase();
        cleanups.push(() => db.drop());
        vars.DATABASE_URL = db.url;
      }
      // A creates the database; B starts on it while A already takes the first failures.
      const a: ServerProcess = await spawnServer(vars);
      cleanups.push(() => a.stop('SIGKILL'));
      const bStarting = spawnServer(vars);
      cleanups.push(async () => (await bStarting).stop('SIGKILL'));
      // The test's own connection, to let time pass between failures.
      const orm = await openDatabase(loadEnv(vars));
      cleanups.push(() => orm.close(true));

      const u: TestUser = await newUser(a.url);
      const onA = new ApiClient(a.url);
      for (let i = 0; i < FREE; i++) expect(codeOf(await login(onA, u.username, WRONG))).toBe('UNAUTHENTICATED');
      const b: ServerProcess = await bStarting;
      expect(b.child.pid).not.toBe(a.child.pid);
      const onB = new ApiClient(b.url);
      // However long B took to start, the wait runs from a failure "just now".
      await age({ orm }, `login:name:${u.username}`, 0);
      const refused = await login(onB, u.username, u.password);
      expect(codeOf(refused)).toBe('RATE_LIMITED');
      expect(retryAfter(refused)).toBeGreaterThan(0);

      // The remaining failures alternate between the processes until the account locks.
      for (let i = FREE; i < LOCK_AFTER; i++) {
        await age({ orm }, `login:name:${u.username}`, 5 * 60_000);
        expect(codeOf(await login(i % 2 ? onB : onA, u.username, WRONG))).toBe('UNAUTHENTICATED');
      }
      for (const client of [onA, onB]) {
        const res = await login(client, u.username, u.password);
        expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', locked: true });
      }

      // Both stop; a server started afresh on the same data still refuses.
      expect(await a.stop()).toBe(0);
      expect(await b.stop()).toBe(0);
      const again = await startTestServerOn(vars);
      cleanups.push(() => again.close());
      const afterRestart = await login(new ApiClient(again.url), u.username, u.password);
      expect(afterRestart.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', locked: true });
      expect(retryAfter(afterRestart)).toBeGreaterThan(14 * 60);
    });
  });
});
