import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, newUser, type ApiClient, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { enableMfa, MFA, totpCode, awayFromStepEdge } from '../support/mfa.js';
import type { TestServer } from '../support/server.js';
import { startServerWithSmtp, type TestSmtp } from '../support/smtp.js';

const PUBLIC_URL = 'http://photos.example.test';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const FIREFOX_NEWER = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const ALERT = /New sign-in/;

let ipCounter = 1;
const freshIp = () => `192.0.2.${ipCounter++}`;

/** The device cookie's value in a login answer, or null. */
function deviceCookie(res: { headers: Headers }): string | null {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('lockframe_device='));
  return cookie ? cookie.split(';')[0]!.slice('lockframe_device='.length) : null;
}

// Every test makes its own users, so the tests run concurrently.
describe.concurrent.each(databases)('new-device sign-in alerts over real SMTP on %s', (kind) => {
  let smtp: TestSmtp;
  let server: TestServer;
  let anon: ApiClient;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ smtp, server, anon, close } = await startServerWithSmtp(kind, { PUBLIC_URL, TRUST_PROXY: 'true' }));
  });
  afterAll(() => close?.());

  function signIn(u: TestUser, from: { ua: string; ip: string; device?: string | null; otp?: string }) {
    const headers: Record<string, string> = { 'user-agent': from.ua, 'x-forwarded-for': from.ip };
    if (from.device) headers.cookie = `lockframe_device=${from.device}`;
    return anon.gql(MFA.login, { input: { username: u.username, password: u.password, ...(from.otp ? { otp: from.otp } : {}) } }, headers);
  }

  /** Alerts that arrived for the address; waits for the background jobs of answered requests first. */
  async function alertsTo(email: string) {
    await server.app.services.jobs.idle();
    return smtp.mailsTo(email).filter((m) => ALERT.test(m.subject));
  }

  it('says nothing for the first sign-in, then mails the owner when another browser signs in: what, when, from where, how to end it', async () => {
    const u = await newUser(server.url);
    expect(await alertsTo(u.email)).toHaveLength(0);
    const before = Date.now();
    const res = await signIn(u, { ua: CHROME_MAC, ip: '198.51.100.77' });
    expect(res.errors).toBeUndefined();
    const [alert, ...more] = await alertsTo(u.email);
    expect(more).toHaveLength(0);
    expect(alert!.to).toEqual([u.email]);
    expect(alert!.text).toContain('Chrome on macOS');
    expect(alert!.text).toContain('198.51.100.77');
    expect(alert!.text).toContain(`${PUBLIC_URL}/settings/sessions`);
    const when = /When:\s+(\d{4}-\d\d-\d\d \d\d:\d\d) UTC/.exec(alert!.text)![1]!;
    expect(Math.abs(Date.parse(`${when.replace(' ', 'T')}:00Z`) - before)).toBeLessThan(120_000);
    expect(alert!.text).not.toContain(u.password);
  });

  it('recognises a browser by its device cookie, from any address and after a browser update', async () => {
    const u = await newUser(server.url);
    const first = await signIn(u, { ua: FIREFOX, ip: freshIp() });
    const device = deviceCookie(first);
    expect(device).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = first.headers.getSetCookie().find((c) => c.startsWith('lockframe_device='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(Number(/Max-Age=(\d+)/i.exec(cookie)![1])).toBeGreaterThan(300 * 86_400);
    expect(await alertsTo(u.email)).toHaveLength(1);

    for (const ua of [FIREFOX, FIREFOX_NEWER]) {
      const again = await signIn(u, { ua, ip: freshIp(), device });
      expect(again.errors).toBeUndefined();
      expect(deviceCookie(again)).toBe(device);
    }
    expect(await alertsTo(u.email)).toHaveLength(1);

    // Only its hash is stored.
    const rows = await server.orm.em.fork().getConnection().execute('select token_hash from known_devices where user_id = ?', [u.id]);
    expect(JSON.stringify(rows)).not.toContain(device!);
  });

  it('a device cookie replayed from another kind of browser is a new device', async () => {
    const u = await newUser(server.url);
    const device = deviceCookie(await signIn(u, { ua: FIREFOX, ip: freshIp() }));
    await signIn(u, { ua: FIREFOX, ip: freshIp(), device });
    expect(await alertsTo(u.email)).toHaveLength(1);
    expect((await signIn(u, { ua: CHROME_MAC, ip: freshIp(), device })).errors).toBeUndefined();
    const alerts = await alertsTo(u.email);
    expect(alerts).toHaveLength(2);
    expect(alerts[1]!.text).toContain('Chrome on macOS');
  });

  it('a script that keeps no cookies is known by its client and address; a new address is a new device', async () => {
    const u = await newUser(server.url);
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect((await signIn(u, { ua: 'curl/8.5.0', ip })).errors).toBeUndefined();
    const alerts = await alertsTo(u.email);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toContain('curl');
    await signIn(u, { ua: 'curl/8.5.0', ip: freshIp() });
    expect(await alertsTo(u.email)).toHaveLength(2);
  });

  it('a browser that signed in once with its cookie is no longer matched by address alone', async () => {
    const u = await newUser(server.url);
    const ip = freshIp();
    const device = deviceCookie(await signIn(u, { ua: FIREFOX, ip }));
    await signIn(u, { ua: FIREFOX, ip, device });
    expect(await alertsTo(u.email)).toHaveLength(1);
    // Another Firefox behind the same address, without the cookie: not that browser.
    await signIn(u, { ua: FIREFOX, ip });
    expect(await alertsTo(u.email)).toHaveLength(2);
  });

  it('failed and unfinished sign-ins record no device and send nothing', async () => {
    const u = await newUser(server.url);
    const { secret } = await enableMfa(u.client);
    const ip = freshIp();
    expect(codeOf(await anon.gql(MFA.login, { input: { username: u.username, password: 'Wrong-Password-123' } }, { 'user-agent': CHROME_MAC, 'x-forwarded-for': ip }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await signIn(u, { ua: CHROME_MAC, ip }))).toBe('MFA_REQUIRED');
    expect(codeOf(await signIn(u, { ua: CHROME_MAC, ip, otp: '000000' }))).toBe('BAD_USER_INPUT');
    expect(await alertsTo(u.email)).toHaveLength(0);
    const rows = await server.orm.em.fork().getConnection().execute('select count(*) as n from known_devices where user_id = ?', [u.id]);
    expect(Number(rows[0].n)).toBe(1);
    await awayFromStepEdge();
    expect((await signIn(u, { ua: CHROME_MAC, ip, otp: totpCode(secret) })).errors).toBeUndefined();
    expect(await alertsTo(u.email)).toHaveLength(1);
  });

});
