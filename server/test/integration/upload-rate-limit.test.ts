import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { codeOf, newUser, UPLOAD_MUTATION, type GqlResponse, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { holdOpen, multipartBody, multipartRequest } from '../support/raw-http.js';
import { imageRowCount, startTestServer, type TestServer } from '../support/server.js';

const PER_ACCOUNT = 3;
const PER_ADDRESS = 5;
const HOUR = 3600;

/** The server trusts X-Forwarded-For here, so each test picks the client address it speaks from. */
const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

function expectLimited(res: GqlResponse, quota: string): void {
  expect(res.status).toBe(429);
  expect(codeOf(res)).toBe('RATE_LIMITED');
  const { retryAfterSeconds, locked } = res.errors![0]!.extensions as { retryAfterSeconds: number; locked: boolean };
  expect(retryAfterSeconds).toBeGreaterThan(HOUR - 120);
  expect(retryAfterSeconds).toBeLessThanOrEqual(HOUR);
  // Waiting is the way on: a password reset would not help, so the client must not suggest one.
  expect(locked).toBe(false);
  expect(res.headers.get('retry-after')).toBe(String(retryAfterSeconds));
  expect(res.errors![0]!.message).toBe(`Limit reached: ${quota}. Try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`);
}

/**
 * Uploads per hour, per account and per client address (issue 9: one account filled the test
 * disk). Counted from the request's headers, before its body is read or anything is decoded.
 */
describe.each(databases)('upload rate limits on %s', (kind) => {
  let server: TestServer;
  let ann: TestUser;
  let bob: TestUser;
  let cat: TestUser;
  let photo: Buffer;

  beforeAll(async () => {
    server = await startTestServer(kind, { TRUST_PROXY: 'true', UPLOADS_PER_HOUR: String(PER_ACCOUNT), UPLOADS_PER_IP_PER_HOUR: String(PER_ADDRESS) });
    [ann, bob, cat] = await Promise.all([newUser(server.url), newUser(server.url), newUser(server.url)]);
    photo = await fixtures.jpeg({ width: 320, height: 240 });
  });
  afterAll(() => server?.close());

  it('stops an account at its hourly quota with RATE_LIMITED and a Retry-After, storing nothing', async () => {
    for (let i = 0; i < PER_ACCOUNT; i++) await ann.client.uploadOk(photo, `ann-${i}.jpg`);
    const rows = await imageRowCount(server);
    const res = await ann.client.upload(photo, 'one-too-many.jpg', from('198.51.100.7'));
    expectLimited(res, `at most ${PER_ACCOUNT} uploads per hour from this account`);
    expect(await imageRowCount(server)).toBe(rows);
    // The quota is the account's wherever it connects from; a refused upload did not use any of it.
    expectLimited(await ann.client.upload(photo, 'elsewhere.jpg', from('203.0.113.9')), `at most ${PER_ACCOUNT} uploads per hour from this account`);
  });

  it('stops a second account on the same address by the address quota', async () => {
    // ann used 3 of 127.0.0.1's 5; bob has 2 left there, though his own quota is untouched.
    await bob.client.uploadOk(photo, 'bob-0.jpg');
    await bob.client.uploadOk(photo, 'bob-1.jpg');
    expectLimited(await bob.client.upload(photo, 'bob-2.jpg'), `at most ${PER_ADDRESS} uploads per hour from your network address`);
    // From another address, bob's own quota still has room.
    expect((await bob.client.upload(photo, 'bob-elsewhere.jpg', from('192.0.2.44'))).errors).toBeUndefined();
  });

  it('leaves other accounts on other addresses alone', async () => {
    const cats = [];
    for (let i = 0; i < PER_ACCOUNT; i++) cats.push(await cat.client.upload(photo, `cat-${i}.jpg`, from('2001:db8:1:2::10')));
    expect(cats.map((r) => r.errors)).toEqual([undefined, undefined, undefined]);
  });

  it('counts IPv6 clients by their /64, not address by address', async () => {
    const [frank, gina] = await Promise.all([newUser(server.url), newUser(server.url)]);
    const sent = [];
    for (let i = 1; i <= PER_ADDRESS; i++) sent.push(await (i <= PER_ACCOUNT ? frank : gina).client.upload(photo, `v6-${i}.jpg`, from(`2001:db8:aa:bb::${i}`)));
    expect(sent.map((r) => r.errors)).toEqual(Array(PER_ADDRESS).fill(undefined));
    // A new address in the same /64 is the same client.
    expectLimited(await gina.client.upload(photo, 'v6-more.jpg', from('2001:db8:aa:bb:ffff::1')), `at most ${PER_ADDRESS} uploads per hour from your network address`);
  });

  it('refuses from the headers, without waiting for the body', async () => {
    // ann is over her quota: a request that declares a body and never sends it is answered at once.
    const operations = JSON.stringify({ query: UPLOAD_MUTATION, variables: { file: null } });
    const start = multipartBody([{ name: 'operations', body: operations }]).subarray(0, 100);
    const held = holdOpen(Number(new URL(server.url).port), multipartRequest(start, { Authorization: `Bearer ${ann.token}` }, undefined, 900_000));
    try {
      const started = performance.now();
      const res = await held.response;
      expect(performance.now() - started).toBeLessThan(server.env.uploadStallMs);
      expect(res?.status).toBe(429);
      expect(JSON.parse(res!.body).errors[0].extensions.code).toBe('RATE_LIMITED');
      expect(res!.head).toMatch(/\r\nRetry-After: \d+/i);
    } finally {
      held.close();
    }
  });
});
