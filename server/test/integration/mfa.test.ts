import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateEvent } from '../../src/modules/ratelimit/rate-event.entity.js';
import { countAudit, loginOk, outboxMails, Q } from '../support/accounts.js';
import { ApiClient, codeOf, newUser, type GqlResponse, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { awayFromStepEdge, enableMfa, MFA, totpCode } from '../support/mfa.js';
import { startTestServer, startTestServerOn, type TestServer } from '../support/server.js';
import { linkToken } from '../support/smtp.js';

const NEW_PASSWORD = 'Another-Strong-Pass-77';
// DEFAULT_RULES.loginAccount: 5 free failures, then a wait.
const FREE = 5;

let ipCounter = 1;
/** A client address of its own (the server trusts X-Forwarded-For), so tests don't share per-IP limits. */
const freshIp = () => ({ 'x-forwarded-for': `203.0.113.${ipCounter++}` });

const fieldOf = (res: GqlResponse) => res.errors?.[0]?.extensions?.field;

const SERVER_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** The key tool (`npm run keys -- …`) on the server's own configuration. */
function runKeys(vars: Record<string, string>, ...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', ...args], {
      cwd: SERVER_DIR,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...vars },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe.each(databases)('two-factor sign-in (TOTP) on %s', (kind) => {
  let server: TestServer;
  let anon: ApiClient;

  const signIn = (username: string, password: string, otp?: string | null, headers: Record<string, string> = freshIp()) =>
    anon.gql(MFA.login, { input: { username, password, ...(otp === undefined ? {} : { otp }) } }, headers);

  /** A fresh user with TOTP on. */
  async function mfaUser(): Promise<TestUser & { secret: string; recoveryCodes: string[] }> {
    const u = await newUser(server.url);
    return { ...u, ...(await enableMfa(u.client)) };
  }

  beforeAll(async () => {
    server = await startTestServer(kind, { TRUST_PROXY: 'true' });
    anon = new ApiClient(server.url);
  });
  afterAll(() => server?.close());

  it('sets up with a sealed seed, and is on only once a code from the app is accepted', async () => {
    const u = await newUser(server.url);
    expect((await u.client.gql(MFA.me)).data!.me.mfaEnabled).toBe(false);
    const begin = await u.client.gql(MFA.begin);
    expect(begin.errors).toBeUndefined();
    const { secret, otpauthUri } = begin.data!.beginTotpSetup;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri);
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Lockframe');
    expect(decodeURIComponent(uri.pathname)).toContain(u.username);

    // At rest: sealed under the current master key, neither the base32 nor the bytes in sight.
    const rows = await server.orm.em.fork().getConnection().execute('select secret_sealed, key_id, confirmed_at from totp_credentials where user_id = ?', [u.id]);
    expect(rows).toHaveLength(1);
    const stored = String(rows[0].secret_sealed);
    expect(stored).not.toContain(secret);
    const raw = Buffer.from(secret.replace(/[^A-Z2-7]/g, ''), 'ascii');
    expect(Buffer.from(stored, 'base64').includes(raw)).toBe(false);
    expect(rows[0].key_id).toBe((await server.keys.ring()).current.id);
    expect(rows[0].confirmed_at).toBeNull();

    // Not on yet: the password alone still signs in.
    expect((await signIn(u.username, u.password)).errors).toBeUndefined();
    await awayFromStepEdge();
    for (const wrong of ['000000', totpCode(secret, 2), 'abcdef', '1'.repeat(500)]) {
      const res = await u.client.gql(MFA.enable, { code: wrong === totpCode(secret) ? '999999' : wrong });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(fieldOf(res)).toBe('code');
    }
    const enable = await u.client.gql(MFA.enable, { code: totpCode(secret) });
    expect(enable.errors).toBeUndefined();
    const codes: string[] = enable.data!.enableTotp;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect((await u.client.gql(MFA.me)).data!.me.mfaEnabled).toBe(true);
    expect(await countAudit(server, u.id, 'mfa.enable')).toBe(1);

    // Recovery codes at rest: hashes only.
    const hashes = await server.orm.em.fork().getConnection().execute('select code_hash from recovery_codes where user_id = ?', [u.id]);
    expect(hashes).toHaveLength(10);
    const dump = JSON.stringify(hashes);
    for (const c of codes) {
      expect(dump).not.toContain(c);
      expect(dump).not.toContain(c.replaceAll('-', ''));
    }
    // Setting up again while on is refused, and does not replace the seed.
    expect(codeOf(await u.client.gql(MFA.begin))).toBe('BAD_USER_INPUT');
    const again = await server.orm.em.fork().getConnection().execute('select secret_sealed from totp_credentials where user_id = ?', [u.id]);
    expect(again[0].secret_sealed).toBe(stored);
  });

  it('asks for the code after the right password, and signs in with it exactly once', async () => {
    const u = await mfaUser();
    const required = await signIn(u.username, u.password);
    expect(codeOf(required)).toBe('MFA_REQUIRED');
    expect(required.data?.login ?? null).toBeNull();
    expect(required.headers.get('set-cookie')).toBeNull();
    expect(codeOf(await signIn(u.username, u.password, ''))).toBe('MFA_REQUIRED');
    expect(codeOf(await signIn(u.username, u.password, null))).toBe('MFA_REQUIRED');
    // A wrong password with a code is a wrong password: nothing about the code is said.
    await awayFromStepEdge();
    expect(codeOf(await signIn(u.username, 'Wrong-Password-123', totpCode(u.secret)))).toBe('UNAUTHENTICATED');

    const code = totpCode(u.secret);
    const ok = await signIn(u.username, u.password, code);
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.login.user).toMatchObject({ id: u.id, mfaEnabled: true });
    expect(ok.headers.get('set-cookie')).toMatch(/^lockframe_session=/);
    expect((await new ApiClient(server.url, ok.data!.login.token).gql(MFA.me)).data!.me.id).toBe(u.id);

    // Replayed: the same code, formatted differently, and the step before it, are refused.
    for (const replay of [code, `${code.slice(0, 3)} ${code.slice(3)}`, totpCode(u.secret, 1)]) {
      const res = await signIn(u.username, u.password, replay);
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(fieldOf(res)).toBe('otp');
    }
    expect(await countAudit(server, u.id, 'login.mfa.failure')).toBe(3);
  });

  it('accepts the next step (a clock a little ahead) but not two steps back, nor anything not a code', async () => {
    const u = await mfaUser();
    await awayFromStepEdge();
    for (const hostile of [
      totpCode(u.secret, 2),
      totpCode(u.secret, 3),
      '12345',
      '1234567',
      '12345a',
      '١٢٣٤٥٦',
      '-123456',
      '1'.repeat(100_000),
      "' or 1=1 --",
      '\u0000123456',
    ]) {
      const res = await signIn(u.username, u.password, hostile);
      expect(codeOf(res), hostile.slice(0, 20)).toBe('BAD_USER_INPUT');
      expect(fieldOf(res)).toBe('otp');
      await server.orm.em.fork().nativeDelete(RateEvent, { key: { $in: [`login:name:${u.username}`, `login:mfa:${u.id}`] } });
    }
    expect((await signIn(u.username, u.password, totpCode(u.secret, -1))).errors).toBeUndefined();
    // The current step is now older than the newest accepted one.
    expect(fieldOf(await signIn(u.username, u.password, totpCode(u.secret)))).toBe('otp');
  });

  it('takes each recovery code once, in any case and with or without dashes', async () => {
    const u = await mfaUser();
    const [first, second] = u.recoveryCodes as [string, string];
    const ok = await signIn(u.username, u.password, first.toUpperCase());
    expect(ok.errors).toBeUndefined();
    const reused = await signIn(u.username, u.password, first);
    expect(codeOf(reused)).toBe('BAD_USER_INPUT');
    expect(fieldOf(reused)).toBe('otp');
    expect((await signIn(u.username, u.password, second.replaceAll('-', ''))).errors).toBeUndefined();
    expect(await countAudit(server, u.id, 'mfa.recovery.use')).toBe(2);
    // A recovery code of another account is nothing here.
    const other = await mfaUser();
    expect(fieldOf(await signIn(u.username, u.password, other.recoveryCodes[0]))).toBe('otp');
  });

  it('counts wrong codes as failed logins: the sixth wrong code waits, even with the right password and code', async () => {
    const u = await mfaUser();
    const ip = freshIp();
    // The wait after the fifth failure is 2 s: no sleeping between them and the last try.
    await awayFromStepEdge(8_000);
    for (let i = 0; i < FREE; i++) {
      expect(fieldOf(await signIn(u.username, u.password, i % 2 ? '000000' : 'aaaa-bbbb-cccc', ip))).toBe('otp');
    }
    const throttled = await signIn(u.username, u.password, totpCode(u.secret), ip);
    expect(codeOf(throttled)).toBe('RATE_LIMITED');
    expect(throttled.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
    // From another address too: the account's count is what stops it.
    expect(codeOf(await signIn(u.username, u.password, totpCode(u.secret), freshIp()))).toBe('RATE_LIMITED');
    const events = await server.orm.em.fork().count(RateEvent, { key: `login:name:${u.username}` });
    expect(events).toBe(FREE);
  });

  it('wrong passwords and wrong codes share one count', async () => {
    const u = await mfaUser();
    for (let i = 0; i < FREE; i++) {
      const res = i % 2 ? await signIn(u.username, 'Wrong-Password-123') : await signIn(u.username, u.password, '111111');
      expect(['UNAUTHENTICATED', 'BAD_USER_INPUT']).toContain(codeOf(res));
    }
    expect(codeOf(await signIn(u.username, 'Wrong-Password-123'))).toBe('RATE_LIMITED');
  });

  it('a password reset neither turns MFA off nor gives a fresh budget of code guesses', async () => {
    const u = await mfaUser();
    for (let i = 0; i < 3; i++) expect(fieldOf(await signIn(u.username, u.password, '222222'))).toBe('otp');
    expect((await anon.gql(Q.requestReset, { email: u.email }, freshIp())).errors).toBeUndefined();
    const mail = (await outboxMails(server)).filter((m) => m.to === u.email && /reset/i.test(m.subject)).at(-1);
    const reset = await anon.gql(Q.resetPassword, { input: { token: linkToken(mail!.text, 'reset-password'), newPassword: NEW_PASSWORD } }, freshIp());
    expect(reset.errors).toBeUndefined();
    expect(codeOf(await signIn(u.username, NEW_PASSWORD))).toBe('MFA_REQUIRED');
    // The reset lifted the password lockout, but the code guesses stay counted.
    expect(await server.orm.em.fork().count(RateEvent, { key: `login:name:${u.username}` })).toBe(0);
    expect(await server.orm.em.fork().count(RateEvent, { key: `login:mfa:${u.id}` })).toBe(3);
    await awayFromStepEdge(8_000);
    for (let i = 0; i < 2; i++) expect(fieldOf(await signIn(u.username, NEW_PASSWORD, '333333'))).toBe('otp');
    expect(codeOf(await signIn(u.username, NEW_PASSWORD, totpCode(u.secret)))).toBe('RATE_LIMITED');
  });

  it('API tokens made before keep working; sessions need no code once signed in', async () => {
    const u = await newUser(server.url);
    const created = await u.client.gql(Q.createApiToken, { input: { name: 'script' } });
    const script = new ApiClient(server.url, created.data!.createApiToken.secret);
    await enableMfa(u.client);
    expect((await script.gql(MFA.me)).data!.me).toMatchObject({ id: u.id, mfaEnabled: true });
    expect((await u.client.gql(MFA.me)).data!.me.id).toBe(u.id);
  });

  it('turns off only with the password and a code', async () => {
    const u = await mfaUser();
    await awayFromStepEdge();
    const wrongPassword = await u.client.gql(MFA.disable, { password: 'Wrong-Password-123', otp: totpCode(u.secret) });
    expect(codeOf(wrongPassword)).toBe('BAD_USER_INPUT');
    expect(fieldOf(wrongPassword)).toBe('password');
    const wrongCode = await u.client.gql(MFA.disable, { password: u.password, otp: '123456' === totpCode(u.secret) ? '654321' : '123456' });
    expect(fieldOf(wrongCode)).toBe('otp');
    expect((await u.client.gql(MFA.me)).data!.me.mfaEnabled).toBe(true);
    expect(codeOf(await anon.gql(MFA.disable, { password: u.password, otp: totpCode(u.secret) }))).toBe('UNAUTHENTICATED');

    const off = await u.client.gql(MFA.disable, { password: u.password, otp: totpCode(u.secret) });
    expect(off.errors).toBeUndefined();
    expect((await u.client.gql(MFA.me)).data!.me.mfaEnabled).toBe(false);
    expect((await signIn(u.username, u.password)).errors).toBeUndefined();
    const left = await server.orm.em.fork().getConnection().execute('select count(*) as n from recovery_codes where user_id = ?', [u.id]);
    expect(Number(left[0].n)).toBe(0);
    expect(await countAudit(server, u.id, 'mfa.disable')).toBe(1);
    expect(fieldOf(await u.client.gql(MFA.disable, { password: u.password, otp: '123456' }))).toBe('otp');
  });

  it('makes new recovery codes for a code; the old ones stop working', async () => {
    const u = await mfaUser();
    expect(fieldOf(await u.client.gql(MFA.regenerate, { otp: '000000' }))).toBe('otp');
    await awayFromStepEdge();
    const res = await u.client.gql(MFA.regenerate, { otp: totpCode(u.secret) });
    expect(res.errors).toBeUndefined();
    const fresh: string[] = res.data!.regenerateRecoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => u.recoveryCodes.includes(c))).toBe(false);
    expect(fieldOf(await signIn(u.username, u.password, u.recoveryCodes[0]))).toBe('otp');
    expect((await signIn(u.username, u.password, fresh[0])).errors).toBeUndefined();
  });

  it('a code used on one server instance is refused by another on the same database, and their failures add up', async () => {
    const other = await startTestServerOn(server.vars);
    try {
      const u = await mfaUser();
      const onOther = new ApiClient(other.url);
      await awayFromStepEdge();
      const code = totpCode(u.secret);
      const [a, b] = await Promise.all([signIn(u.username, u.password, code), onOther.gql(MFA.login, { input: { username: u.username, password: u.password, otp: code } }, freshIp())]);
      // Exactly one of two parallel uses of one code wins, whichever process it reached.
      expect([a, b].filter((r) => !r.errors)).toHaveLength(1);
      expect([a, b].filter((r) => fieldOf(r) === 'otp')).toHaveLength(1);
      await server.orm.em.fork().nativeDelete(RateEvent, { key: { $in: [`login:name:${u.username}`, `login:mfa:${u.id}`] } });
      await awayFromStepEdge(8_000);
      for (let i = 0; i < FREE; i++) {
        const client = i % 2 ? onOther : anon;
        expect(fieldOf(await client.gql(MFA.login, { input: { username: u.username, password: u.password, otp: '444444' } }, freshIp()))).toBe('otp');
      }
      expect(codeOf(await onOther.gql(MFA.login, { input: { username: u.username, password: u.password, otp: totpCode(u.secret, -1) } }, freshIp()))).toBe('RATE_LIMITED');
    } finally {
      await other.close();
    }
  });

  it('a key rotation re-seals the seeds, and codes keep working after the old key is dropped', async () => {
    const u = await mfaUser();
    const keyOf = async () => (await server.orm.em.fork().getConnection().execute('select key_id from totp_credentials where user_id = ?', [u.id]))[0].key_id as string;
    const oldKey = await keyOf();
    const rotate = await runKeys(server.vars, 'rotate', '--new-key');
    expect(rotate.code, rotate.out).toBe(0);
    expect(rotate.out).toMatch(/Re-sealed \d+ TOTP seed/);
    const newKey = await keyOf();
    expect(newKey).not.toBe(oldKey);
    const drop = await runKeys(server.vars, 'drop', oldKey);
    expect(drop.code, drop.out).toBe(0);
    await awayFromStepEdge();
    expect((await signIn(u.username, u.password, totpCode(u.secret))).errors).toBeUndefined();
  });

  it('loginOk helper still signs in accounts without MFA', async () => {
    const u = await newUser(server.url);
    expect((await (await loginOk(server.url, u.username, u.password)).gql(MFA.me)).data!.me.mfaEnabled).toBe(false);
  });
});
