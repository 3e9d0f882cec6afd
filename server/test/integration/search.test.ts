import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exifPhoto } from '../fixtures/exif.js';
import * as fixtures from '../fixtures/images.js';
import { codeOf, newUser, type GqlResponse, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Search over sealed search documents: `images(filter: …)` must return exactly the matching
 * images of the viewer, newest first, paged like the plain listing, and follow uploads and
 * deletes at once.
 */

// The server runs in this process. A zone far from UTC shows whether capture times written
// without an offset are compared as written (they must be), not as server-local time.
const SERVER_TZ = 'Asia/Tokyo';

const SEARCH = `query($filter: ImageFilter, $first: Int, $after: String) {
  images(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id filename mimeType format }
  }
}`;
const DELETE = `mutation($id: ID!) { deleteImage(id: $id) }`;

interface Filter {
  filename?: string;
  camera?: string;
  format?: string;
  takenFrom?: string;
  takenTo?: string;
}

interface Page {
  ids: string[];
  names: string[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

async function search(user: TestUser, filter: Filter | null, first = 100, after?: string | null): Promise<Page> {
  const res: GqlResponse = await user.client.gql(SEARCH, { filter, first, after });
  if (res.errors) throw new Error(`search failed: ${res.raw}`);
  const { nodes, totalCount, pageInfo } = res.data!.images;
  return {
    ids: nodes.map((n: { id: string }) => n.id),
    names: nodes.map((n: { filename: string }) => n.filename),
    totalCount,
    hasNextPage: pageInfo.hasNextPage,
    endCursor: pageInfo.endCursor,
  };
}

describe.each(databases)('image search on %s', (kind) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  /** Alice's images by name, and all of them newest first as the unfiltered listing has them. */
  const ids = new Map<string, string>();
  let newestFirst: string[];
  let bobsImage: string;

  const savedTz = process.env.TZ;
  beforeAll(async () => {
    process.env.TZ = SERVER_TZ;
    expect(new Date(2024, 0, 1).toISOString()).toBe('2023-12-31T15:00:00.000Z');
    server = await startTestServer(kind);
    alice = await newUser(server.url);
    bob = await newUser(server.url);
    const set: Array<[string, Promise<Buffer>]> = [
      ['Beach-Sunset.JPG', exifPhoto({ make: 'Canon', model: 'Canon EOS R5', takenAt: '2023:06:15 18:30:00' })],
      ['beach-morning.jpg', exifPhoto({ make: 'NIKON CORPORATION', model: 'NIKON Z 6', takenAt: '2023:06:16 07:00:00', offset: '+02:00' })],
      ['Mountain.jpg', exifPhoto({ make: 'Canon', model: 'Canon EOS 5D Mark IV', takenAt: '2022:12:24 12:00:00' })],
      ['Beach-map.png', fixtures.png()],
      ['sunset.webp', exifPhoto({ format: 'webp', make: 'FUJIFILM', model: 'X-T4', takenAt: '2023:06:20 20:00:00' })],
      ['party.gif', fixtures.gifAnimated(2)],
      ['IMG_0001.jpg', exifPhoto({ make: 'Apple', model: 'iPhone 13', takenAt: '2024:01:01 00:00:00' })],
      ['untitled.jpg', exifPhoto({ width: 100, height: 80 })],
    ];
    for (const [name, bytes] of set) ids.set(name, (await alice.client.uploadOk(await bytes, name)).id);
    bobsImage = (await bob.client.uploadOk(await exifPhoto({ make: 'Canon', model: 'Canon EOS R5', takenAt: '2023:06:15 18:30:00' }), 'beach-bob.jpg')).id;
    newestFirst = (await search(alice, null)).ids;
    expect(newestFirst).toHaveLength(set.length);
  });
  afterAll(async () => {
    await server?.close();
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  /** The named images, in gallery order. */
  const expected = (...names: string[]) => {
    for (const name of names) expect(ids.has(name), name).toBe(true);
    const wanted = new Set(names.map((n) => ids.get(n)));
    return newestFirst.filter((id) => wanted.has(id));
  };

  async function expectMatches(filter: Filter, ...names: string[]): Promise<void> {
    const page = await search(alice, filter);
    expect(page.ids, JSON.stringify(filter)).toEqual(expected(...names));
    expect(page.totalCount, JSON.stringify(filter)).toBe(names.length);
    expect(page.hasNextPage).toBe(false);
    expect(page.ids).not.toContain(bobsImage);
  }

  it('finds by part of the file name, in any case', async () => {
    await expectMatches({ filename: 'beach' }, 'Beach-Sunset.JPG', 'beach-morning.jpg', 'Beach-map.png');
    await expectMatches({ filename: 'BEACH' }, 'Beach-Sunset.JPG', 'beach-morning.jpg', 'Beach-map.png');
    await expectMatches({ filename: '  bEaCh-  ' }, 'Beach-Sunset.JPG', 'beach-morning.jpg', 'Beach-map.png');
    await expectMatches({ filename: '.jpg' }, 'Beach-Sunset.JPG', 'beach-morning.jpg', 'Mountain.jpg', 'IMG_0001.jpg', 'untitled.jpg');
    await expectMatches({ filename: 'sunset' }, 'Beach-Sunset.JPG', 'sunset.webp');
    const none = await search(alice, { filename: 'nothing-like-this' });
    expect(none).toEqual({ ids: [], names: [], totalCount: 0, hasNextPage: false, endCursor: null });
    // Names come back as uploaded, not lower-cased.
    expect((await search(alice, { filename: 'sunset.j' })).names).toEqual(['Beach-Sunset.JPG']);
  });

  it('finds by part of the camera make or model, in any case, across formats', async () => {
    await expectMatches({ camera: 'canon' }, 'Beach-Sunset.JPG', 'Mountain.jpg');
    await expectMatches({ camera: 'EOS R5' }, 'Beach-Sunset.JPG');
    await expectMatches({ camera: 'nikon z' }, 'beach-morning.jpg');
    await expectMatches({ camera: 'Fujifilm' }, 'sunset.webp');
    await expectMatches({ camera: 'iphone' }, 'IMG_0001.jpg');
    await expectMatches({ camera: 'leica' });
  });

  it('finds by format, and names each image\'s format', async () => {
    await expectMatches({ format: 'JPEG' }, 'Beach-Sunset.JPG', 'beach-morning.jpg', 'Mountain.jpg', 'IMG_0001.jpg', 'untitled.jpg');
    await expectMatches({ format: 'PNG' }, 'Beach-map.png');
    await expectMatches({ format: 'GIF' }, 'party.gif');
    await expectMatches({ format: 'WEBP' }, 'sunset.webp');
    const res = await alice.client.gql(SEARCH, { filter: { format: 'WEBP' } });
    expect(res.data!.images.nodes.map((n: { format: string; mimeType: string }) => [n.format, n.mimeType])).toEqual([['WEBP', 'image/webp']]);
  });

  it('finds by capture time, both ends included, leaving out images without one', async () => {
    await expectMatches(
      { takenFrom: '2023-06-01T00:00:00.000Z', takenTo: '2023-06-30T23:59:59.999Z' },
      'Beach-Sunset.JPG',
      'beach-morning.jpg',
      'sunset.webp',
    );
    await expectMatches({ takenFrom: '2023-06-16T00:00:00.000Z' }, 'beach-morning.jpg', 'sunset.webp', 'IMG_0001.jpg');
    await expectMatches({ takenTo: '2022-12-31T23:59:59.999Z' }, 'Mountain.jpg');
    // Exactly at the capture time, from either side.
    await expectMatches({ takenFrom: '2024-01-01T00:00:00.000Z' }, 'IMG_0001.jpg');
    await expectMatches({ takenTo: '2024-01-01T00:00:00.000Z', takenFrom: '2023-12-31T00:00:00.000Z' }, 'IMG_0001.jpg');
    await expectMatches({ takenTo: '2023-12-31T23:59:59.999Z', takenFrom: '2023-06-20T00:00:00.000Z' }, 'sunset.webp');
    // A time written without an offset is compared as written, whatever the server's time zone.
    await expectMatches({ takenFrom: '2023-06-15T18:30:00.000Z', takenTo: '2023-06-15T18:30:00.000Z' }, 'Beach-Sunset.JPG');
    await expectMatches({ takenFrom: '2023-06-15T18:30:00.001Z', takenTo: '2023-06-15T23:59:59.999Z' });
  });

  it('combines conditions: every given one must match', async () => {
    await expectMatches({ filename: 'beach', camera: 'canon' }, 'Beach-Sunset.JPG');
    await expectMatches({ filename: 'beach', format: 'PNG' }, 'Beach-map.png');
    await expectMatches({ camera: 'canon', takenFrom: '2023-01-01T00:00:00.000Z' }, 'Beach-Sunset.JPG');
    await expectMatches({ format: 'JPEG', takenTo: '2023-06-30T23:59:59.999Z' }, 'Beach-Sunset.JPG', 'beach-morning.jpg', 'Mountain.jpg');
    await expectMatches(
      { filename: 'sunset', camera: 'fuji', format: 'WEBP', takenFrom: '2023-06-20T00:00:00.000Z', takenTo: '2023-06-20T23:59:59.999Z' },
      'sunset.webp',
    );
    await expectMatches({ camera: 'nikon', format: 'PNG' });
    // Empty conditions are no conditions.
    expect((await search(alice, { filename: '', camera: '' })).ids).toEqual(newestFirst);
  });

  it('pages through filtered results without overlap, with cursors that stay valid', async () => {
    const all = expected('Beach-Sunset.JPG', 'beach-morning.jpg', 'Mountain.jpg', 'IMG_0001.jpg', 'untitled.jpg');
    const filter = { format: 'JPEG' };
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const page = await search(alice, filter, 2, after);
      pages.push(page);
      after = page.endCursor;
      if (!page.hasNextPage) break;
    } while (pages.length < 10);
    expect(pages.map((p) => p.ids.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => p.hasNextPage)).toEqual([true, true, false]);
    expect(pages.every((p) => p.totalCount === 5)).toBe(true);
    expect(pages.flatMap((p) => p.ids)).toEqual(all);

    // The same cursor gives the same page again.
    const again = await search(alice, filter, 2, pages[0]!.endCursor);
    expect(again.ids).toEqual(pages[1]!.ids);

    // A new matching upload does not shift a walk already under way; it shows up on top.
    const added = await alice.client.uploadOk(await exifPhoto({ make: 'Pentax', takenAt: '2020:02:02 02:02:02' }), 'added.jpg');
    const continued = await search(alice, filter, 2, pages[0]!.endCursor);
    expect(continued.ids).toEqual(pages[1]!.ids);
    expect(continued.totalCount).toBe(6);
    const rest = await search(alice, filter, 10, continued.endCursor);
    expect(rest.ids).toEqual(pages[2]!.ids);
    const top = await search(alice, filter, 2);
    expect(top.ids).toEqual([added.id, all[0]]);
    expect((await alice.client.gql(DELETE, { id: added.id })).data!.deleteImage).toBe(true);
  });

  it("never shows another user's images, and shows them only their own", async () => {
    const everything = await search(alice, { filename: 'b' });
    expect(everything.ids).not.toContain(bobsImage);
    const bobs = await search(bob, { filename: 'beach' });
    expect(bobs.ids).toEqual([bobsImage]);
    expect(bobs.totalCount).toBe(1);
    expect((await search(bob, { camera: 'canon' })).ids).toEqual([bobsImage]);
    expect((await search(bob, { format: 'PNG' })).ids).toEqual([]);
    expect((await search(bob, { takenFrom: '2000-01-01T00:00:00Z' })).ids).toEqual([bobsImage]);
    // A cursor taken from Alice's results gives Bob nothing of hers.
    const cursor = (await search(alice, { format: 'JPEG' }, 1)).endCursor;
    const fromHerCursor = await search(bob, { format: 'JPEG' }, 10, cursor);
    for (const id of fromHerCursor.ids) expect(id).toBe(bobsImage);
  });

  it('refuses invalid filters with BAD_USER_INPUT', async () => {
    const long = 'x'.repeat(10_000);
    const cases: Array<[Filter, string | undefined]> = [
      // Formats are the ImageFormat enum: graphql-js refuses anything else before the resolver runs.
      [{ format: 'bmp' }, undefined],
      [{ format: 'jpg' }, undefined],
      [{ format: 'jpeg' }, undefined],
      [{ format: long }, undefined],
      [{ filename: long }, 'filename'],
      [{ camera: long }, 'camera'],
      [{ takenFrom: '2024-02-01T00:00:00Z', takenTo: '2024-01-01T00:00:00Z' }, 'takenFrom'],
      [{ takenFrom: 'yesterday' }, undefined],
      [{ takenTo: '2024-13-45T00:00:00Z' }, undefined],
    ];
    for (const [filter, field] of cases) {
      const res = await alice.client.gql(SEARCH, { filter, first: 10 });
      expect(codeOf(res), JSON.stringify(filter).slice(0, 80)).toBe('BAD_USER_INPUT');
      if (field) expect(res.errors![0]!.extensions!.field).toBe(field);
      expect(res.data?.images ?? null).toBeNull();
      expect(res.raw).not.toContain(long);
    }
    const typo = await alice.client.gql(SEARCH, { filter: { format: 'jpg' } });
    expect(typo.errors![0]!.message).toMatch(/ImageFormat/);
    expect(codeOf(await alice.client.gql(SEARCH, { filter: { format: 'PNG' }, after: 'not-a-cursor' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await alice.client.gql(SEARCH, { filter: { format: 'PNG' }, first: 0 }))).toBe('BAD_USER_INPUT');
  });

  it('follows an upload and a delete at once', async () => {
    const filter = { filename: 'fresh-', camera: 'hasselblad' };
    expect((await search(alice, filter)).totalCount).toBe(0);
    const image = await alice.client.uploadOk(await exifPhoto({ make: 'Hasselblad', model: 'X2D' }), 'fresh-shot.jpg');
    const found = await search(alice, filter);
    expect(found.ids).toEqual([image.id]);
    expect(found.totalCount).toBe(1);
    expect((await search(alice, { camera: 'x2d' })).ids).toEqual([image.id]);
    expect((await alice.client.gql(DELETE, { id: image.id })).data!.deleteImage).toBe(true);
    expect(await search(alice, filter)).toEqual({ ids: [], names: [], totalCount: 0, hasNextPage: false, endCursor: null });
    expect((await search(alice, { camera: 'x2d' })).totalCount).toBe(0);
    expect((await search(alice, null)).ids).toEqual(newestFirst);
  });
});
