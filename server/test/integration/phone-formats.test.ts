import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEIC_ENCODER, heic, NO_HEIC_ENCODER } from '../fixtures/heic.js';
import * as fixtures from '../fixtures/images.js';
import { codeOf, newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { imageRowCount, startTestServer, type TestServer } from '../support/server.js';

/** Photos in the formats phones save, uploaded over HTTP like any client would. */

const IMAGE = `query($id: ID!) {
  image(id: $id) {
    id mimeType format width height
    details { format camera { make model } location { latitude longitude } }
  }
}`;
const BY_FORMAT = `query($format: ImageFormat!) { images(filter: { format: $format }) { totalCount nodes { id format mimeType } } }`;

const GPS = { lat: 48.858222, lon: 2.2945 };
const CAMERA = 'Lockframe Test Camera';

async function bytesOf(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

/** Is the fixtures' red marker at this point (fractions of width and height)? */
async function redAt(image: Buffer, fx: number, fy: number): Promise<boolean> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const o = (Math.floor(info.height * fy) * info.width + Math.floor(info.width * fx)) * info.channels;
  return data[o]! > 200 && data[o + 1]! < 60 && data[o + 2]! < 60;
}

describe.each(databases)('AVIF uploads on %s', (kind) => {
  let server: TestServer;
  let user: TestUser;

  beforeAll(async () => {
    server = await startTestServer(kind);
    user = await newUser(server.url);
  });
  afterAll(() => server?.close());

  describe('a sideways AVIF with GPS', () => {
    let avif: Buffer;
    let image: { id: string; url: string; thumbnailUrl: string; originalUrl: string; mimeType: string; width: number; height: number };

    beforeAll(async () => {
      // Stored 400×300 with orientation 6: upright it is 300×400 with the marker top right.
      avif = await fixtures.avif({ width: 400, height: 300, orientation: 6, gps: GPS });
      image = await user.client.uploadOk(avif, 'IMG_0042.avif');
    });

    it('is accepted as AVIF with its upright size', () => {
      expect(image.mimeType).toBe('image/avif');
      expect([image.width, image.height]).toEqual([300, 400]);
    });

    it('keeps the original byte for byte', async () => {
      const res = await user.client.media(image.originalUrl);
      expect(res.status).toBe(200);
      expect((await bytesOf(res)).equals(avif)).toBe(true);
    });

    it('serves an upright WebP display and thumbnail without EXIF or GPS', async () => {
      for (const url of [image.url, image.thumbnailUrl]) {
        const res = await user.client.media(url);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^image\/webp/);
        const bytes = await bytesOf(res);
        const meta = await sharp(bytes).metadata();
        expect(meta.format).toBe('webp');
        expect(meta.height).toBeGreaterThan(meta.width);
        expect(meta.exif).toBeUndefined();
        expect(bytes.includes(CAMERA)).toBe(false);
        expect(bytes.includes('Exif')).toBe(false);
        expect(await redAt(bytes, 7 / 8, 1 / 8)).toBe(true);
        expect(await redAt(bytes, 1 / 8, 1 / 8)).toBe(false);
      }
    });

    it('reads its camera and position for the owner', async () => {
      const res = await user.client.gql(IMAGE, { id: image.id });
      expect(res.errors).toBeUndefined();
      const { details, format } = res.data!.image;
      expect(format).toBe('AVIF');
      expect(details.format).toBe('AVIF');
      expect(details.camera).toEqual({ make: CAMERA, model: 'Fixture AVIF' });
      expect(details.location.latitude).toBeCloseTo(GPS.lat, 4);
      expect(details.location.longitude).toBeCloseTo(GPS.lon, 4);
    });

    it('is found by the AVIF format filter, and only it', async () => {
      const res = await user.client.gql(BY_FORMAT, { format: 'AVIF' });
      expect(res.errors).toBeUndefined();
      expect(res.data!.images.nodes).toEqual([{ id: image.id, format: 'AVIF', mimeType: 'image/avif' }]);
      const webp = await user.client.gql(BY_FORMAT, { format: 'WEBP' });
      expect(webp.data!.images.totalCount).toBe(0);
    });
  });

  const refusals: Array<[string, () => Promise<Buffer>]> = [
    ['a truncated AVIF', async () => (await fixtures.avif({ width: 400, height: 300 })).subarray(0, 400)],
    ['AVIF brands before PNG bytes', async () => Buffer.concat([Buffer.from('\0\0\0\x14ftypavif\0\0\0\0avif', 'latin1'), await fixtures.png()])],
    ['random bytes after an AVIF ftyp', async () => Buffer.concat([Buffer.from('\0\0\0\x14ftypavif\0\0\0\0avif', 'latin1'), Buffer.alloc(4096, 0xa5)])],
  ];

  it.each(refusals)('refuses %s with INVALID_IMAGE and stores nothing', async (_label, make) => {
    const rows = await imageRowCount(server);
    const res = await user.client.upload(await make(), 'bad.avif');
    expect(codeOf(res)).toBe('INVALID_IMAGE');
    expect(res.errors![0]!.message).not.toMatch(/vips|sharp|heif|\/tmp|at .*:\d+/i);
    expect(await imageRowCount(server)).toBe(rows);
  });
});

describe.skipIf(!HEIC_ENCODER).each(databases)(HEIC_ENCODER ? 'HEIC uploads on %s' : NO_HEIC_ENCODER, (kind) => {
  let server: TestServer;
  let user: TestUser;
  let photo: Buffer;
  let image: { id: string; url: string; thumbnailUrl: string; originalUrl: string; mimeType: string; width: number; height: number };

  beforeAll(async () => {
    server = await startTestServer(kind);
    user = await newUser(server.url);
    photo = await heic({ width: 640, height: 480, gps: GPS });
    image = await user.client.uploadOk(photo, 'IMG_4242.HEIC');
  });
  afterAll(() => server?.close());

  it('is accepted as HEIC with its size, and the original kept byte for byte', async () => {
    expect(image.mimeType).toBe('image/heic');
    expect([image.width, image.height]).toEqual([640, 480]);
    const res = await user.client.media(image.originalUrl);
    expect(res.status).toBe(200);
    expect((await bytesOf(res)).equals(photo)).toBe(true);
  });

  it('serves a JPEG display and a WebP thumbnail a browser can show, without EXIF or GPS', async () => {
    for (const [url, type] of [
      [image.url, 'jpeg'],
      [image.thumbnailUrl, 'webp'],
    ] as const) {
      const res = await user.client.media(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(new RegExp(`^image/${type}`));
      const bytes = await bytesOf(res);
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe(type);
      expect(meta.width).toBeGreaterThan(meta.height);
      expect(meta.exif).toBeUndefined();
      expect(bytes.includes(CAMERA)).toBe(false);
      expect(await redAt(bytes, 1 / 8, 1 / 8)).toBe(true);
      expect(await redAt(bytes, 7 / 8, 7 / 8)).toBe(false);
    }
  });

  it('reads its camera and position from the Exif item, and is found by the HEIC filter', async () => {
    const res = await user.client.gql(IMAGE, { id: image.id });
    expect(res.errors).toBeUndefined();
    expect(res.data!.image.details.format).toBe('HEIC');
    expect(res.data!.image.details.camera.make).toBe(CAMERA);
    expect(res.data!.image.details.location.latitude).toBeCloseTo(GPS.lat, 4);
    expect(res.data!.image.details.location.longitude).toBeCloseTo(GPS.lon, 4);
    const found = await user.client.gql(BY_FORMAT, { format: 'HEIC' });
    expect(found.data!.images.nodes).toEqual([{ id: image.id, format: 'HEIC', mimeType: 'image/heic' }]);
  });

  const hostile: Array<[string, () => Buffer]> = [
    ['a truncated HEIC', () => photo.subarray(0, Math.floor(photo.length / 2))],
    ['random bytes behind a HEIC ftyp', () => Buffer.concat([Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(8192, 0x5a)])],
    [
      'an ispe claiming 30000×30000',
      () => {
        const lying = Buffer.from(photo);
        const ispe = lying.indexOf('ispe');
        lying.writeUInt32BE(30_000, ispe + 8);
        lying.writeUInt32BE(30_000, ispe + 12);
        return lying;
      },
    ],
  ];

  it.each(hostile)('refuses %s with INVALID_IMAGE, stores nothing and stays up', async (_label, make) => {
    const rows = await imageRowCount(server);
    const res = await user.client.upload(make(), 'bad.heic');
    expect(codeOf(res)).toBe('INVALID_IMAGE');
    expect(res.errors![0]!.message).not.toMatch(/vips|sharp|heif|\/tmp|at .*:\d+/i);
    expect(await imageRowCount(server)).toBe(rows);
    expect((await user.client.gql(BY_FORMAT, { format: 'HEIC' })).data!.images.totalCount).toBe(1);
  });
});
