import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { codeOf, newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { imageRowCount, startTestServer, type TestServer } from '../support/server.js';

const MiB = 1024 * 1024;

async function storedFileCount(dataDir: string): Promise<number> {
  const entries = await readdir(path.join(dataDir, 'blobs'), { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).length;
}

describe.each(databases)('hostile uploads on %s', (kind) => {
  let server: TestServer;
  let user: TestUser;

  beforeAll(async () => {
    server = await startTestServer(kind);
    user = await newUser(server.url);
  });
  afterAll(() => server?.close());

  const refusals: Array<[string, () => Promise<Buffer> | Buffer, string, string]> = [
    ['HTML named .png', () => fixtures.htmlAsPng(), 'evil.png', 'UNSUPPORTED_MEDIA_TYPE'],
    ['SVG', () => fixtures.svg(), 'vector.svg', 'UNSUPPORTED_MEDIA_TYPE'],
    ['SVG named .jpg', () => fixtures.svg(), 'vector.jpg', 'UNSUPPORTED_MEDIA_TYPE'],
    ['TIFF', () => fixtures.tiff(), 'scan.tiff', 'UNSUPPORTED_MEDIA_TYPE'],
    ['ZIP', () => fixtures.zip(), 'archive.jpg', 'UNSUPPORTED_MEDIA_TYPE'],
    ['EXE', () => fixtures.exe(), 'setup.gif', 'UNSUPPORTED_MEDIA_TYPE'],
    ['empty file', () => Buffer.alloc(0), 'empty.jpg', 'UNSUPPORTED_MEDIA_TYPE'],
    ['truncated JPEG', () => fixtures.truncatedJpeg(), 'cut.jpg', 'INVALID_IMAGE'],
    ['corrupt PNG', () => fixtures.corruptPng(), 'broken.png', 'INVALID_IMAGE'],
    ['pixel-flood PNG', () => fixtures.pixelFloodPng(), 'bomb.png', 'INVALID_IMAGE'],
  ];

  it.each(refusals)('refuses %s and stores nothing', async (_label, make, filename, code) => {
    const files = await storedFileCount(server.dataDir);
    const rows = await imageRowCount(server);
    const res = await user.client.upload(await make(), filename);
    expect(codeOf(res)).toBe(code);
    expect(res.errors![0]!.message).not.toMatch(/vips|sharp|\/tmp|at .*:\d+/i);
    expect(await storedFileCount(server.dataDir)).toBe(files);
    expect(await imageRowCount(server)).toBe(rows);
  });

  it('accepts a file of exactly MAX_UPLOAD_BYTES and refuses one byte more with FILE_TOO_LARGE', async () => {
    expect(server.env.maxUploadBytes).toBe(5 * MiB);
    const exact = await fixtures.bytesOfSize(5 * MiB);
    expect(exact.length).toBe(5 * MiB);
    const ok = await user.client.upload(exact, 'exact.jpg');
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.uploadImage.byteSize).toBe(5 * MiB);

    const files = await storedFileCount(server.dataDir);
    const over = await user.client.upload(await fixtures.bytesOfSize(5 * MiB + 1), 'over.jpg');
    expect(over.status).toBe(413);
    expect(codeOf(over)).toBe('FILE_TOO_LARGE');
    expect(await storedFileCount(server.dataDir)).toBe(files);
  });

  it('refuses a much larger body early', async () => {
    const res = await user.client.upload(Buffer.alloc(40 * MiB, 1), 'huge.jpg');
    expect(res.status).toBe(413);
  });

  it('refuses multipart without the preflight header (CSRF) and stores nothing', async () => {
    const files = await storedFileCount(server.dataDir);
    const rows = await imageRowCount(server);
    const res = await user.client.upload(await fixtures.png(), 'csrf.png', { preflight: false });
    expect(res.status).toBe(400);
    expect(res.raw).toMatch(/Cross-Site Request Forgery/);
    expect(await storedFileCount(server.dataDir)).toBe(files);
    expect(await imageRowCount(server)).toBe(rows);
  });

  it('honours MAX_IMAGE_PIXELS from the environment', async () => {
    const small = await startTestServer(kind, { MAX_IMAGE_PIXELS: '10000' });
    try {
      const u = await newUser(small.url);
      const res = await u.client.upload(await fixtures.jpeg({ width: 200, height: 200 }), 'big.jpg');
      expect(codeOf(res)).toBe('INVALID_IMAGE');
      expect((await u.client.upload(await fixtures.jpeg({ width: 100, height: 100 }), 'ok.jpg')).errors).toBeUndefined();
    } finally {
      await small.close();
    }
  });
});
