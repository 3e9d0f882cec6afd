import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEIC_ENCODER, heic, NO_HEIC_ENCODER } from '../fixtures/heic.js';
import * as fixtures from '../fixtures/images.js';
import { newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** The README's settings for 48 MP phone photos: 50 MiB uploads, 50 MP images. */
const LARGE = { MAX_UPLOAD_BYTES: String(50 * 1024 * 1024), MAX_IMAGE_PIXELS: '50000000' };

describe.each(databases)('48 MP photos with MAX_UPLOAD_BYTES=50 MiB on %s', (kind) => {
  let server: TestServer;
  let user: TestUser;

  beforeAll(async () => {
    server = await startTestServer(kind, LARGE);
    user = await newUser(server.url);
  });
  afterAll(() => server?.close());

  it('accepts a 48 MP JPEG over the old 5 MiB limit, with a 2560-pixel display', async () => {
    const photo = await fixtures.largeJpeg({ megapixels: 48 });
    expect(photo.length).toBeGreaterThan(5 * 1024 * 1024);
    const image = await user.client.uploadOk(photo, 'big.jpg');
    expect(image.width * image.height).toBeGreaterThan(47_000_000);
    expect(image.byteSize).toBe(photo.length);
    const display = await user.client.media(image.url);
    expect(display.status).toBe(200);
    const meta = await sharp(Buffer.from(await display.arrayBuffer())).metadata();
    expect(Math.max(meta.width, meta.height)).toBe(2560);
  }, 120_000);

  it.skipIf(!HEIC_ENCODER)(HEIC_ENCODER ? 'accepts a 48 MP HEIC' : NO_HEIC_ENCODER, async () => {
    const photo = await heic({ width: 8000, height: 6000 });
    const image = await user.client.uploadOk(photo, 'big.heic');
    expect([image.width, image.height, image.mimeType]).toEqual([8000, 6000, 'image/heic']);
    const meta = await sharp(Buffer.from(await (await user.client.media(image.url)).arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 2560, 1920]);
  }, 120_000);
});
