import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { exifPhoto } from '../fixtures/exif.js';
import { codeOf, newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { imageRowCount, startTestServer, type TestServer } from '../support/server.js';

const MiB = 1024 * 1024;

/**
 * Animated images cost their frames × pixels × passes, not their file size (issue 9): a few KB
 * of WebP can hold 200 frames that took seconds of CPU and hundreds of MiB to re-encode and turn.
 */
describe.each(databases)('image work budget on %s', (kind) => {
  let server: TestServer;
  let user: TestUser;

  beforeAll(async () => {
    server = await startTestServer(kind);
    user = await newUser(server.url);
  });
  afterAll(() => server?.close());

  it('refuses a 200-frame animation with EXIF orientation from its header, with a clear INVALID_IMAGE', async () => {
    const upload = await fixtures.webpAnimated({ frames: 200, width: 447, height: 447, orientation: 6 });
    expect(upload.length).toBeLessThan(200 * 1024);
    const rows = await imageRowCount(server);
    const res = await user.client.upload(upload, 'clip.webp');
    expect(codeOf(res)).toBe('INVALID_IMAGE');
    expect(res.errors![0]!.message).toBe(
      'The animation is too much work to process: 200 frames of 447×447 pixels come to 480 million pixel operations, over the limit of 240 million. Try fewer or smaller frames.',
    );
    expect(res.errors![0]!.extensions).toMatchObject({ maxWork: 240_000_000 });
    expect(await imageRowCount(server)).toBe(rows);
  });

  it('still takes ordinary photos and smaller animations, turned upright', async () => {
    const photo = await user.client.uploadOk(await exifPhoto({ orientation: 6 }), 'photo.jpg');
    expect(photo.mimeType).toBe('image/jpeg');
    const clip = await user.client.uploadOk(await fixtures.webpAnimated({ frames: 50, width: 120, height: 90, orientation: 6 }), 'clip.webp');
    expect([clip.width, clip.height]).toEqual([90, 120]);
  });

  it('honours MAX_IMAGE_WORK from the environment', async () => {
    const strict = await startTestServer(kind, { MAX_IMAGE_WORK: '1000000' });
    try {
      const u = await newUser(strict.url);
      const res = await u.client.upload(await fixtures.webpAnimated({ frames: 20, width: 120, height: 90 }), 'clip.webp');
      expect(codeOf(res)).toBe('INVALID_IMAGE');
      expect(res.errors![0]!.extensions).toMatchObject({ maxWork: 1_000_000 });
      await u.client.uploadOk(await fixtures.jpeg({ width: 400, height: 300 }), 'ok.jpg');
    } finally {
      await strict.close();
    }
  });

  it('decodes heavy animations one at a time within IMAGE_MEMORY_BYTES', async () => {
    // Each of these animations weighs about 18 MiB of decoded frames: more than the budget, so each runs alone.
    const heavyServer = await startTestServer(kind, { IMAGE_MEMORY_BYTES: String(16 * MiB) });
    try {
      const { queue } = heavyServer.app.services;
      const u = await newUser(heavyServer.url);
      const sample = async <T>(work: () => Promise<T>) => {
        let peak = 0;
        const timer = setInterval(() => (peak = Math.max(peak, queue.active)), 1);
        try {
          return { result: await work(), peak };
        } finally {
          clearInterval(timer);
        }
      };

      const clip = await fixtures.webpAnimated({ frames: 40, width: 200, height: 200, orientation: 6 });
      const heavy = await sample(() => Promise.all([u.client.upload(clip, 'a.webp'), u.client.upload(clip, 'b.webp')]));
      expect(heavy.result.map((r) => r.errors)).toEqual([undefined, undefined]);
      expect(heavy.peak).toBe(1);
      expect(queue.budgetBytes).toBe(16 * MiB);

    } finally {
      await heavyServer.close();
    }
  });
});
