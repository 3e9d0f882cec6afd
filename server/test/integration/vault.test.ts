import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exifPhoto } from '../fixtures/exif.js';
import * as fixtures from '../fixtures/images.js';
import { codeOf, newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { openRawDb, type RawDb, type Row } from '../support/raw-db.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Encryption at rest, seen from outside: what lands on disk and in the database, what the media
 * routes serve, and what happens when stored bytes or keys are damaged.
 */

const IMAGE = `query($id: ID!) {
  image(id: $id) {
    id filename width height metadata
    details { format camera { make model lens } location { latitude longitude altitude } orientation capturedAt fields { name text number flag } }
  }
}`;
const IMAGES = `{ images(first: 100) { totalCount nodes { id filename } } }`;

const MAKE = 'MARKERMAKE123';
const MODEL = 'MARKERMODEL456';
const ARTIST = 'MARKERARTIST789';
const FILENAME = 'marker-file-987.jpg';
const TAKEN_AT = '2019:07:14 09:26:53';
const GPS = { lat: 12.345678, lon: -98.765432 };
const BACKGROUND = { r: 58, g: 110, b: 165 };

/** Every file under `dir`, recursively, except the master key folder. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && !path.relative(dir, file).startsWith(`keys${path.sep}`)) out.push(file);
  }
  return out;
}

interface Needles {
  /** Searched for as UTF-8, in their own, lower and upper case. */
  texts: string[];
  /** Searched for as is. */
  bytes: Array<{ label: string; data: Buffer }>;
}

/** The labels of every needle found in `haystack`. */
function leaksIn(haystack: Buffer, needles: Needles): string[] {
  const found: string[] = [];
  for (const text of needles.texts) {
    if ([text, text.toLowerCase(), text.toUpperCase()].some((t) => haystack.includes(Buffer.from(t, 'utf8')))) found.push(text);
  }
  for (const { label, data } of needles.bytes) if (haystack.includes(data)) found.push(label);
  return found;
}

/** A stored value as the bytes it could be hiding: itself, and its base64 decoding when it looks like base64. */
function valueBytes(value: unknown): Buffer[] {
  if (value === null || value === undefined) return [];
  if (Buffer.isBuffer(value)) return [value];
  if (value instanceof Uint8Array) return [Buffer.from(value)];
  const text = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const out = [Buffer.from(text, 'utf8')];
  if (text.length >= 16 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) out.push(Buffer.from(text, 'base64'));
  return out;
}

/** select * from every table: each leak as "table.column: needle". */
async function leaksInDatabase(db: RawDb, needles: Needles): Promise<{ leaks: string[]; rows: Record<string, Row[]> }> {
  const leaks: string[] = [];
  const rows: Record<string, Row[]> = {};
  for (const table of await db.tables()) {
    rows[table] = await db.all(`select * from ${table}`);
    for (const row of rows[table]) {
      for (const [column, value] of Object.entries(row)) {
        for (const bytes of valueBytes(value)) for (const leak of leaksIn(bytes, needles)) leaks.push(`${table}.${column}: ${leak}`);
      }
    }
  }
  return { leaks, rows };
}

const middle = (data: Buffer, size = 64) => Buffer.from(data.subarray(Math.floor(data.length / 2), Math.floor(data.length / 2) + size));

/** The chunk types of a RIFF/WebP file: metadata would show up as EXIF or XMP. */
function webpChunks(file: Buffer): string[] {
  const chunks: string[] = [];
  for (let offset = 12; offset + 8 <= file.length; ) {
    chunks.push(file.toString('latin1', offset, offset + 4).trim());
    offset += 8 + file.readUInt32LE(offset + 4) + (file.readUInt32LE(offset + 4) % 2);
  }
  return chunks;
}

/** RGB at a point given as fractions of the width and height. */
async function pixelAt(image: Buffer, fx: number, fy: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const o = (Math.floor(info.height * fy) * info.width + Math.floor(info.width * fx)) * info.channels;
  return [data[o]!, data[o + 1]!, data[o + 2]!];
}

function expectColour(actual: [number, number, number], expected: { r: number; g: number; b: number }): void {
  const distance = Math.max(Math.abs(actual[0] - expected.r), Math.abs(actual[1] - expected.g), Math.abs(actual[2] - expected.b));
  expect(distance, `pixel ${actual.join(',')} should be ${Object.values(expected).join(',')}`).toBeLessThan(24);
}

async function bytesOf(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

describe.each(databases)('encryption at rest on %s', (kind) => {
  let server: TestServer;
  let db: RawDb;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    server = await startTestServer(kind);
    db = await openRawDb(server.vars);
    alice = await newUser(server.url);
    bob = await newUser(server.url);
  });
  afterAll(async () => {
    await db?.close();
    await server?.close();
  });

  const blobPath = (storageId: string, variant: string) =>
    path.join(server.dataDir, 'blobs', storageId.slice(0, 2), `${storageId}.${variant}`);
  const storageIdOf = async (imageId: string) =>
    String((await db.all('select storage_id from images where id = ?', [imageId]))[0]!.storage_id);

  describe('a photo with EXIF, GPS and a telling name', () => {
    let photo: Buffer;
    let image: { id: string; url: string; thumbnailUrl: string; originalUrl: string; width: number; height: number };
    let display: Buffer;
    let thumbnail: Buffer;

    beforeAll(async () => {
      photo = await exifPhoto({
        width: 400,
        height: 300,
        orientation: 6,
        make: MAKE,
        model: MODEL,
        artist: ARTIST,
        takenAt: TAKEN_AT,
        gps: GPS,
      });
      image = await alice.client.uploadOk(photo, FILENAME);
      display = await bytesOf(await alice.client.media(image.url));
      thumbnail = await bytesOf(await alice.client.media(image.thumbnailUrl));
    });

    it('is stored with nothing in the clear: no file under DATA_DIR and no database value holds its bytes or metadata', async () => {
      const keyFile = JSON.parse(await readFile(path.join(server.dataDir, 'keys', 'master-keys.json'), 'utf8')) as {
        keys: Array<{ key: string }>;
      };
      const needles: Needles = {
        texts: [MAKE, MODEL, ARTIST, 'marker-file-987', TAKEN_AT, '2019-07-14T09:26:53', '12.3456', '-98.7654', ...keyFile.keys.map((k) => k.key)],
        bytes: [
          { label: 'original: SOI + APP1 Exif header', data: Buffer.from(photo.subarray(0, 12)) },
          { label: 'original: Exif + TIFF header', data: Buffer.from(photo.subarray(6, 16)) },
          { label: 'original: middle 64 bytes', data: middle(photo) },
          { label: 'display: first 16 bytes', data: Buffer.from(display.subarray(0, 16)) },
          { label: 'display: middle 64 bytes', data: middle(display) },
          { label: 'thumbnail: first 16 bytes', data: Buffer.from(thumbnail.subarray(0, 16)) },
          { label: 'thumbnail: middle 64 bytes', data: middle(thumbnail) },
          ...keyFile.keys.map((k, i) => ({ label: `master key ${i} (raw)`, data: Buffer.from(k.key, 'base64') })),
        ],
      };
      // The needles are really in the plaintext, so a leak would be seen.
      expect(photo.subarray(0, 12).toString('latin1')).toMatch(/^\xff\xd8\xff\xe1..Exif\0\0$/s);
      expect(leaksIn(photo, needles)).toEqual(expect.arrayContaining([MAKE, MODEL, ARTIST, TAKEN_AT, 'original: middle 64 bytes']));
      expect(leaksIn(display, needles)).toContain('display: middle 64 bytes');
      expect(leaksIn(Buffer.from(JSON.stringify({ f: FILENAME.toUpperCase() })), needles)).toEqual(['marker-file-987']);

      const files = await filesUnder(server.dataDir);
      const storageId = await storageIdOf(image.id);
      for (const variant of ['original', 'display', 'thumbnail']) expect(files).toContain(blobPath(storageId, variant));
      if (kind === 'sqlite') expect(files).toContain(path.join(server.dataDir, 'lockframe.sqlite'));
      const fileLeaks: string[] = [];
      for (const file of files) {
        for (const leak of leaksIn(await readFile(file), needles)) fileLeaks.push(`${path.relative(server.dataDir, file)}: ${leak}`);
      }
      expect(fileLeaks).toEqual([]);

      const { leaks, rows } = await leaksInDatabase(db, needles);
      expect(Object.keys(rows)).toEqual(expect.arrayContaining(['users', 'images', 'audit_events']));
      const row = rows.images!.find((r) => r.id === image.id)!;
      expect(row).toBeDefined();
      // The sealed columns are there and are not empty; they just say nothing.
      for (const column of ['filename_sealed', 'metadata_sealed', 'search_sealed', 'wrapped_key']) {
        expect(String(row[column]).length).toBeGreaterThan(40);
      }
      expect(leaks).toEqual([]);
    });

    it('serves display and thumbnail without GPS or any EXIF, turned upright', async () => {
      expect(await exifr.parse(photo, { gps: true })).toMatchObject({ Make: MAKE, latitude: expect.closeTo(GPS.lat, 4) });
      expect(await exifr.parse(display, { gps: true })).toBeUndefined();
      expect(display.includes(Buffer.from('Exif\0\0', 'latin1'))).toBe(false);
      for (const variant of [display, thumbnail]) {
        const meta = await sharp(variant).metadata();
        expect(meta.exif).toBeUndefined();
        expect(meta.xmp).toBeUndefined();
        expect(meta.orientation).toBeUndefined();
        for (const text of [MAKE, MODEL, ARTIST, TAKEN_AT]) expect(variant.includes(text)).toBe(false);
      }
      expect(webpChunks(thumbnail).every((c) => ['VP8', 'VP8L', 'VP8X', 'ALPH'].includes(c))).toBe(true);

      // Stored 400×300 with orientation 6 (turn 90° clockwise): shown 300×400, and the red marker
      // painted at the stored top-left is now at the top right; the top left shows the background.
      expect([image.width, image.height]).toEqual([300, 400]);
      for (const variant of [display, thumbnail]) {
        const meta = await sharp(variant).metadata();
        expect(meta.height! / meta.width!).toBeCloseTo(400 / 300, 1);
        expectColour(await pixelAt(variant, 0, 0), BACKGROUND);
        expectColour(await pixelAt(variant, 1 / 8, 1 / 8), BACKGROUND);
        expectColour(await pixelAt(variant, 7 / 8, 1 / 8), fixtures.MARKER);
      }
      const displayMeta = await sharp(display).metadata();
      expect([displayMeta.width, displayMeta.height]).toEqual([300, 400]);
    });

    it('gives the owner the original byte for byte and the metadata with GPS and camera', async () => {
      const original = await alice.client.media(image.originalUrl);
      expect(original.status).toBe(200);
      expect((await bytesOf(original)).equals(photo)).toBe(true);

      const res = await alice.client.gql(IMAGE, { id: image.id });
      expect(res.errors).toBeUndefined();
      const { metadata } = res.data!.image;
      expect(metadata.camera).toEqual({ make: MAKE, model: MODEL });
      expect(metadata.location.latitude).toBeCloseTo(GPS.lat, 4);
      expect(metadata.location.longitude).toBeCloseTo(GPS.lon, 4);
      expect(metadata.orientation).toBe(6);
      expect(metadata.capturedAt).toBe('2019-07-14T09:26:53');
      expect(res.data!.image.filename).toBe(FILENAME);

      // The same document as typed fields.
      const { details } = res.data!.image;
      expect(details).toMatchObject({ format: 'JPEG', camera: { make: MAKE, model: MODEL, lens: null }, orientation: 6, capturedAt: '2019-07-14T09:26:53' });
      expect(details.location).toEqual({ altitude: null, ...metadata.location });
      expect(details.fields).toContainEqual({ name: 'IFD0.Artist', text: ARTIST, number: null, flag: null });
      expect(details.fields).toHaveLength(Object.keys(metadata.fields).length);
    });

    it("refuses another user the original and the metadata, as if the image did not exist", async () => {
      for (const url of [image.originalUrl, image.url, image.thumbnailUrl]) {
        const res = await bob.client.media(url);
        expect(res.status).toBe(404);
        const body = await bytesOf(res);
        expect(body.includes(photo.subarray(0, 64))).toBe(false);
        expect(JSON.parse(body.toString('utf8'))).toMatchObject({ error: { code: 'NOT_FOUND' } });
      }
      const res = await bob.client.gql(IMAGE, { id: image.id });
      expect(res.errors).toBeUndefined();
      expect(res.data!.image).toBeNull();
      expect(res.raw).not.toContain(MAKE);
      const list = await bob.client.gql(IMAGES);
      expect(list.data!.images.nodes.map((n: { id: string }) => n.id)).not.toContain(image.id);
    });
  });

  describe('tamper detection over HTTP', () => {
    const auditRows = async (imageId: string) =>
      (await db.all("select user_id, details from audit_events where event = 'integrity.failure'")).filter((r) => {
        const details = typeof r.details === 'string' ? JSON.parse(r.details) : r.details;
        return (details as { imageId?: string } | null)?.imageId === imageId;
      });

    async function expectIntegrityError(url: string, secret?: Buffer): Promise<void> {
      const res = await alice.client.media(url);
      expect(res.status, url).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = await bytesOf(res);
      expect(body.length).toBeLessThan(500);
      if (secret) expect(body.includes(middle(secret, 32))).toBe(false);
      expect(JSON.parse(body.toString('utf8'))).toEqual({ error: { code: 'INTEGRITY_ERROR', message: expect.any(String) } });
    }

    it('refuses a blob with one flipped byte, logs it, and keeps serving everything else', async () => {
      const jpeg = await fixtures.jpeg({ width: 320, height: 240 });
      const victim = await alice.client.uploadOk(jpeg, 'victim.jpg');
      const other = await alice.client.uploadOk(await fixtures.png(), 'other.png');
      const victimDisplay = await bytesOf(await alice.client.media(victim.url));
      const otherDisplay = await bytesOf(await alice.client.media(other.url));
      expect(await auditRows(victim.id)).toHaveLength(0);

      const file = blobPath(await storageIdOf(victim.id), 'display');
      const stored = await readFile(file);
      const damaged = Buffer.from(stored);
      damaged[Math.floor(damaged.length / 2)]! ^= 0x01;
      await writeFile(file, damaged);

      await expectIntegrityError(victim.url, victimDisplay);
      await expectIntegrityError(victim.url, victimDisplay);
      const audit = await auditRows(victim.id);
      expect(audit).toHaveLength(2);
      expect(audit[0]!.user_id).toBe(alice.id);

      // Only the damaged variant is refused; the other image is untouched.
      expect((await alice.client.media(victim.thumbnailUrl)).status).toBe(200);
      expect((await bytesOf(await alice.client.media(victim.originalUrl))).equals(jpeg)).toBe(true);
      const otherRes = await alice.client.media(other.url);
      expect(otherRes.status).toBe(200);
      expect((await bytesOf(otherRes)).equals(otherDisplay)).toBe(true);

      // Undoing the damage makes it readable again: the refusal was about that byte.
      await writeFile(file, stored);
      const restored = await alice.client.media(victim.url);
      expect(restored.status).toBe(200);
      expect((await bytesOf(restored)).equals(victimDisplay)).toBe(true);
    });

    it('refuses every variant of an image whose wrapped key or key id was altered in the database', async () => {
      const jpeg = await fixtures.jpeg({ width: 200, height: 150 });
      const victim = await alice.client.uploadOk(jpeg, 'wrapped.jpg');
      const other = await alice.client.uploadOk(await fixtures.webp(), 'fine.webp');
      const [row] = await db.all('select wrapped_key, key_id from images where id = ?', [victim.id]);
      const wrapped = Buffer.from(String(row!.wrapped_key), 'base64');
      wrapped[20]! ^= 0x80;
      await db.run('update images set wrapped_key = ? where id = ?', [wrapped.toString('base64'), victim.id]);

      for (const url of [victim.url, victim.thumbnailUrl, victim.originalUrl]) await expectIntegrityError(url, jpeg);
      expect(await auditRows(victim.id)).toHaveLength(3);
      const single = await alice.client.gql(IMAGE, { id: victim.id });
      expect(codeOf(single)).toBe('INTEGRITY_ERROR');
      expect(single.data?.image ?? null).toBeNull();
      // The gallery still lists everything; the damaged one says so instead of its name.
      const list = await alice.client.gql(IMAGES);
      expect(list.errors).toBeUndefined();
      const names = new Map(list.data!.images.nodes.map((n: { id: string; filename: string }) => [n.id, n.filename]));
      expect(names.get(victim.id)).toBe('(failed integrity check)');
      expect(names.get(other.id)).toBe('fine.webp');
      expect((await alice.client.media(other.url)).status).toBe(200);

      // A key id that is in no key ring: refused the same way, never a crash.
      await db.run('update images set wrapped_key = ?, key_id = ? where id = ?', [row!.wrapped_key, '0123456789abcdef', victim.id]);
      await expectIntegrityError(victim.originalUrl, jpeg);
      // Put back as it was, the image opens again.
      await db.run('update images set wrapped_key = ?, key_id = ? where id = ?', [row!.wrapped_key, row!.key_id, victim.id]);
      expect((await bytesOf(await alice.client.media(victim.originalUrl))).equals(jpeg)).toBe(true);
    });

    it("refuses both images when two of one user's images have their blob files swapped", async () => {
      const first = await alice.client.uploadOk(await fixtures.jpeg({ width: 120, height: 90 }), 'first.jpg');
      const second = await alice.client.uploadOk(await fixtures.jpeg({ width: 121, height: 90 }), 'second.jpg');
      const [a, b] = [await storageIdOf(first.id), await storageIdOf(second.id)];
      for (const variant of ['original', 'display', 'thumbnail']) {
        const tmp = `${blobPath(a, variant)}.swap`;
        await rename(blobPath(a, variant), tmp);
        await rename(blobPath(b, variant), blobPath(a, variant));
        await rename(tmp, blobPath(b, variant));
      }
      for (const image of [first, second]) {
        for (const url of [image.url, image.thumbnailUrl, image.originalUrl]) await expectIntegrityError(url);
      }
      expect(await auditRows(first.id)).toHaveLength(3);
      expect(await auditRows(second.id)).toHaveLength(3);
    });
  });

  describe('media caching and headers', () => {
    // Non-ASCII, an astral character, and the characters the ASCII fallback must not carry raw.
    // (No double quote: FormData, like browsers, sends it as %22.)
    const NAME = 'Ünïcode 100%; 🎉.jpg';
    let image: { id: string; url: string; thumbnailUrl: string; originalUrl: string; filename: string };
    let photo: Buffer;

    beforeAll(async () => {
      photo = await fixtures.jpeg({ width: 240, height: 180 });
      image = await alice.client.uploadOk(photo, NAME);
    });

    function expectInert(res: Response): void {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
      expect(res.headers.get('cache-control')).toMatch(/\bprivate\b/);
    }

    it('answers a repeated GET with If-None-Match with 304 and no body', async () => {
      const first = await alice.client.media(image.url);
      expect(first.status).toBe(200);
      expectInert(first);
      expect(first.headers.get('content-type')).toBe('image/jpeg');
      const body = await bytesOf(first);
      expect(Number(first.headers.get('content-length'))).toBe(body.length);
      expect(body.length).toBeGreaterThan(100);
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"[^"]+"$/);

      for (let i = 0; i < 2; i++) {
        const again = await alice.client.media(image.url, { 'if-none-match': etag });
        expect(again.status).toBe(304);
        expect((await bytesOf(again)).length).toBe(0);
        expect(again.headers.get('etag')).toBe(etag);
        expectInert(again);
      }
      expect((await alice.client.media(image.url, { 'if-none-match': `"nope", ${etag}` })).status).toBe(304);
      const stale = await alice.client.media(image.url, { 'if-none-match': '"something-else"' });
      expect(stale.status).toBe(200);
      expect((await bytesOf(stale)).equals(body)).toBe(true);

      // Each variant has its own validator.
      const thumb = await alice.client.media(image.thumbnailUrl, { 'if-none-match': etag });
      expect(thumb.status).toBe(200);
      expect(thumb.headers.get('etag')).not.toBe(etag);
      expectInert(thumb);
      // A validator is no way around the access check.
      expect((await bob.client.media(image.url, { 'if-none-match': etag })).status).toBe(404);
    });

    it('serves the original as an attachment with an ASCII fallback and the exact UTF-8 name', async () => {
      expect(image.filename).toBe(NAME);
      const res = await alice.client.media(image.originalUrl);
      expect(res.status).toBe(200);
      expectInert(res);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const body = await bytesOf(res);
      expect(body.equals(photo)).toBe(true);
      expect(Number(res.headers.get('content-length'))).toBe(photo.length);
      const disposition = res.headers.get('content-disposition')!;
      expect(disposition).toBe(
        `attachment; filename="_n_code 100__ __.jpg"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20100%25%3B%20%F0%9F%8E%89.jpg`,
      );
      expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(disposition)![1]!)).toBe(NAME);
      const etag = res.headers.get('etag')!;
      const cached = await alice.client.media(image.originalUrl, { 'if-none-match': etag });
      expect(cached.status).toBe(304);
      expect((await bytesOf(cached)).length).toBe(0);
    });
  });
});
