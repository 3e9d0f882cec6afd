import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { newUser, UPLOAD_MUTATION, type TestUser } from '../support/client.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { BOUNDARY, multipartBody, multipartRequest, rawRequest, uploadParts, type Part } from '../support/raw-http.js';

const operations = JSON.stringify({ query: UPLOAD_MUTATION, variables: { file: null } });
const map = JSON.stringify({ 0: ['variables.file'] });

/**
 * Malformed multipart bodies against the real server process: each gets a 4xx, nothing is
 * stored, and the process stays up to answer the next request.
 */
describe('malformed multipart requests against the real server process', () => {
  let server: ServerProcess;
  let dataDir: string;
  let user: TestUser;
  let png: Buffer;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-mp-'));
    server = await spawnServer({ DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn' });
    user = await newUser(server.url);
    png = await fixtures.png();
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const send = (parts: Part[], headers: Record<string, string> = {}) =>
    rawRequest(server.port, multipartRequest(multipartBody(parts), { Authorization: `Bearer ${user.token}`, ...headers }));

  const stillAlive = async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  };

  const cases: Array<[string, () => Part[]]> = [
    [
      'a part header starting with whitespace',
      () => [
        { name: 'operations', body: operations },
        { name: 'map', body: map },
        { name: '0', body: png, rawHeaders: ' Content-Disposition: form-data; name="0"; filename="a.png"\r\n' },
      ],
    ],
    [
      'a folded (obs-fold) part header',
      () => [
        { name: 'operations', body: operations },
        { name: 'map', body: map },
        { name: '0', body: png, rawHeaders: 'Content-Disposition: form-data;\r\n name="0"; filename="a.png"\r\n\tX: y\r\n' },
      ],
    ],
    ['prototype-polluting map path', () => [
      { name: 'operations', body: operations },
      { name: 'map', body: JSON.stringify({ 0: ['variables.__proto__.polluted'] }) },
      { name: '0', filename: 'a.png', body: png },
    ]],
    ['constructor.prototype map path', () => [
      { name: 'operations', body: operations },
      { name: 'map', body: JSON.stringify({ 0: ['variables.file.constructor.prototype.polluted'] }) },
      { name: '0', filename: 'a.png', body: png },
    ]],
    ['map path through an inherited property', () => [
      { name: 'operations', body: operations },
      { name: 'map', body: JSON.stringify({ 0: ['variables.toString.polluted'] }) },
      { name: '0', filename: 'a.png', body: png },
    ]],
    ['__proto__ map key', () => [
      { name: 'operations', body: operations },
      { name: 'map', body: '{"__proto__": ["variables.file"]}' },
      { name: '0', filename: 'a.png', body: png },
    ]],
    ['a huge map', () => [
      { name: 'operations', body: operations },
      { name: 'map', body: JSON.stringify(Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [String(i), ['variables.file']]))) },
    ]],
    ['a map with too many entries', () => [
      { name: 'operations', body: operations },
      { name: 'map', body: JSON.stringify(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [String(i), ['variables.file']]))) },
    ]],
    ['more files than the map names', () => [
      { name: 'operations', body: operations },
      { name: 'map', body: map },
      { name: '0', filename: 'a.png', body: png },
      { name: '1', filename: 'b.png', body: png },
    ]],
    ['the same file field twice', () => [
      { name: 'operations', body: operations },
      { name: 'map', body: map },
      { name: '0', filename: 'a.png', body: png },
      { name: '0', filename: 'b.png', body: png },
    ]],
    ['a map before operations', () => [
      { name: 'map', body: map },
      { name: 'operations', body: operations },
    ]],
    ['a file before the map', () => [
      { name: 'operations', body: operations },
      { name: '0', filename: 'a.png', body: png },
      { name: 'map', body: map },
    ]],
    ['invalid JSON in operations', () => [{ name: 'operations', body: '{"query": ' }, { name: 'map', body: map }]],
    ['batched operations', () => [{ name: 'operations', body: `[${operations}]` }, { name: 'map', body: map }]],
    ['a map naming a file that never comes', () => [
      { name: 'operations', body: operations },
      { name: 'map', body: map },
    ]],
    ['a map path where the operation has no placeholder', () => [
      { name: 'operations', body: operations },
      { name: 'map', body: JSON.stringify({ 0: ['variables.nothere'] }) },
      { name: '0', filename: 'a.png', body: png },
    ]],
    ['no operations at all', () => [{ name: 'other', body: 'x' }]],
  ];

  it.each(cases)('answers %s with a 4xx', async (_label, parts) => {
    const res = await send(parts());
    expect(res).not.toBeNull();
    expect(res!.status).toBeGreaterThanOrEqual(400);
    expect(res!.status).toBeLessThan(500);
    expect(res!.body).not.toMatch(/at .*\.(js|ts):\d+/);
    await stillAlive();
  });

  it('answers NUL bytes in a filename safely (refused or sanitized, never stored raw)', async () => {
    const res = await send([
      { name: 'operations', body: operations },
      { name: 'map', body: map },
      { name: '0', body: png, rawHeaders: 'Content-Disposition: form-data; name="0"; filename="evil\u0000.php\u0000.png"\r\n' },
    ]);
    expect(res).not.toBeNull();
    if (res!.status === 200) {
      const json = JSON.parse(res!.body);
      expect(json.data.uploadImage.filename).not.toMatch(/\u0000/);
    } else {
      expect(res!.status).toBeGreaterThanOrEqual(400);
      expect(res!.status).toBeLessThan(500);
    }
    await stillAlive();
  });

  it('answers a missing boundary with 400', async () => {
    const body = multipartBody([{ name: 'operations', body: operations }]);
    const res = await rawRequest(
      server.port,
      multipartRequest(body, { 'Content-Type': 'multipart/form-data', Authorization: `Bearer ${user.token}` }),
    );
    expect(res!.status).toBe(400);
    await stillAlive();
  });

  it('survives truncated bodies (client gone mid-upload) and stores nothing', async () => {
    const full = multipartBody([
      { name: 'operations', body: operations },
      { name: 'map', body: map },
      { name: '0', filename: 'a.png', body: await fixtures.jpeg({ width: 800, height: 600 }) },
    ]);
    const countFiles = async () =>
      (await readdir(path.join(dataDir, 'blobs'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
    const before = await countFiles();
    for (const cut of [10, BOUNDARY.length + 40, Math.floor(full.length / 2), full.length - 5]) {
      const req = multipartRequest(full.subarray(0, cut), { Authorization: `Bearer ${user.token}` }, BOUNDARY, full.length);
      await rawRequest(server.port, req, { endAfterWrite: false, timeoutMs: 1500 });
      await stillAlive();
    }
    // A body that ends (without the closing boundary) is answered, not hung.
    const ended = await rawRequest(
      server.port,
      multipartRequest(full.subarray(0, full.length - 20), { Authorization: `Bearer ${user.token}` }),
    );
    expect(ended!.status).toBeGreaterThanOrEqual(400);
    expect(ended!.status).toBeLessThan(500);
    await stillAlive();
    expect(await countFiles()).toBe(before);
  });

  it('still uploads normally after all of that', async () => {
    const res = await send(uploadParts(UPLOAD_MUTATION, png, 'fine.png', 'image/png'));
    expect(res!.status).toBe(200);
    expect(JSON.parse(res!.body).data.uploadImage.filename).toBe('fine.png');
  });
});
