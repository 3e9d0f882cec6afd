import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBytes } from '../../src/crypto/envelope.js';
import { createLogger } from '../../src/logger.js';
import { sweepOrphanBlobs } from '../../src/maintenance/tasks.js';
import { systemScope } from '../../src/scope.js';
import { S3BlobStore } from '../../src/storage/s3-blob-store.js';
import { exifPhoto } from '../fixtures/exif.js';
import { codeOf, newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { openRawDb, type RawDb } from '../support/raw-db.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * BLOB_STORE=s3 end to end, over HTTP, against a real S3 API server (s3rver on loopback): the
 * bucket holds ciphertext only, every variant comes back byte-exact, deletes and the orphan sweep
 * remove objects, and an S3 outage is a clean 503 that heals by itself.
 */
const IMAGES = `{ images(first: 100) { totalCount nodes { id filename width height } } }`;
const DELETE = `mutation($id: ID!) { deleteImage(id: $id) }`;
const MAKE = 'S3MARKERMAKE';
const MODEL = 'S3MARKERMODEL';
const ARTIST = 'S3MARKERARTIST';
const VARIANTS = ['original', 'display', 'thumbnail'] as const;

const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());

describe.each(databases)('S3 blob store on %s', (kind) => {
  let s3: TestS3;
  let server: TestServer;
  let db: RawDb;
  let alice: TestUser;

  beforeAll(async () => {
    s3 = await startS3();
    server = await startTestServer(kind, s3.vars);
    db = await openRawDb(server.vars);
    alice = await newUser(server.url);
  });
  afterAll(async () => {
    await db?.close();
    await server?.close();
    await s3?.close();
  });

  const rowOf = async (imageId: string) => (await db.all('select * from images where id = ?', [imageId]))[0]!;
  const blobKeys = async (storageId: string) => (await s3.keys()).filter((k) => k.startsWith(`blobs/${storageId}.`)).sort();

  it('runs on the bucket: the server chose S3 and is ready', async () => {
    expect(server.blobs).toBeInstanceOf(S3BlobStore);
    const ready = await fetch(`${server.url}/readyz`);
    expect(await ready.json()).toEqual({ ok: true, checks: { database: 'ok', storage: 'ok' } });
    expect(ready.status).toBe(200);
    // The probe cleaned up after itself.
    expect((await s3.keys()).filter((k) => !k.startsWith('blobs/'))).toEqual([]);
  });

  it('uploads, lists and serves every variant byte-exact from sealed objects that hold none of the plaintext, then deletes them', async () => {
    const photo = await exifPhoto({ width: 640, height: 480, make: MAKE, model: MODEL, artist: ARTIST, gps: { lat: 12.5, lon: -8.25 } });
    expect(photo.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true);
    expect(photo.includes(Buffer.from(MAKE))).toBe(true);
    const image = await alice.client.uploadOk(photo, 'holiday-s3.jpg');

    const list = await alice.client.gql(IMAGES);
    expect(list.data!.images.nodes).toEqual([{ id: image.id, filename: 'holiday-s3.jpg', width: 640, height: 480 }]);

    const served = {
      original: await bytesOf(await alice.client.media(image.originalUrl)),
      display: await bytesOf(await alice.client.media(image.url)),
      thumbnail: await bytesOf(await alice.client.media(image.thumbnailUrl)),
    };
    expect(served.original.equals(photo)).toBe(true);

    const row = await rowOf(image.id);
    const storageId = String(row.storage_id);
    expect(await blobKeys(storageId)).toEqual(VARIANTS.map((v) => `blobs/${storageId}.${v}`).sort());
    const objects = await s3.objects();
    const dek = await server.app.services.store.openImageKey({
      id: image.id,
      ownerId: String(row.user_id),
      wrappedKey: String(row.wrapped_key),
      keyId: String(row.key_id),
    });
    const needles = [Buffer.from([0xff, 0xd8, 0xff]), Buffer.from('Exif'), Buffer.from(MAKE), Buffer.from(MODEL), Buffer.from(ARTIST), Buffer.from('holiday-s3')];
    for (const variant of VARIANTS) {
      const sealed = objects.get(`blobs/${storageId}.${variant}`)!;
      // What the bucket holds opens, with this image's key, to exactly what was served.
      expect(openBytes(dek, { imageId: image.id, purpose: variant }, sealed).equals(served[variant])).toBe(true);
      for (const needle of needles) expect(sealed.includes(needle), `${variant} object contains ${needle.toString('latin1')}`).toBe(false);
      expect(sealed.includes(served[variant].subarray(served[variant].length >> 1, (served[variant].length >> 1) + 32))).toBe(false);
    }

    const del = await alice.client.gql(DELETE, { id: image.id });
    expect(del.data?.deleteImage).toBe(true);
    expect(await blobKeys(storageId)).toEqual([]);
    expect((await alice.client.media(image.originalUrl)).status).toBe(404);
  });

  it('sweeps objects that belong to no image from the bucket, and leaves images and foreign objects alone', async () => {
    const kept = await alice.client.uploadOk(await exifPhoto({ width: 64, height: 48 }), 'kept.jpg');
    const keptId = String((await rowOf(kept.id)).storage_id);
    const orphan = randomUUID();
    await s3.putRaw(`blobs/${orphan}.original`, Buffer.from('left by a crash'));
    await s3.putRaw(`blobs/${orphan}.display`, Buffer.from('left by a crash'));
    await s3.putRaw('blobs/not-a-blob.txt', Buffer.from('someone else'));
    const scope = systemScope(server.orm.em.fork(), createLogger({ logLevel: 'silent' }), 'test');
    // Young objects stay (an upload in flight may be about to commit its row)...
    expect(await sweepOrphanBlobs(scope, server.blobs, server.app.services.imageRepository, 60_000)).toBe(0);
    expect(await blobKeys(orphan)).toHaveLength(2);
    // ...old ones go.
    expect(await sweepOrphanBlobs(scope, server.blobs, server.app.services.imageRepository, 0)).toBe(1);
    expect(await blobKeys(orphan)).toEqual([]);
    expect(await blobKeys(keptId)).toHaveLength(3);
    expect(await s3.keys()).toContain('blobs/not-a-blob.txt');
    expect((await bytesOf(await alice.client.media(kept.thumbnailUrl))).length).toBeGreaterThan(0);
  });

  it('answers 503 SERVICE_UNAVAILABLE while S3 is down, saves nothing half-way, and recovers when it is back', async () => {
    const before = await alice.client.uploadOk(await exifPhoto({ width: 80, height: 60 }), 'before.jpg');
    const rowsBefore = await db.all('select id from images');
    const keysBefore = (await s3.keys()).sort();
    await s3.stop();
    try {
      const upload = await alice.client.upload(await exifPhoto({ width: 90, height: 70 }), 'during.jpg');
      expect(codeOf(upload), upload.raw).toBe('SERVICE_UNAVAILABLE');
      expect(upload.status).toBe(503);
      expect(upload.raw).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/i);
      for (const url of [before.url, before.thumbnailUrl, before.originalUrl]) {
        const res = await alice.client.media(url);
        expect(res.status, url).toBe(503);
        expect(res.headers.get('retry-after')).toBeTruthy();
      }
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ ok: false, checks: { database: 'ok', storage: 'SERVICE_UNAVAILABLE' } });
      // Nothing that needs no blob is affected.
      expect((await alice.client.gql(IMAGES)).data!.images.totalCount).toBe(rowsBefore.length);
    } finally {
      await s3.start();
    }
    expect(await db.all('select id from images')).toHaveLength(rowsBefore.length);
    expect((await s3.keys()).sort()).toEqual(keysBefore);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await alice.client.media(before.originalUrl)).status).toBe(200);
    const after = await alice.client.uploadOk(await exifPhoto({ width: 90, height: 70 }), 'after.jpg');
    expect((await alice.client.media(after.url)).status).toBe(200);
  });
});
