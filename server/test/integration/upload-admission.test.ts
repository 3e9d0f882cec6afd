import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { codeOf, newUser, UPLOAD_MUTATION, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { holdOpen, multipartBody, multipartRequest, type RawResponse } from '../support/raw-http.js';
import { startTestServer, type TestServer } from '../support/server.js';

const MiB = 1024 * 1024;
/** One account may hold half of this: 3 MiB, so three stalled 1 MiB bodies fill its share. */
const BUDGET = 6 * MiB;

const operations = JSON.stringify({ query: UPLOAD_MUTATION, variables: { file: null } });
const map = JSON.stringify({ 0: ['variables.file'] });

/** The head of a multipart upload declaring `declared` body bytes, plus the first part of that body. */
function stalledUpload(declared: number, headers: Record<string, string>): Buffer {
  const start = multipartBody([
    { name: 'operations', body: operations },
    { name: 'map', body: map },
  ]).subarray(0, 200);
  return multipartRequest(start, headers, undefined, declared);
}

/** Waits for a condition the server reaches on its own (admitting or releasing a request). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

const bodyCode = (res: RawResponse | null) => (res ? JSON.parse(res.body).errors?.[0]?.extensions?.code : undefined);

/**
 * Who may spend upload memory, and for how long: authentication from the headers before any
 * body byte is read, a byte budget per process and per account, and a short stall timeout
 * (docs/hardening.md: ten stalled anonymous requests used to lock every real upload out for minutes).
 */
describe.each(databases)('upload admission on %s', (kind) => {
  let server: TestServer;
  let port: number;
  let ann: TestUser;
  let bob: TestUser;
  let photo: Buffer;
  const open: Array<{ close(): void }> = [];

  beforeAll(async () => {
    server = await startTestServer(kind, { MAX_UPLOAD_BYTES: String(MiB), UPLOAD_MEMORY_BYTES: String(BUDGET), UPLOAD_STALL_SECONDS: '1' });
    port = Number(new URL(server.url).port);
    [ann, bob] = await Promise.all([newUser(server.url), newUser(server.url)]);
    photo = await fixtures.jpeg({ width: 900, height: 600 });
  });
  afterAll(async () => {
    for (const connection of open) connection.close();
    await server?.close();
  });

  const hold = (request: Buffer) => {
    const held = holdOpen(port, request);
    open.push(held);
    return held;
  };

  it('refuses an anonymous or badly authenticated upload from its headers, without waiting for its body', async () => {
    const credentials: Array<Record<string, string>> = [{}, { Authorization: 'Bearer not-a-token' }, { Authorization: `Bearer ${ann.token}x` }];
    for (const headers of credentials) {
      const held = hold(stalledUpload(900_000, headers));
      const res = await held.response;
      expect(res?.status).toBe(401);
      expect(bodyCode(res)).toBe('UNAUTHENTICATED');
    }
  });

  it('lets no number of never-finishing anonymous requests take upload capacity', async () => {
    const stalled = Array.from({ length: 30 }, () => hold(stalledUpload(MiB, {})));
    const upload = await ann.client.upload(photo, 'while-attacked.jpg');
    expect(upload.errors).toBeUndefined();
    expect(upload.data?.uploadImage.filename).toBe('while-attacked.jpg');
    for (const s of stalled) expect((await s.response)?.status).toBe(401);
  });

  it("holds one account to its share of the budget, while other accounts upload, and cuts stalled bodies quickly", async () => {
    const auth = { Authorization: `Bearer ${ann.token}` };
    // Three bodies of 1 MiB (plus multipart overhead) each, never finished: more than ann's 3 MiB share.
    const stalled = [hold(stalledUpload(MiB, auth)), hold(stalledUpload(MiB, auth)), hold(stalledUpload(MiB, auth))];
    // Once the server has admitted all three, ann's share is spent.
    await until(() => server.app.uploads.inUse >= 3 * MiB);
    const refused = await ann.client.upload(photo, 'over-share.jpg');
    expect(refused.status).toBe(503);
    expect(codeOf(refused)).toBe('SERVER_BUSY');
    expect(refused.errors![0]!.extensions!.retryAfterSeconds).toBe(2);
    expect(refused.headers.get('retry-after')).toBe('2');
    // Another account is not locked out by ann's requests.
    expect((await bob.client.upload(photo, 'bob.jpg')).errors).toBeUndefined();
    // Each stalled body is cut after a second of silence...
    for (const s of stalled) {
      const res = await s.response;
      expect(res?.status).toBe(408);
      expect(bodyCode(res)).toBe('REQUEST_TIMEOUT');
    }
    await until(() => server.app.uploads.inUse === 0);
    // ...and gives its memory back: ann uploads again.
    expect((await ann.client.upload(photo, 'after-stall.jpg')).errors).toBeUndefined();
  });

  it("refuses a body larger than one account's share from its declared size", async () => {
    const res = await hold(stalledUpload(4 * MiB, { Authorization: `Bearer ${ann.token}` })).response;
    expect(res?.status).toBe(413);
    expect(bodyCode(res)).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers a burst beyond the budget with SERVER_BUSY before reading the bodies, and stores every accepted one', async () => {
    // 400 KB each: thirty of them are four times bob's share.
    const base = await fixtures.jpeg({ width: 1600, height: 1200 });
    const big = fixtures.padJpeg(base, 400_000);
    // Each a few bytes longer: equal bytes would be one image (duplicate detection), not thirty.
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => bob.client.upload(fixtures.padJpeg(base, 400_000 + i), `burst-${i}.jpg`)));
    const busy = results.filter((r) => codeOf(r) === 'SERVER_BUSY');
    const stored = results.filter((r) => r.data?.uploadImage);
    expect(busy.length).toBeGreaterThan(0);
    for (const r of busy) {
      expect(r.status).toBe(503);
      expect(r.errors![0]!.extensions!.retryAfterSeconds).toBe(2);
    }
    expect(stored.length + busy.length).toBe(30);
    const listed = await bob.client.gql('{ images(first: 100) { totalCount } }');
    // bob.jpg from the test above, plus every accepted upload of the burst.
    expect(listed.data?.images.totalCount).toBe(stored.length + 1);
    expect((await bob.client.upload(big, 'after-burst.jpg')).errors).toBeUndefined();
  });
});
