import { randomUUID } from 'node:crypto';
import { ALBUM_NAME_MAX, MAX_BULK_IDS } from '@lockframe/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemScope } from '../../src/scope.js';
import { createLogger } from '../../src/logger.js';
import { exifPhoto } from '../fixtures/exif.js';
import { codeOf, newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { openRawDb, type RawDb } from '../support/raw-db.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * The gallery people live in, over real HTTP: timeline order, favourites, the trash and its
 * purge, duplicate uploads, albums with sealed names, and every operation given someone
 * else's ids, missing or malformed ones, and too many.
 */

const DAY = 86_400_000;
const IMAGE_FIELDS = 'id filename createdAt takenAt favorite trashedAt url thumbnailUrl originalUrl';
const LIST = `query($order: ImageOrder, $filter: ImageFilter, $first: Int, $after: String) {
  images(order: $order, filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${IMAGE_FIELDS} } }
}`;
const TRASHED = `query($first: Int, $after: String) { trashedImages(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${IMAGE_FIELDS} } } }`;
const TRASH = `mutation($ids: [ID!]!) { trashImages(ids: $ids) }`;
const RESTORE = `mutation($ids: [ID!]!) { restoreImages(ids: $ids) }`;
const EMPTY = `mutation { emptyTrash }`;
const FAVORITE = `mutation($id: ID!, $favorite: Boolean!) { setFavorite(id: $id, favorite: $favorite) { id favorite } }`;
const ALBUM_FIELDS = 'id name imageCount createdAt cover { id } images(first: 50) { totalCount nodes { id } }';
// The list without per-album pages: the query cost counts the albums list as 50 albums.
const ALBUMS = `{ albums { id name imageCount createdAt cover { id } } }`;
const ALBUM = `query($id: ID!) { album(id: $id) { ${ALBUM_FIELDS} } }`;
const CREATE_ALBUM = `mutation($name: String!) { createAlbum(name: $name) { ${ALBUM_FIELDS} } }`;
const RENAME_ALBUM = `mutation($id: ID!, $name: String!) { renameAlbum(id: $id, name: $name) { id name } }`;
const DELETE_ALBUM = `mutation($id: ID!) { deleteAlbum(id: $id) }`;
const ADD = `mutation($albumId: ID!, $imageIds: [ID!]!) { addToAlbum(albumId: $albumId, imageIds: $imageIds) { ${ALBUM_FIELDS} } }`;
const REMOVE = `mutation($albumId: ID!, $imageIds: [ID!]!) { removeFromAlbum(albumId: $albumId, imageIds: $imageIds) { ${ALBUM_FIELDS} } }`;

interface Node {
  id: string;
  filename: string;
  createdAt: string;
  takenAt: string | null;
  favorite: boolean;
  trashedAt: string | null;
  url: string;
  thumbnailUrl: string;
  originalUrl: string;
}

let made = 0;
/** A photo whose bytes no other call returns (its width differs: close colours can encode alike). */
function uniquePhoto(takenAt?: string): Promise<Buffer> {
  made++;
  return exifPhoto({ takenAt, width: 64 + made, height: 48 });
}

async function ok<T = any>(user: TestUser, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await user.client.gql(query, variables);
  if (res.errors) throw new Error(`${query.slice(0, 40)} failed: ${res.raw}`);
  return res.data as T;
}

async function codeFor(user: TestUser, query: string, variables?: Record<string, unknown>): Promise<unknown> {
  const res = await user.client.gql(query, variables);
  expect(res.data?.[Object.keys(res.data ?? {})[0] ?? ''] ?? null).toBeNull();
  return codeOf(res);
}

async function gallery(user: TestUser, variables: Record<string, unknown> = {}): Promise<{ ids: string[]; nodes: Node[]; totalCount: number }> {
  const { images } = await ok(user, LIST, { first: 100, ...variables });
  return { ids: images.nodes.map((n: Node) => n.id), nodes: images.nodes, totalCount: images.totalCount };
}

/** Every page of a listing, `first` at a time, following endCursor. */
async function walk(user: TestUser, query: string, field: string, variables: Record<string, unknown>, first: number): Promise<string[]> {
  const seen: string[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const data: any = await ok(user, query, { ...variables, first, after });
    const page = data[field];
    seen.push(...page.nodes.map((n: Node) => n.id));
    if (!page.pageInfo.hasNextPage) return seen;
    after = page.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

describe.each(databases)('the gallery on %s', (kind) => {
  let server: TestServer;
  let raw: RawDb;
  let alice: TestUser;
  let bob: TestUser;
  let bobsImage: string;

  beforeAll(async () => {
    server = await startTestServer(kind);
    raw = await openRawDb(server.vars);
    alice = await newUser(server.url);
    bob = await newUser(server.url);
    bobsImage = (await bob.client.uploadOk(await uniquePhoto(), 'bob.jpg')).id;
  });

  afterAll(async () => {
    await raw?.close();
    await server?.close();
  });

  describe('timeline', () => {
    let user: TestUser;
    const id: Record<string, string> = {};

    beforeAll(async () => {
      user = await newUser(server.url);
      // Upload order differs from capture order on purpose; "none" has no capture time.
      for (const [name, taken] of [
        ['2021', '2021:05:01 10:00:00'],
        ['none', undefined],
        ['2019', '2019:01:01 00:00:00'],
        ['2023', '2023:08:15 12:30:00'],
        ['2019-twin', '2019:01:01 00:00:00'],
      ] as const) {
        id[name] = (await user.client.uploadOk(await uniquePhoto(taken), `${name}.jpg`)).id;
      }
    });

    it('sorts by capture time, newest first, with photos without one at their upload time, ties by id', async () => {
      const { nodes, totalCount } = await gallery(user, { order: 'TAKEN' });
      expect(totalCount).toBe(5);
      const twins = [id['2019']!, id['2019-twin']!].sort().reverse();
      // "none" was uploaded just now: its upload time is newer than every capture time.
      expect(nodes.map((n) => n.id)).toEqual([id.none, id['2023'], id['2021'], ...twins]);
      const byId = new Map(nodes.map((n) => [n.id, n]));
      expect(byId.get(id['2023']!)!.takenAt).toBe('2023-08-15T12:30:00.000Z');
      expect(byId.get(id.none!)!.takenAt).toBeNull();
      // The upload order is unchanged and still the default.
      expect((await gallery(user)).ids).toEqual([id['2019-twin'], id['2023'], id['2019'], id.none, id['2021']]);
    });

    it('pages the timeline by cursor without gaps or repeats', async () => {
      const all = (await gallery(user, { order: 'TAKEN' })).ids;
      for (const first of [1, 2, 3]) expect(await walk(user, LIST, 'images', { order: 'TAKEN' }, first)).toEqual(all);
      expect(await walk(user, LIST, 'images', {}, 2)).toEqual((await gallery(user)).ids);
    });

    it("refuses one order's cursor in the other and malformed cursors", async () => {
      const { images } = await ok(user, LIST, { first: 1 });
      const uploadedCursor = images.pageInfo.endCursor;
      expect(codeOf(await user.client.gql(LIST, { order: 'TAKEN', first: 1, after: uploadedCursor }))).toBe('BAD_USER_INPUT');
      const taken = await ok(user, LIST, { order: 'TAKEN', first: 1 });
      expect(codeOf(await user.client.gql(LIST, { first: 1, after: taken.images.pageInfo.endCursor }))).toBe('BAD_USER_INPUT');
      for (const after of ['x', Buffer.from('[1,"a","T"]').toString('base64url'), 'A'.repeat(300)]) {
        expect(codeOf(await user.client.gql(LIST, { order: 'TAKEN', first: 1, after }))).toBe('BAD_USER_INPUT');
      }
    });

    it('combines capture order with a search', async () => {
      const { ids } = await gallery(user, { order: 'TAKEN', filter: { filename: '2019' } });
      expect(ids).toEqual([id['2019']!, id['2019-twin']!].sort().reverse());
    });
  });

  describe('favourites', () => {
    it('marks only your own gallery images and filters by them', async () => {
      const a = (await alice.client.uploadOk(await uniquePhoto(), 'fav-a.jpg')).id;
      const b = (await alice.client.uploadOk(await uniquePhoto(), 'fav-b.jpg')).id;
      expect((await ok(alice, FAVORITE, { id: a, favorite: true })).setFavorite).toEqual({ id: a, favorite: true });
      expect((await gallery(alice, { filter: { favorite: true } })).ids).toEqual([a]);
      expect((await gallery(alice, { filter: { favorite: false } })).ids).toContain(b);
      expect((await gallery(alice, { filter: { favorite: false } })).ids).not.toContain(a);
      // With a text condition the index answers; favourites still come from the database.
      expect((await gallery(alice, { filter: { favorite: true, filename: 'fav-' } })).ids).toEqual([a]);
      expect((await gallery(alice, { order: 'TAKEN', filter: { favorite: true } })).ids).toEqual([a]);
      for (const other of [bobsImage, randomUUID(), 'not-an-id']) {
        expect(await codeFor(alice, FAVORITE, { id: other, favorite: true })).toBe('NOT_FOUND');
      }
      expect((await gallery(bob, { filter: { favorite: true } })).ids).toEqual([]);
      expect((await ok(alice, FAVORITE, { id: a, favorite: false })).setFavorite.favorite).toBe(false);
      expect((await gallery(alice, { filter: { favorite: true } })).ids).toEqual([]);
    });
  });

  describe('trash', () => {
    it('moves only your own images, counts what moved, and hides them from the gallery, search and media', async () => {
      const img: Node = await alice.client.uploadOk(await uniquePhoto('2020:02:02 02:02:02'), 'trashme.jpg');
      // The search index is open (and cached) before the trashing: it must follow.
      expect((await gallery(alice, { filter: { filename: 'trashme' } })).ids).toEqual([img.id]);
      expect((await ok(alice, TRASH, { ids: [img.id, img.id, bobsImage, randomUUID(), 'not-an-id', ''] })).trashImages).toBe(1);
      expect((await ok(alice, TRASH, { ids: [img.id] })).trashImages).toBe(0);
      expect((await gallery(alice)).ids).not.toContain(img.id);
      expect((await gallery(alice, { filter: { filename: 'trashme' } })).ids).toEqual([]);
      expect((await gallery(alice, { order: 'TAKEN' })).ids).not.toContain(img.id);
      expect((await ok(alice, `query($id: ID!) { image(id: $id) { id } }`, { id: img.id })).image).toBeNull();
      expect((await alice.client.media(img.url)).status).toBe(404);
      expect((await alice.client.media(img.originalUrl)).status).toBe(404);
      // The thumbnail stays for the Trash page, for the owner only.
      expect((await alice.client.media(img.thumbnailUrl)).status).toBe(200);
      expect((await bob.client.media(img.thumbnailUrl)).status).toBe(404);
      expect(codeOf(await alice.client.gql(FAVORITE, { id: img.id, favorite: true }))).toBe('NOT_FOUND');

      const trash = (await ok(alice, TRASHED, { first: 50 })).trashedImages;
      const inTrash = trash.nodes.find((n: Node) => n.id === img.id);
      expect(inTrash.trashedAt).not.toBeNull();
      expect(Math.abs(Date.parse(inTrash.trashedAt) - Date.now())).toBeLessThan(60_000);
      expect((await ok(bob, TRASHED, { first: 50 })).trashedImages.nodes.map((n: Node) => n.id)).not.toContain(img.id);
      // Bob's image was named too: it is still in his gallery.
      expect((await gallery(bob)).ids).toContain(bobsImage);

      // Bob cannot restore it; Alice can.
      expect((await ok(bob, RESTORE, { ids: [img.id] })).restoreImages).toBe(0);
      expect((await ok(alice, RESTORE, { ids: [img.id, bobsImage, randomUUID(), 'x'] })).restoreImages).toBe(1);
      expect((await ok(alice, RESTORE, { ids: [img.id] })).restoreImages).toBe(0);
      expect((await gallery(alice, { filter: { filename: 'trashme' } })).ids).toEqual([img.id]);
      expect((await alice.client.media(img.url)).status).toBe(200);
    });

    it('refuses more than the bulk limit with a clear BAD_USER_INPUT and changes nothing', async () => {
      const img = (await alice.client.uploadOk(await uniquePhoto(), 'many.jpg')).id;
      const ids = [img, ...Array.from({ length: MAX_BULK_IDS }, () => randomUUID())];
      for (const mutation of [TRASH, RESTORE]) {
        const res = await alice.client.gql(mutation, { ids });
        expect(codeOf(res)).toBe('BAD_USER_INPUT');
        expect(res.errors![0]!.message).toContain(String(MAX_BULK_IDS));
      }
      expect((await gallery(alice)).ids).toContain(img);
      expect((await ok(alice, TRASH, { ids: ids.slice(0, MAX_BULK_IDS) })).trashImages).toBe(1);
      expect((await ok(alice, RESTORE, { ids: [img] })).restoreImages).toBe(1);
      expect((await ok(alice, TRASH, { ids: [] })).trashImages).toBe(0);
    });

    it("empties only the caller's trash, rows and stored files", async () => {
      const user = await newUser(server.url);
      const a: Node = await user.client.uploadOk(await uniquePhoto(), 'a.jpg');
      const b: Node = await user.client.uploadOk(await uniquePhoto(), 'b.jpg');
      const keep: Node = await user.client.uploadOk(await uniquePhoto(), 'keep.jpg');
      await ok(bob, TRASH, { ids: [bobsImage] });
      expect((await ok(user, TRASH, { ids: [a.id, b.id] })).trashImages).toBe(2);
      const stored = await storageIds([a.id, b.id]);
      expect(await blobCount(stored)).toBe(2);
      expect((await ok(user, EMPTY)).emptyTrash).toBe(2);
      expect((await ok(user, EMPTY)).emptyTrash).toBe(0);
      expect(await raw.all('select id from images where id in (?, ?)', [a.id, b.id])).toEqual([]);
      expect(await blobCount(stored)).toBe(0);
      expect((await gallery(user)).ids).toEqual([keep.id]);
      // deleteImage stays permanent and works from the trash, for the owner only.
      await ok(user, TRASH, { ids: [keep.id] });
      expect(await codeFor(bob, `mutation($id: ID!) { deleteImage(id: $id) }`, { id: keep.id })).toBe('NOT_FOUND');
      expect((await ok(user, `mutation($id: ID!) { deleteImage(id: $id) }`, { id: keep.id })).deleteImage).toBe(true);
      expect((await ok(user, TRASHED, { first: 10 })).trashedImages.totalCount).toBe(0);
      // Bob's trash is untouched.
      expect((await ok(bob, TRASHED, { first: 10 })).trashedImages.nodes.map((n: Node) => n.id)).toEqual([bobsImage]);
      await ok(bob, RESTORE, { ids: [bobsImage] });
    });

    it('is purged by the periodic task after TRASH_RETENTION_DAYS, and only then', async () => {
      const user = await newUser(server.url);
      const old: Node = await user.client.uploadOk(await uniquePhoto(), 'old.jpg');
      const recent: Node = await user.client.uploadOk(await uniquePhoto(), 'recent.jpg');
      const live: Node = await user.client.uploadOk(await uniquePhoto(), 'live.jpg');
      await ok(user, TRASH, { ids: [old.id, recent.id] });
      // The clock moved: through the test's own connection, one went to the trash 31 days ago.
      await raw.run('update images set trashed_at = ? where id = ?', [dbTime(Date.now() - 31 * DAY), old.id]);
      await raw.run('update images set trashed_at = ? where id = ?', [dbTime(Date.now() - 29 * DAY), recent.id]);
      const stored = await storageIds([old.id]);
      const task = server.app.tasks.find((t) => t.name === 'trash-purge')!;
      expect(server.env.trashRetentionDays).toBe(30);
      expect(await task.run(systemScope(server.orm.em.fork(), createLogger({ logLevel: 'silent' }), 'test'))).toBeGreaterThanOrEqual(1);
      expect(await raw.all('select id from images where id = ?', [old.id])).toEqual([]);
      expect(await blobCount(stored)).toBe(0);
      expect((await ok(user, TRASHED, { first: 10 })).trashedImages.nodes.map((n: Node) => n.id)).toEqual([recent.id]);
      expect((await gallery(user)).ids).toEqual([live.id]);
    });
  });

  describe('duplicates', () => {
    it('answers the image you already have, restored from the trash, and stores nothing new', async () => {
      const user = await newUser(server.url);
      const bytes = await uniquePhoto('2018:03:03 03:03:03');
      const first: Node = await user.client.uploadOk(bytes, 'first.jpg');
      const again: Node = await user.client.uploadOk(bytes, 'second-name.jpg');
      expect(again.id).toBe(first.id);
      expect(again.filename).toBe('first.jpg');
      expect(again.takenAt).toBe('2018-03-03T03:03:03.000Z');
      expect(await raw.all('select id from images where user_id = ?', [user.id])).toHaveLength(1);

      await ok(user, TRASH, { ids: [first.id] });
      const back: Node = await user.client.uploadOk(bytes, 'third.jpg');
      expect(back.id).toBe(first.id);
      expect(back.trashedAt).toBeNull();
      expect((await gallery(user)).ids).toEqual([first.id]);
      expect((await ok(user, TRASHED, { first: 10 })).trashedImages.totalCount).toBe(0);

      // Another user's copy is theirs, and at rest the two look unrelated.
      const other = await newUser(server.url);
      const theirs: Node = await other.client.uploadOk(bytes, 'first.jpg');
      expect(theirs.id).not.toBe(first.id);
      const rows = await raw.all('select content_hash from images where id in (?, ?)', [first.id, theirs.id]);
      const hashes = rows.map((r) => String(r.content_hash));
      expect(hashes).toHaveLength(2);
      for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(hashes[0]).not.toBe(hashes[1]);
      // Not a plain digest of the bytes either.
      const { createHash } = await import('node:crypto');
      expect(hashes).not.toContain(createHash('sha256').update(bytes).digest('hex'));
    });
  });

  describe('albums', () => {
    it('are created, listed, renamed and filled with your own gallery images only', async () => {
      const user = await newUser(server.url);
      const a: Node = await user.client.uploadOk(await uniquePhoto(), 'a.jpg');
      const b: Node = await user.client.uploadOk(await uniquePhoto(), 'b.jpg');
      const album = (await ok(user, CREATE_ALBUM, { name: '  Summer 2024 🌊 ' })).createAlbum;
      expect(album).toMatchObject({ name: 'Summer 2024 🌊', imageCount: 0, cover: null, images: { totalCount: 0, nodes: [] } });

      const filled = (await ok(user, ADD, { albumId: album.id, imageIds: [a.id, b.id, a.id] })).addToAlbum;
      expect(filled.imageCount).toBe(2);
      expect(filled.cover.id).toBe(b.id);
      expect(filled.images.nodes.map((n: Node) => n.id)).toEqual([b.id, a.id]);
      // Adding again changes nothing.
      expect((await ok(user, ADD, { albumId: album.id, imageIds: [a.id] })).addToAlbum.imageCount).toBe(2);
      expect((await gallery(user, { filter: { albumId: album.id } })).ids).toEqual([b.id, a.id]);
      expect((await gallery(user, { filter: { albumId: album.id, filename: 'a.jpg' } })).ids).toEqual([a.id]);

      // Someone else's image, a missing or a malformed one: NOT_FOUND, and nothing was added.
      for (const other of [bobsImage, randomUUID(), 'nope']) {
        expect(await codeFor(user, ADD, { albumId: album.id, imageIds: [a.id, other] })).toBe('NOT_FOUND');
      }
      const tooMany = await user.client.gql(ADD, { albumId: album.id, imageIds: Array.from({ length: MAX_BULK_IDS + 1 }, () => a.id) });
      expect(codeOf(tooMany)).toBe('BAD_USER_INPUT');
      expect((await ok(user, ALBUM, { id: album.id })).album.imageCount).toBe(2);

      expect((await ok(user, RENAME_ALBUM, { id: album.id, name: 'Sommer' })).renameAlbum.name).toBe('Sommer');
      const second = (await ok(user, CREATE_ALBUM, { name: 'Later' })).createAlbum;
      expect((await ok(user, ALBUMS)).albums.map((x: { name: string }) => x.name)).toEqual(['Later', 'Sommer']);

      // A trashed photo leaves the album's count, cover and pages; restored, it is back.
      await ok(user, TRASH, { ids: [b.id] });
      const without = (await ok(user, ALBUM, { id: album.id })).album;
      expect(without.imageCount).toBe(1);
      expect(without.cover.id).toBe(a.id);
      expect(without.images.nodes.map((n: Node) => n.id)).toEqual([a.id]);
      expect(await codeFor(user, ADD, { albumId: second.id, imageIds: [b.id] })).toBe('NOT_FOUND');
      await ok(user, RESTORE, { ids: [b.id] });
      expect((await ok(user, ALBUM, { id: album.id })).album.imageCount).toBe(2);

      const removed = (await ok(user, REMOVE, { albumId: album.id, imageIds: [b.id, bobsImage, randomUUID(), 'x'] })).removeFromAlbum;
      expect(removed.images.nodes.map((n: Node) => n.id)).toEqual([a.id]);
      expect((await gallery(user)).ids).toEqual([b.id, a.id]);

      // Deleting the album keeps its photos.
      expect((await ok(user, DELETE_ALBUM, { id: album.id })).deleteAlbum).toBe(true);
      expect((await ok(user, ALBUM, { id: album.id })).album).toBeNull();
      expect((await gallery(user)).ids).toEqual([b.id, a.id]);
      expect(await raw.all('select image_id from album_images where album_id = ?', [album.id])).toEqual([]);
      // A photo deleted for good leaves its albums.
      await ok(user, ADD, { albumId: second.id, imageIds: [a.id] });
      await ok(user, `mutation($id: ID!) { deleteImage(id: $id) }`, { id: a.id });
      expect((await ok(user, ALBUM, { id: second.id })).album.imageCount).toBe(0);
    });

    it("are someone else's: null to read, NOT_FOUND to change or to filter by", async () => {
      const album = (await ok(alice, CREATE_ALBUM, { name: 'Private' })).createAlbum;
      const mine = (await alice.client.uploadOk(await uniquePhoto(), 'p.jpg')).id;
      await ok(alice, ADD, { albumId: album.id, imageIds: [mine] });
      expect((await ok(bob, ALBUM, { id: album.id })).album).toBeNull();
      expect((await ok(bob, ALBUM, { id: 'not-an-id' })).album).toBeNull();
      expect((await ok(bob, ALBUMS)).albums.map((x: { id: string }) => x.id)).not.toContain(album.id);
      expect(await codeFor(bob, RENAME_ALBUM, { id: album.id, name: 'Mine now' })).toBe('NOT_FOUND');
      expect(await codeFor(bob, DELETE_ALBUM, { id: album.id })).toBe('NOT_FOUND');
      expect(await codeFor(bob, ADD, { albumId: album.id, imageIds: [bobsImage] })).toBe('NOT_FOUND');
      expect(await codeFor(bob, REMOVE, { albumId: album.id, imageIds: [mine] })).toBe('NOT_FOUND');
      expect(codeOf(await bob.client.gql(LIST, { filter: { albumId: album.id } }))).toBe('NOT_FOUND');
      expect(codeOf(await bob.client.gql(LIST, { order: 'TAKEN', filter: { albumId: album.id } }))).toBe('NOT_FOUND');
      expect(codeOf(await bob.client.gql(LIST, { filter: { albumId: 'nope' } }))).toBe('NOT_FOUND');
      const still = (await ok(alice, ALBUM, { id: album.id })).album;
      expect(still).toMatchObject({ name: 'Private', imageCount: 1 });
    });

    it('refuses names that are empty, too long or carry control or direction characters', async () => {
      const album = (await ok(alice, CREATE_ALBUM, { name: 'Fine' })).createAlbum;
      for (const name of ['', '   ', 'x'.repeat(ALBUM_NAME_MAX + 1), 'tab\there', 'nul\u0000', 'new\nline', 'evil\u202Etxt.exe', '\u2066isolate']) {
        for (const [query, vars] of [
          [CREATE_ALBUM, { name }],
          [RENAME_ALBUM, { id: album.id, name }],
        ] as const) {
          const res = await alice.client.gql(query, vars);
          expect(codeOf(res), JSON.stringify(name)).toBe('BAD_USER_INPUT');
          expect(res.errors![0]!.extensions!.field).toBe('name');
        }
      }
      // The longest allowed name, counted in characters (each emoji is one), passes.
      const longest = '🌊'.repeat(ALBUM_NAME_MAX);
      expect((await ok(alice, RENAME_ALBUM, { id: album.id, name: longest })).renameAlbum.name).toBe(longest);
    });

    it('store nothing of their names in the clear', async () => {
      const name = `Secret trip ${randomUUID().slice(0, 8)}`;
      const album = (await ok(alice, CREATE_ALBUM, { name })).createAlbum;
      await ok(alice, RENAME_ALBUM, { id: album.id, name: `${name} renamed` });
      const rows = await raw.all('select * from albums where id = ?', [album.id]);
      expect(rows).toHaveLength(1);
      const stored = JSON.stringify(rows[0], (_k, v) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
      for (const needle of [name, 'Secret', 'trip', Buffer.from('Secret trip').toString('base64').slice(0, 12)]) {
        expect(stored).not.toContain(needle);
      }
      expect((await ok(alice, ALBUM, { id: album.id })).album.name).toBe(`${name} renamed`);
    });
  });

  /** The storage ids of these images, read from the database. */
  async function storageIds(ids: string[]): Promise<string[]> {
    const rows = await raw.all(`select storage_id from images where id in (${ids.map(() => '?').join(', ')})`, ids);
    return rows.map((r) => String(r.storage_id));
  }

  /** How many of these storage ids still have files in the blob store. */
  async function blobCount(stored: string[]): Promise<number> {
    const present = new Set<string>();
    for await (const blob of server.blobs.list()) present.add(blob.storageId);
    return stored.filter((id) => present.has(id)).length;
  }

  /** A time as this database's datetime column holds it (SQLite: epoch ms; MySQL: a Date). */
  function dbTime(ms: number): Date | number {
    return kind === 'sqlite' ? ms : new Date(ms);
  }
});
