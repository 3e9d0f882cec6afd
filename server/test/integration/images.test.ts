import { readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { ApiClient, codeOf, newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const IMAGES = `query($first: Int, $after: String) {
  images(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id filename createdAt } }
}`;
const IMAGE = `query($id: ID!) { image(id: $id) { id filename mimeType width height byteSize url thumbnailUrl originalUrl metadata } }`;
const DELETE = `mutation($id: ID!) { deleteImage(id: $id) }`;

async function blobFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath, entry.name));
  }
  return out;
}

describe.each(databases)('images on %s', (kind) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    server = await startTestServer(kind);
    alice = await newUser(server.url);
    bob = await newUser(server.url);
  });
  afterAll(() => server?.close());

  it('uploads a JPEG and reports what was detected from its bytes', async () => {
    const jpeg = await fixtures.jpeg({ width: 640, height: 480 });
    const res = await alice.client.upload(jpeg, 'holiday.png', { mimeType: 'image/png' });
    expect(res.errors).toBeUndefined();
    const image = res.data!.uploadImage;
    expect(image).toMatchObject({
      filename: 'holiday.png',
      mimeType: 'image/jpeg',
      width: 640,
      height: 480,
      byteSize: jpeg.length,
      url: `/media/${image.id}/display`,
      thumbnailUrl: `/media/${image.id}/thumbnail`,
      originalUrl: `/media/${image.id}/original`,
    });
    expect(image.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['png', () => fixtures.png(), 'image/png'],
    ['gif', () => fixtures.gifAnimated(3), 'image/gif'],
    ['webp', () => fixtures.webp(), 'image/webp'],
  ] as const)('accepts %s', async (_name, make, mimeType) => {
    const image = await alice.client.uploadOk(await make(), `file.${_name}`);
    expect(image.mimeType).toBe(mimeType);
  });

  it('reports an animation\'s frames, delays and loop in the metadata', async () => {
    const image = await alice.client.uploadOk(await fixtures.gifAnimated(3), 'loop.gif');
    const res = await alice.client.gql(IMAGE, { id: image.id });
    expect(res.data!.image.metadata.animation).toEqual({ frames: 3, loop: 0, delays: [100, 100, 100] });
  });

  it('sanitizes the display filename', async () => {
    const image = await alice.client.uploadOk(await fixtures.png({ width: 61 }), '../../etc/\u202Egpj.exe\u2066  photo.png');
    expect(image.filename).toBe('gpj.exe photo.png');
  });

  it('serves display, thumbnail and original to the owner with safe headers', async () => {
    const jpeg = await fixtures.jpeg({ width: 1200, height: 900 });
    const image = await alice.client.uploadOk(jpeg, 'café.jpg');
    const display = await alice.client.media(image.url);
    expect(display.status).toBe(200);
    expect(display.headers.get('content-type')).toBe('image/jpeg');
    expect(display.headers.get('x-content-type-options')).toBe('nosniff');
    expect(display.headers.get('cache-control')).toMatch(/private/);
    const displayBytes = Buffer.from(await display.arrayBuffer());
    expect(display.headers.get('content-length')).toBe(String(displayBytes.length));
    expect((await sharp(displayBytes).metadata()).width).toBe(1200);

    const thumb = await alice.client.media(image.thumbnailUrl);
    expect(thumb.status).toBe(200);
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(512);
    expect(thumb.headers.get('content-type')).toBe(`image/${meta.format}`);

    const original = await alice.client.media(image.originalUrl);
    expect(Buffer.from(await original.arrayBuffer()).equals(jpeg)).toBe(true);
    expect(original.headers.get('content-disposition')).toBe(`attachment; filename="caf_.jpg"; filename*=UTF-8''caf%C3%A9.jpg`);
  });

  it('accepts the session cookie on media routes and refuses anonymous requests', async () => {
    const image = await alice.client.uploadOk(await fixtures.png());
    const anon = new ApiClient(server.url);
    const res = await anon.media(image.thumbnailUrl);
    expect(res.status).toBe(401);
    const login = await anon.gql(`mutation($i: LoginInput!) { login(input: $i) { token } }`, {
      i: { username: alice.username, password: alice.password },
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await anon.media(image.thumbnailUrl, { cookie })).status).toBe(200);
    // A token in the URL is ignored.
    expect((await anon.media(`${image.thumbnailUrl}?token=${alice.token}`)).status).toBe(401);
  });

  it("keeps each gallery private: another user's image is NOT_FOUND everywhere, like a missing one", async () => {
    const image = await alice.client.uploadOk(await fixtures.png({ width: 62 }), 'private.png');
    const missing = '00000000-0000-4000-8000-000000000000';

    const seen = await bob.client.gql(IMAGE, { id: image.id });
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.image).toBeNull();
    expect((await bob.client.gql(IMAGE, { id: missing })).data!.image).toBeNull();

    const list = await bob.client.gql(IMAGES, { first: 100 });
    expect(list.data!.images.nodes.map((n: { id: string }) => n.id)).not.toContain(image.id);

    for (const url of [image.url, image.thumbnailUrl, image.originalUrl]) {
      const res = await bob.client.media(url);
      expect(res.status).toBe(404);
      const missingRes = await bob.client.media(url.replace(image.id, missing));
      expect(await res.text()).toBe(await missingRes.text());
    }

    const del = await bob.client.gql(DELETE, { id: image.id });
    const delMissing = await bob.client.gql(DELETE, { id: missing });
    expect(codeOf(del)).toBe('NOT_FOUND');
    expect(del.errors![0]!.message).toBe(delMissing.errors![0]!.message);
    expect((await alice.client.gql(IMAGE, { id: image.id })).data!.image.filename).toBe('private.png');
  });

  it('refuses every image operation without login', async () => {
    const anon = new ApiClient(server.url);
    expect(codeOf(await anon.gql(IMAGES))).toBe('UNAUTHENTICATED');
    expect(codeOf(await anon.gql(DELETE, { id: '00000000-0000-4000-8000-000000000000' }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await anon.upload(await fixtures.png()))).toBe('UNAUTHENTICATED');
  });

  it('answers junk ids and variants with NOT_FOUND', async () => {
    const image = await alice.client.uploadOk(await fixtures.png());
    expect((await alice.client.gql(IMAGE, { id: "' or 1=1 --" })).data!.image).toBeNull();
    expect((await alice.client.media(`/media/${image.id}/secret`)).status).toBe(404);
    expect((await alice.client.media(`/media/..%2F..%2Fetc%2Fpasswd/display`)).status).toBe(404);
    expect(codeOf(await alice.client.gql(DELETE, { id: 'x'.repeat(5000) }))).toBe('NOT_FOUND');
  });

  it('pages newest first without overlap or gaps, with a stable cursor', async () => {
    const carol = await newUser(server.url);
    const uploaded: string[] = [];
    // Distinct bytes: the same bytes again would be the same image (duplicate detection).
    for (let i = 0; i < 7; i++) uploaded.push((await carol.client.uploadOk(await fixtures.png({ width: 40 + i }), `p${i}.png`)).id);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res: any = await carol.client.gql(IMAGES, { first: 3, after });
      expect(res.errors).toBeUndefined();
      expect(res.data.images.totalCount).toBe(7);
      seen.push(...res.data.images.nodes.map((n: { id: string }) => n.id));
      pages++;
      if (!res.data.images.pageInfo.hasNextPage) break;
      after = res.data.images.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...uploaded].reverse());
    expect(codeOf(await carol.client.gql(IMAGES, { first: 0 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await carol.client.gql(IMAGES, { first: 101 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await carol.client.gql(IMAGES, { after: 'garbage!' }))).toBe('BAD_USER_INPUT');
    const empty = await (await newUser(server.url)).client.gql(IMAGES);
    expect(empty.data!.images).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] });
  });

  it('delete removes the row and every stored file', async () => {
    const dave = await newUser(server.url);
    const before = (await blobFiles(path.join(server.dataDir, 'blobs'))).length;
    const image = await dave.client.uploadOk(await fixtures.jpeg({ width: 300, height: 200 }));
    expect((await blobFiles(path.join(server.dataDir, 'blobs'))).length).toBe(before + 3);
    const del = await dave.client.gql(DELETE, { id: image.id });
    expect(del.data!.deleteImage).toBe(true);
    expect((await blobFiles(path.join(server.dataDir, 'blobs'))).length).toBe(before);
    expect((await dave.client.gql(IMAGE, { id: image.id })).data!.image).toBeNull();
    expect((await dave.client.media(image.url)).status).toBe(404);
    expect(codeOf(await dave.client.gql(DELETE, { id: image.id }))).toBe('NOT_FOUND');
  });
});
