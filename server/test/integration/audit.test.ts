import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateEvent } from '../../src/modules/ratelimit/rate-event.entity.js';
import * as fixtures from '../fixtures/images.js';
import { auditRows, login, outboxMails, Q } from '../support/accounts.js';
import { ApiClient, codeOf, newUser, STRONG_PASSWORD, type GqlResponse } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { linkToken } from '../support/smtp.js';

const UA = { 'user-agent': 'AuditTest/1.0 (integration)' };
const WRONG = 'Wrong-Password-123';
const RESET_PASSWORD = 'Reset-Password-456!';
const CHANGED_PASSWORD = 'Changed-Password-789!';

interface SecurityEvent {
  id: string;
  event: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  details: Record<string, unknown> | null;
}

// Every test makes its own users (and client addresses), so the tests run concurrently.
describe.concurrent.each(databases)('the security event log on %s', (kind) => {
  let server: TestServer;
  let anon: ApiClient;

  beforeAll(async () => {
    server = await startTestServer(kind);
    anon = new ApiClient(server.url);
  });
  afterAll(() => server?.close());

  /** The newest outbox mail to an address whose subject matches. */
  async function mailTo(email: string, subject: RegExp) {
    const mail = (await outboxMails(server)).filter((m) => m.to.includes(email) && subject.test(m.subject)).at(-1);
    if (!mail) throw new Error(`no mail to ${email} matching ${subject}`);
    return mail.text;
  }

  it('records every security event of an account, with request ids, and shows them to their owner only', async () => {
    /** Request id of the response behind each event we expect, to find its row later. */
    const requestIds = new Map<string, string>();
    const note = (event: string, res: GqlResponse | Response) => {
      const id = res.headers.get('x-request-id');
      expect(id, `x-request-id for ${event}`).toMatch(/^[0-9a-f-]{36}$/);
      if (!requestIds.has(event)) requestIds.set(event, id!);
    };
    const expectOk = (res: GqlResponse) => {
      if (res.errors) throw new Error(res.raw);
      return res;
    };

    const username = `audited_${Date.now().toString(36)}`;
    const email = `${username}@example.com`;
    note('register', expectOk(await anon.gql(Q.register, { input: { username, email, password: STRONG_PASSWORD } }, UA)));
    const firstLogin = expectOk(await login(anon, username, STRONG_PASSWORD, UA));
    note('login.success', firstLogin);
    const userId = firstLogin.data!.login.user.id;

    // Failures until the account locks (letting each progressive wait pass), then a throttled try.
    for (let i = 0; i < 10; i++) {
      await server.orm.em.fork().nativeUpdate(RateEvent, { key: `login:name:${username}` }, { at: new Date(Date.now() - 5 * 60_000) });
      const res = await login(anon, username, WRONG, UA);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
      note('login.failure', res);
      if (i === 9) note('lockout', res);
    }
    const throttled = await login(anon, username, STRONG_PASSWORD, UA);
    expect(codeOf(throttled)).toBe('RATE_LIMITED');
    note('login.throttled', throttled);

    // Back in through a reset.
    note('password.reset.request', expectOk(await anon.gql(Q.requestReset, { email }, UA)));
    const resetToken = linkToken(await mailTo(email, /Reset/), 'reset-password');
    note('password.reset', expectOk(await anon.gql(Q.resetPassword, { input: { token: resetToken, newPassword: RESET_PASSWORD } }, UA)));
    const relogin = expectOk(await login(anon, username, RESET_PASSWORD, UA));
    const me = new ApiClient(server.url, relogin.data!.login.token);

    note('email.verify', expectOk(await anon.gql(Q.verifyEmail, { token: linkToken(await mailTo(email, /Confirm/), 'verify-email') }, UA)));
    note(
      'password.change',
      expectOk(await me.gql(Q.changePassword, { input: { currentPassword: RESET_PASSWORD, newPassword: CHANGED_PASSWORD } }, UA)),
    );

    const created = expectOk(await me.gql(Q.createApiToken, { input: { name: 'audit script' } }, UA));
    note('token.create', created);
    const { secret, token } = created.data!.createApiToken;
    const script = new ApiClient(server.url, secret);
    note('token.use', expectOk(await script.gql(Q.me, undefined, UA)));

    const uploaded = await script.upload(await fixtures.jpeg({ width: 40, height: 30 }), 'audited.jpg', { headers: UA });
    expect(uploaded.errors).toBeUndefined();
    note('upload', uploaded);
    const imageId = uploaded.data!.uploadImage.id as string;
    note('delete', expectOk(await me.gql(`mutation($id: ID!) { deleteImage(id: $id) }`, { id: imageId }, UA)));
    note('token.revoke', expectOk(await me.gql(Q.revokeApiToken, { id: token.id }, UA)));

    const other = new ApiClient(server.url, expectOk(await login(anon, username, CHANGED_PASSWORD, UA)).data!.login.token);
    const otherId = (await other.gql(Q.sessions)).data!.sessions.find((s: { current: boolean }) => s.current).id;
    note('session.revoke', expectOk(await me.gql(Q.revokeSession, { id: otherId }, UA)));
    note('logout', expectOk(await me.gql(Q.logout, undefined, UA)));

    // The owner's view.
    const viewer = new ApiClient(server.url, expectOk(await login(anon, username, CHANGED_PASSWORD, UA)).data!.login.token);
    const listed = await viewer.gql<{ securityEvents: SecurityEvent[] }>(Q.securityEvents, { first: 200 });
    expect(listed.errors).toBeUndefined();
    const events = listed.data!.securityEvents;
    const names = new Set(events.map((e) => e.event));
    for (const expected of requestIds.keys()) expect(names, `securityEvents has ${expected}`).toContain(expected);
    expect(events.filter((e) => e.event === 'login.failure')).toHaveLength(10);
    expect(events.filter((e) => e.event === 'lockout')).toHaveLength(1);
    // Newest first.
    const times = events.map((e) => new Date(e.createdAt).getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const e of events) {
      expect(e.ip).toMatch(/127\.0\.0\.1/);
      expect(e.userAgent).toBe(UA['user-agent']);
    }
    const detailOf = (name: string) => events.find((e) => e.event === name)!.details;
    expect(detailOf('token.use')).toMatchObject({ tokenId: token.id });
    expect(detailOf('token.create')).toMatchObject({ tokenId: token.id, name: 'audit script' });
    expect(detailOf('upload')).toMatchObject({ imageId });
    expect(detailOf('delete')).toMatchObject({ imageId });
    expect((detailOf('lockout') as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    // No secret ever lands in the log.
    for (const s of [secret, STRONG_PASSWORD, RESET_PASSWORD, CHANGED_PASSWORD, WRONG, resetToken]) expect(listed.raw).not.toContain(s);
    expect(codeOf(await viewer.gql(Q.securityEvents, { first: 0 }))).toBeUndefined();

    // In the database: one row per event, tied to the request that caused it.
    const rows = await auditRows(server, { userId });
    for (const [event, requestId] of requestIds) {
      const row = rows.find((r) => r.event === event && r.requestId === requestId);
      expect(row, `audit row ${event} with request id ${requestId}`).toBeDefined();
      expect(row!.userAgent).toBe(UA['user-agent']);
    }
    expect(rows.every((r) => /^[0-9a-f-]{36}$/.test(r.requestId ?? ''))).toBe(true);

    // Someone else sees none of it.
    const bob = await newUser(server.url);
    const bobEvents = (await bob.client.gql<{ securityEvents: SecurityEvent[] }>(Q.securityEvents, { first: 200 })).data!.securityEvents;
    expect(bobEvents.map((e) => e.event).sort()).toEqual(['login.success', 'register']);
    const aliceIds = new Set(events.map((e) => e.id));
    expect(bobEvents.some((e) => aliceIds.has(e.id))).toBe(false);
    expect(codeOf(await anon.gql(Q.securityEvents))).toBe('UNAUTHENTICATED');
  });

  it('does not pin failures for unknown usernames on anyone, and logs nothing for a taken e-mail', async () => {
    const u = await newUser(server.url);
    const res = await login(anon, `ghost_${u.username}`, WRONG);
    const requestId = res.headers.get('x-request-id')!;
    const rows = await auditRows(server, { requestId });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event: 'login.failure', userId: null });
    const dup = await anon.gql(Q.register, { input: { username: `dup_${u.username}`, email: u.email, password: STRONG_PASSWORD } });
    expect(dup.errors).toBeUndefined();
    expect(await auditRows(server, { requestId: dup.headers.get('x-request-id')! })).toHaveLength(0);
    const mine = (await u.client.gql<{ securityEvents: SecurityEvent[] }>(Q.securityEvents)).data!.securityEvents;
    expect(mine.map((e) => e.event).sort()).toEqual(['login.success', 'register']);
  });
});
