import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailToken } from '../../src/modules/mail/email-token.entity.js';
import { User } from '../../src/modules/user/user.entity.js';
import * as fixtures from '../fixtures/images.js';
import { login, loginOk, outboxMails, Q } from '../support/accounts.js';
import { ApiClient, codeOf, newUser, STRONG_PASSWORD, type GqlResponse, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { linkToken, startServerWithSmtp, type TestSmtp } from '../support/smtp.js';

const PUBLIC_URL = 'http://lockframe.test:8080';
const NEW_PASSWORD = 'Brand-New-Secret-42';
const HOUR = 3_600_000;

let ipCounter = 1;
/** Each reset request from its own address (the server trusts X-Forwarded-For): the per-address limit stays out of the way. */
const freshIp = () => ({ 'x-forwarded-for': `192.0.2.${ipCounter++}` });
const fresh = (prefix = 'mail') => `${prefix}_${randomBytes(4).toString('hex')}`;

/** The error as a client sees it, without where in the document it happened. */
const errorShape = (res: GqlResponse) => ({
  status: res.status,
  data: res.data,
  errors: res.errors?.map((e) => ({ message: e.message, extensions: e.extensions })),
});

// Every test makes its own users (and client addresses), so the tests run concurrently.
describe.concurrent.each(databases)('account e-mails over real SMTP on %s', (kind) => {
  let smtp: TestSmtp;
  let server: TestServer;
  let anon: ApiClient;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ smtp, server, anon, close } = await startServerWithSmtp(kind, { PUBLIC_URL, TRUST_PROXY: 'true' }));
  });
  afterAll(() => close?.());

  /** Registers and logs in, and takes the verification mail from the inbox. */
  async function userWithMail(): Promise<TestUser & { verifyToken: string }> {
    const u = await newUser(server.url);
    const mail = await smtp.waitForMail(u.email, { subject: /Confirm your e-mail/ });
    return { ...u, verifyToken: linkToken(mail, 'verify-email') };
  }

  async function resetTokenFor(u: TestUser): Promise<string> {
    const res = await anon.gql(Q.requestReset, { email: u.email }, freshIp());
    expect(res.data).toEqual({ requestPasswordReset: true });
    return linkToken(await smtp.waitForMail(u.email, { subject: /Reset your Lockframe password/ }), 'reset-password');
  }

  describe('no account enumeration', () => {
    it('answers a wrong password and an unknown user identically', async () => {
      const u = await newUser(server.url);
      const wrong = await login(anon, u.username, 'Wrong-Password-123', freshIp());
      const unknownName = await login(anon, `no_${u.username}`, 'Wrong-Password-123', freshIp());
      const unknownMail = await login(anon, `no-${u.email}`, 'Wrong-Password-123', freshIp());
      expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
      expect(errorShape(unknownName)).toEqual(errorShape(wrong));
      expect(errorShape(unknownMail)).toEqual(errorShape(wrong));
    });

    it('answers a registration with a taken e-mail like a new one, and tells the owner by mail', async () => {
      const owner = await newUser(server.url);
      await smtp.waitForMail(owner.email, { subject: /Confirm/ });
      const freshName = fresh('new');
      const newcomer = await anon.gql(Q.register, {
        input: { username: freshName, email: `${freshName}@example.com`, password: STRONG_PASSWORD },
      });
      const taken = await anon.gql(Q.register, {
        input: { username: fresh('dup'), email: owner.email.toUpperCase(), password: STRONG_PASSWORD },
      });
      expect(taken.status).toBe(newcomer.status);
      expect(taken.errors).toBeUndefined();
      expect(Object.keys(taken.data!.register).sort()).toEqual(Object.keys(newcomer.data!.register).sort());
      expect(taken.data!.register).toMatchObject({ emailVerified: false, email: owner.email });
      expect(taken.data!.register.id).not.toBe(owner.id);

      const notice = await smtp.waitForMail(owner.email);
      expect(notice.subject).toMatch(/Someone tried to register with your e-mail address/);
      expect(notice.text).toContain(`${PUBLIC_URL}/forgot-password`);
      expect(notice.text).not.toMatch(/#token=/);
      // The newcomer got a verification mail; the owner's address got nothing else.
      await smtp.waitForMail(`${freshName}@example.com`, { subject: /Confirm/ });
      expect(smtp.mailsTo(owner.email)).toHaveLength(2);
      expect(await server.orm.em.fork().count(User, { email: owner.email })).toBe(1);
    });

    it('answers a reset request the same for a known and an unknown address; only the known one gets mail', async () => {
      const u = await newUser(server.url);
      const ghost = `ghost-${randomBytes(4).toString('hex')}@example.com`;
      const known = await anon.gql(Q.requestReset, { email: u.email }, freshIp());
      const unknown = await anon.gql(Q.requestReset, { email: ghost }, freshIp());
      expect(known.data).toEqual({ requestPasswordReset: true });
      expect(unknown.status).toBe(known.status);
      expect(unknown.raw).toBe(known.raw);
      const mail = await smtp.waitForMail(u.email, { subject: /Reset/ });
      expect(mail.text).toMatch(/reset-password#token=/);
      // Mails go out after the answer: once the queue is idle, none is still on its way to the unknown address.
      await server.app.services.jobs.idle();
      expect(smtp.mailsTo(ghost)).toHaveLength(0);
      expect(smtp.mailsTo(u.email).filter((m) => /Reset/.test(m.subject))).toHaveLength(1);
    });
  });

  describe('after the answer', () => {
    it('answers a reset request and a registration without waiting for the mail server', async () => {
      const u = await newUser(server.url);
      await smtp.waitForMail(u.email, { subject: /Confirm/ });
      const release = smtp.hold();
      try {
        // With the mail server stalled, both answer anyway (they used to wait for it).
        const reset = await anon.gql(Q.requestReset, { email: u.email }, freshIp());
        expect(reset.data).toEqual({ requestPasswordReset: true });
        const name = `late_${randomBytes(4).toString('hex')}`;
        const registered = await anon.gql(Q.register, { input: { username: name, email: `${name}@example.com`, password: STRONG_PASSWORD } }, freshIp());
        expect(registered.errors).toBeUndefined();
        expect(smtp.mailsTo(u.email).filter((m) => /Reset/.test(m.subject))).toHaveLength(0);
      } finally {
        release();
      }
      // Then the mails arrive.
      expect((await smtp.waitForMail(u.email, { subject: /Reset/ })).text).toMatch(/reset-password#token=/);
    });
  });

  describe('e-mail verification', () => {
    it('mails a link to PUBLIC_URL/verify-email with the token in the fragment, valid 24 h', async () => {
      const u = await newUser(server.url);
      const mail = await smtp.waitForMail(u.email, { subject: /Confirm your e-mail address/ });
      expect(mail.to).toEqual([u.email]);
      expect(mail.parsed.from?.text).toMatch(/Lockframe/);
      expect(mail.text).toMatch(new RegExp(`${PUBLIC_URL.replace(/[.:/]/g, '\\$&')}/verify-email#token=[A-Za-z0-9_-]{43}\\b`));
      const row = await server.orm.em.fork().findOneOrFail(EmailToken, { user: u.id, purpose: 'verify' });
      expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(24 * HOUR);
      // Only a hash of the token is stored.
      expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.tokenHash).not.toContain(linkToken(mail, 'verify-email'));
    });

    it('verifies with the token once; the second use is refused', async () => {
      const u = await userWithMail();
      expect((await u.client.gql(Q.me)).data!.me.emailVerified).toBe(false);
      const ok = await anon.gql(Q.verifyEmail, { token: u.verifyToken });
      expect(ok.errors).toBeUndefined();
      expect(ok.data!.verifyEmail).toEqual({ id: u.id, emailVerified: true });
      expect((await u.client.gql(Q.me)).data!.me.emailVerified).toBe(true);
      const again = await anon.gql(Q.verifyEmail, { token: u.verifyToken });
      expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
      expect(again.errors![0]!.message).toMatch(/invalid, already used or expired/);
    });

    it('refuses an expired token and leaves the address unverified', async () => {
      const u = await userWithMail();
      await server.orm.em.fork().nativeUpdate(EmailToken, { user: u.id, purpose: 'verify' }, { expiresAt: new Date(Date.now() - 1000) });
      const res = await anon.gql(Q.verifyEmail, { token: u.verifyToken });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
      expect((await u.client.gql(Q.me)).data!.me.emailVerified).toBe(false);
    });

    it('refuses made-up, malformed and reset-purpose tokens', async () => {
      const u = await userWithMail();
      for (const token of [randomBytes(32).toString('base64url'), 'short', `${u.verifyToken}x`, '', "' or 1=1 --"]) {
        const res = await anon.gql(Q.verifyEmail, { token });
        expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
      }
      const resetToken = await resetTokenFor(u);
      expect(codeOf(await anon.gql(Q.verifyEmail, { token: resetToken }))).toBe('BAD_USER_INPUT');
      expect((await u.client.gql(Q.me)).data!.me.emailVerified).toBe(false);
    });

    it('resends the mail with a new link that replaces the old one, three times an hour', async () => {
      const u = await userWithMail();
      expect(codeOf(await anon.gql(Q.resend))).toBe('UNAUTHENTICATED');
      const tokens = [u.verifyToken];
      for (let i = 0; i < 3; i++) {
        const res = await u.client.gql(Q.resend);
        expect(res.data).toEqual({ resendVerificationEmail: true });
        tokens.push(linkToken(await smtp.waitForMail(u.email, { subject: /Confirm/ }), 'verify-email'));
      }
      expect(new Set(tokens).size).toBe(4);
      const limited = await u.client.gql(Q.resend);
      expect(codeOf(limited)).toBe('RATE_LIMITED');
      expect(limited.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
      expect(smtp.mailsTo(u.email)).toHaveLength(4);
      // Only the newest link works.
      for (const old of tokens.slice(0, 3)) expect(codeOf(await anon.gql(Q.verifyEmail, { token: old }))).toBe('BAD_USER_INPUT');
      expect((await anon.gql(Q.verifyEmail, { token: tokens[3]! })).data!.verifyEmail.emailVerified).toBe(true);
    });

    it('lets an unverified user log in but not upload (EMAIL_NOT_VERIFIED) until the address is verified', async () => {
      const u = await userWithMail();
      expect((await u.client.gql(Q.me)).data!.me).toMatchObject({ id: u.id, emailVerified: false });
      const jpeg = await fixtures.jpeg({ width: 64, height: 48 });
      const refused = await u.client.upload(jpeg, 'early.jpg');
      expect(codeOf(refused)).toBe('EMAIL_NOT_VERIFIED');
      expect(refused.errors![0]!.message).toMatch(/Confirm your e-mail address/);
      expect((await u.client.gql(`{ images { totalCount } }`)).data!.images.totalCount).toBe(0);

      expect((await anon.gql(Q.verifyEmail, { token: u.verifyToken })).errors).toBeUndefined();
      const image = await u.client.uploadOk(jpeg, 'later.jpg');
      expect(image.filename).toBe('later.jpg');
      // A verified user's resend sends nothing.
      const count = smtp.mailsTo(u.email).length;
      expect((await u.client.gql(Q.resend)).data).toEqual({ resendVerificationEmail: true });
      expect(smtp.mailsTo(u.email)).toHaveLength(count);
    });
  });

  describe('password reset', () => {
    it('mails a one-hour PUBLIC_URL/reset-password link that works once and ends every session and API token', async () => {
      const u = await newUser(server.url);
      const second = await loginOk(server.url, u.username, u.password);
      const created = await u.client.gql(Q.createApiToken, { input: { name: 'backup script' } });
      const apiClient = new ApiClient(server.url, created.data!.createApiToken.secret);
      expect((await apiClient.gql(Q.me)).data!.me.id).toBe(u.id);

      const requested = await anon.gql(Q.requestReset, { email: u.email }, freshIp());
      expect(requested.data).toEqual({ requestPasswordReset: true });
      const mail = await smtp.waitForMail(u.email, { subject: /Reset your Lockframe password/ });
      expect(mail.text).toContain(`${PUBLIC_URL}/reset-password#token=`);
      const token = linkToken(mail, 'reset-password');
      const row = await server.orm.em.fork().findOneOrFail(EmailToken, { user: u.id, purpose: 'reset' });
      expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(HOUR);

      const reset = await anon.gql(Q.resetPassword, { input: { token, newPassword: NEW_PASSWORD } });
      expect(reset.errors).toBeUndefined();
      expect(reset.data).toEqual({ resetPassword: true });
      for (const client of [u.client, second, apiClient]) expect((await client.gql(Q.me)).data!.me).toBeNull();

      expect(codeOf(await login(anon, u.username, u.password, freshIp()))).toBe('UNAUTHENTICATED');
      expect((await login(anon, u.username, NEW_PASSWORD, freshIp())).errors).toBeUndefined();
      const replay = await anon.gql(Q.resetPassword, { input: { token, newPassword: 'Yet-Another-Pass-99' } });
      expect(replay.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
      expect((await login(anon, u.username, NEW_PASSWORD, freshIp())).errors).toBeUndefined();
    });

    it('refuses an expired link and keeps the old password', async () => {
      const u = await newUser(server.url);
      const token = await resetTokenFor(u);
      await server.orm.em.fork().nativeUpdate(EmailToken, { user: u.id, purpose: 'reset' }, { expiresAt: new Date(Date.now() - 1000) });
      const res = await anon.gql(Q.resetPassword, { input: { token, newPassword: NEW_PASSWORD } });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
      expect((await u.client.gql(Q.me)).data!.me.id).toBe(u.id);
      expect((await login(anon, u.username, u.password, freshIp())).errors).toBeUndefined();
    });

    it('keeps the link usable when the first new password breaks the policy', async () => {
      const u = await newUser(server.url);
      const token = await resetTokenFor(u);
      const weak = await anon.gql(Q.resetPassword, { input: { token, newPassword: 'weak' } });
      expect(weak.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword', rule: 'too_short' });
      // Nothing happened: the sessions live on, and the same link still works with a good password.
      expect((await u.client.gql(Q.me)).data!.me.id).toBe(u.id);
      const ok = await anon.gql(Q.resetPassword, { input: { token, newPassword: NEW_PASSWORD } });
      expect(ok.errors).toBeUndefined();
      expect((await login(anon, u.username, NEW_PASSWORD, freshIp())).errors).toBeUndefined();
    });

    it('replaces an older link with a newer one', async () => {
      const u = await newUser(server.url);
      const first = await resetTokenFor(u);
      const second = await resetTokenFor(u);
      expect(first).not.toBe(second);
      expect(codeOf(await anon.gql(Q.resetPassword, { input: { token: first, newPassword: NEW_PASSWORD } }))).toBe('BAD_USER_INPUT');
      expect((await anon.gql(Q.resetPassword, { input: { token: second, newPassword: NEW_PASSWORD } })).errors).toBeUndefined();
    });

    it('does not accept a verification token as a reset token', async () => {
      const u = await userWithMail();
      const res = await anon.gql(Q.resetPassword, { input: { token: u.verifyToken, newPassword: NEW_PASSWORD } });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
      expect((await login(anon, u.username, u.password, freshIp())).errors).toBeUndefined();
    });
  });

  describe('password change', () => {
    it('requires the current password (wrong → BAD_USER_INPUT on currentPassword) and a login', async () => {
      const u = await newUser(server.url);
      const wrong = await u.client.gql(Q.changePassword, { input: { currentPassword: 'Not-My-Password-1', newPassword: NEW_PASSWORD } });
      expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currentPassword' });
      expect(codeOf(await anon.gql(Q.changePassword, { input: { currentPassword: u.password, newPassword: NEW_PASSWORD } }))).toBe(
        'UNAUTHENTICATED',
      );
      expect((await login(anon, u.username, u.password, freshIp())).errors).toBeUndefined();
      expect(codeOf(await login(anon, u.username, NEW_PASSWORD, freshIp()))).toBe('UNAUTHENTICATED');
    });

    it('changes the password and keeps other sessions unless asked to end them', async () => {
      const u = await newUser(server.url);
      const other = await loginOk(server.url, u.username, u.password);
      const res = await u.client.gql(Q.changePassword, { input: { currentPassword: u.password, newPassword: NEW_PASSWORD } });
      expect(res.data).toEqual({ changePassword: true });
      expect((await other.gql(Q.me)).data!.me.id).toBe(u.id);
      expect(codeOf(await login(anon, u.username, u.password, freshIp()))).toBe('UNAUTHENTICATED');
      expect((await login(anon, u.username, NEW_PASSWORD, freshIp())).errors).toBeUndefined();
    });

    it('with endOtherSessions: true ends every other session but keeps the current one', async () => {
      const u = await newUser(server.url);
      const others = [await loginOk(server.url, u.username, u.password), await loginOk(server.url, u.username, u.password)];
      const res = await u.client.gql(Q.changePassword, {
        input: { currentPassword: u.password, newPassword: NEW_PASSWORD, endOtherSessions: true },
      });
      expect(res.data).toEqual({ changePassword: true });
      expect((await u.client.gql(Q.me)).data!.me.id).toBe(u.id);
      for (const o of others) expect((await o.gql(Q.me)).data!.me).toBeNull();
      const sessions = (await u.client.gql(Q.sessions)).data!.sessions;
      expect(sessions).toHaveLength(1);
      expect(sessions[0].current).toBe(true);
    });
  });
});

// Every test makes its own users (and client addresses), so the tests run concurrently.
describe.concurrent.each(databases)('account e-mails without SMTP on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(() => server?.close());

  it('writes them to DATA_DIR/outbox as private .eml files whose links work', async () => {
    const u = await newUser(server.url);
    const mails = (await outboxMails(server)).filter((m) => m.to.includes(u.email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/Confirm your e-mail/);
    const dir = path.join(server.dataDir, 'outbox');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, mails[0]!.file))).mode & 0o777).toBe(0o600);
    const res = await new ApiClient(server.url).gql(Q.verifyEmail, { token: linkToken(mails[0]!.text, 'verify-email') });
    expect(res.data!.verifyEmail).toEqual({ id: u.id, emailVerified: true });
  });

  it('does not require verification for uploads when no SMTP is configured', async () => {
    const u = await newUser(server.url);
    expect((await u.client.gql(Q.me)).data!.me.emailVerified).toBe(false);
    await u.client.uploadOk(await fixtures.jpeg({ width: 32, height: 32 }), 'unverified.jpg');
  });
});
