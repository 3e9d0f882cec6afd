import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dictionary } from '@zxcvbn-ts/language-common';
import { checkPassword, PASSWORD_MAX } from '../../src/modules/user/password-policy.js';
import { User } from '../../src/modules/user/user.entity.js';
import { login, Q } from '../support/accounts.js';
import { ApiClient, codeOf, newUser, STRONG_PASSWORD } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

// From the common-password list once lower-cased, yet meeting every composition rule.
const COMMON_CLASSIC = 'Nick1234-Rem936';
// From the list and long enough for the NIST policy.
const COMMON_NIST = '1qaz2wsx3edc4rfv';
const NIST_PASSPHRASE = 'purple lanterns drift over quiet harbours';

const fresh = () => `pp_${randomBytes(4).toString('hex')}`;

function register(server: TestServer, password: string, who: { username?: string; email?: string } = {}) {
  const username = who.username ?? fresh();
  return new ApiClient(server.url).gql(Q.register, {
    input: { username, email: who.email ?? `${username}@example.com`, password },
  });
}

describe('the password rules themselves', () => {
  it('use a real common-password list and the fixtures break the rule they are meant to', () => {
    expect((dictionary['passwords-common'] as string[]).length).toBeGreaterThan(10_000);
    expect(checkPassword(COMMON_CLASSIC, 'classic')?.rule).toBe('common');
    expect(checkPassword(COMMON_NIST, 'nist')?.rule).toBe('common');
    expect(checkPassword(STRONG_PASSWORD, 'classic')).toBeNull();
    expect(checkPassword(NIST_PASSPHRASE, 'nist')).toBeNull();
  });
});

// Every test makes its own users (and client addresses), so the tests run concurrently.
describe.concurrent.each(databases)('password policy over HTTP on %s', (kind) => {
  let classic: TestServer;
  let nist: TestServer;

  beforeAll(async () => {
    [classic, nist] = await Promise.all([startTestServer(kind), startTestServer(kind, { PASSWORD_POLICY: 'nist' })]);
  });
  afterAll(async () => {
    await classic?.close();
    await nist?.close();
  });

  const classicCases: Array<[rule: string, password: string, message: RegExp]> = [
    ['too_short', 'Sh0rt-Pass!', /at least 12 characters/],
    ['lowercase', 'NO-LOWER-CASE-42', /lower-case/],
    ['uppercase', 'no-upper-case-42', /upper-case/],
    ['digit', 'No-Digits-Here-At-All', /digit/],
    ['symbol', 'NoSymbolsHere42', /symbol/],
    ['common', COMMON_CLASSIC, /common/],
    ['too_long', `Aa1!${'x'.repeat(PASSWORD_MAX - 3)}`, /at most 128 characters/],
  ];

  it.each(classicCases)('refuses a password breaking "%s" with its own message and extensions.rule', async (rule, password, message) => {
    const res = await register(classic, password);
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    const error = res.errors![0]!;
    expect(error.extensions).toMatchObject({ field: 'password', rule });
    expect(error.message).toMatch(message);
    expect(res.data).toBeNull();
  });

  it.each(['Password123!', 'Welcome2024!', 'Qwerty123456!', 'P@ssw0rd2024!', 'Dragon#12345'])(
    'refuses %s, which meets every composition rule but is guessable, as "common"',
    async (password) => {
      const res = await register(classic, password);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password', rule: 'common' });
      expect(res.errors![0]!.message).toMatch(/common/);
    },
  );

  it('refuses a guessable new password on change too, and keeps the old one', async () => {
    const u = await newUser(classic.url);
    const res = await u.client.gql(Q.changePassword, { input: { currentPassword: u.password, newPassword: 'Welcome2024!' } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ field: 'newPassword', rule: 'common' });
    expect((await login(new ApiClient(classic.url), u.username, u.password)).errors).toBeUndefined();
  });

  it('gives every rule a different message', async () => {
    const messages = new Set<string>();
    for (const [, password] of classicCases) messages.add((await register(classic, password)).errors![0]!.message);
    expect(messages.size).toBe(classicCases.length);
  });

  it('refuses passwords that contain the username or the e-mail local part, in any case', async () => {
    const username = fresh();
    const byName = await register(classic, `X9!${username.toUpperCase()}-Zz`, { username });
    expect(byName.errors?.[0]?.extensions).toMatchObject({ field: 'password', rule: 'personal' });
    expect(byName.errors![0]!.message).toMatch(/username or e-mail/);
    const byMail = await register(classic, 'X9!Marguerite-Zz', { username: fresh(), email: 'marguerite@example.com' });
    expect(byMail.errors?.[0]?.extensions).toMatchObject({ field: 'password', rule: 'personal' });
  });

  it('accepts exactly 128 characters and refuses 129', async () => {
    // Random letters after the classes: a run of one letter would be refused as guessable.
    const ok = await register(classic, `Aa1!${randomBytes(96).toString('hex').slice(0, PASSWORD_MAX - 4)}`);
    expect(ok.errors).toBeUndefined();
    const over = await register(classic, `Aa1!${'x'.repeat(PASSWORD_MAX - 3)}`);
    expect(over.errors?.[0]?.extensions?.rule).toBe('too_long');
  });

  it('checks a 100 KB password for length before anything else: a fast too_long, nothing stored, even for a taken e-mail', async () => {
    const owner = await newUser(classic.url);
    const huge = `Aa1!${'x'.repeat(100_000)}`; // 100 KB, just under the 100 KiB JSON body limit
    const started = performance.now();
    const res = await register(classic, huge, { username: fresh(), email: owner.email });
    const elapsed = performance.now() - started;
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password', rule: 'too_long' });
    expect(elapsed).toBeLessThan(1000);
    // Logging in with it is refused without argon2 too, and fast.
    const t = performance.now();
    const attempt = await login(new ApiClient(classic.url), owner.username, huge);
    expect(codeOf(attempt)).toBe('UNAUTHENTICATED');
    expect(performance.now() - t).toBeLessThan(1000);
    expect(await classic.orm.em.fork().count(User, { email: owner.email })).toBe(1);
  });

  it('counts characters, not UTF-16 units: a 100-emoji password that was accepted can log in', async () => {
    // 104 characters, 204 UTF-16 code units.
    const password = `Aa1!${'🔒'.repeat(100)}`;
    expect(Array.from(password).length).toBeLessThanOrEqual(PASSWORD_MAX);
    const username = fresh();
    const reg = await register(classic, password, { username });
    expect(reg.errors).toBeUndefined();
    const res = await login(new ApiClient(classic.url), username, password);
    expect(res.errors).toBeUndefined();
    expect(res.data!.login.user.username).toBe(username);
    // And it can be changed away from, which needs it as the current password.
    const client = new ApiClient(classic.url, res.data!.login.token);
    const change = await client.gql(Q.changePassword, { input: { currentPassword: password, newPassword: STRONG_PASSWORD } });
    expect(change.errors).toBeUndefined();
  });

  it('applies the same rules to a new password set by changePassword (field newPassword)', async () => {
    const u = await newUser(classic.url);
    for (const [rule, password] of classicCases) {
      const res = await u.client.gql(Q.changePassword, { input: { currentPassword: u.password, newPassword: password } });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword', rule });
    }
    const personal = await u.client.gql(Q.changePassword, {
      input: { currentPassword: u.password, newPassword: `Q7!${u.username}!Q7` },
    });
    expect(personal.errors?.[0]?.extensions?.rule).toBe('personal');
    // Nothing changed: the old password still works.
    expect((await login(new ApiClient(classic.url), u.username, u.password)).errors).toBeUndefined();
  });

  describe('PASSWORD_POLICY=nist', () => {
    it('needs 15 characters and nothing else: a lower-case passphrase is fine, 14 characters are not', async () => {
      const ok = await register(nist, NIST_PASSPHRASE);
      expect(ok.errors).toBeUndefined();
      const noComposition = await register(nist, 'velvet kayak ozone');
      expect(noComposition.errors).toBeUndefined();
      const short = await register(nist, 'Abcdefgh1!xyzw');
      expect(short.errors?.[0]?.extensions).toMatchObject({ field: 'password', rule: 'too_short' });
      expect(short.errors![0]!.message).toMatch(/at least 15 characters/);
    });

    it('still refuses common, personal and over-long passwords', async () => {
      const common = await register(nist, COMMON_NIST);
      expect(common.errors?.[0]?.extensions).toMatchObject({ field: 'password', rule: 'common' });
      const username = fresh();
      const personal = await register(nist, `my name is ${username} ok`, { username });
      expect(personal.errors?.[0]?.extensions).toMatchObject({ field: 'password', rule: 'personal' });
      const long = await register(nist, 'x'.repeat(PASSWORD_MAX + 1));
      expect(long.errors?.[0]?.extensions).toMatchObject({ field: 'password', rule: 'too_long' });
    });

    it('does not impose the classic 12-character composition rules', async () => {
      // Would fail classic on upper case, digit and symbol; passes NIST.
      const res = await register(nist, 'only lower case words here');
      expect(res.errors).toBeUndefined();
      const same = await register(classic, 'only lower case words here');
      expect(same.errors?.[0]?.extensions?.rule).toBe('uppercase');
    });
  });
});
