/** Phase `gallery`: first and cursor-paged gallery pages over many image rows, with the search over them. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityMetadata, EntityProperty, RequiredEntityData } from '@mikro-orm/core';
import type { Orm } from '../src/db/orm.js';
import { Image } from '../src/modules/image/image.entity.js';
import type { SearchDoc } from '../src/modules/image/image.search.js';
import type { SealedStore } from '../src/storage/sealed-store.js';
import type { LoopbackClient } from './http.js';
import type { Account } from './logins.js';
import { latency, note, round2, type CpuShares, type Latency, type ProcessWatch } from './measure.js';
import type { Options } from './options.js';
import { searchTimings } from './search.js';

/** A filler for a column galleryRow does not know yet, from its type. */
function plausibleValue(prop: EntityProperty<Image>): unknown {
  switch (prop.runtimeType) {
    case 'number':
      return 0;
    case 'bigint':
      return 0n;
    case 'boolean':
      return false;
    case 'Date':
      return new Date();
    case 'Buffer':
      return randomBytes(Math.min(prop.length ?? 32, 64));
    case 'object':
    case 'any':
      return {};
    default:
      return randomBytes(8).toString('hex').slice(0, Math.max(1, Math.min(prop.length ?? 16, 16)));
  }
}

/**
 * One image row as an upload would leave it — rows only, no blobs. Sealed fields are sealed for
 * real under a fresh data key wrapped by the server's master key, so the gallery opens them
 * exactly as it opens uploaded images. Built from the entity's metadata so it keeps up with new
 * columns: known ones get plausible values, nullable ones null, the rest a filler of their type.
 */
async function galleryRow(
  meta: EntityMetadata<Image>,
  store: SealedStore,
  ownerId: string,
  i: number,
  newest: number,
): Promise<RequiredEntityData<Image>> {
  const id = randomUUID();
  const filename = `IMG_${String(20_000 + i)}.jpg`;
  const key = await store.newImageKey(id, ownerId);
  const search: SearchDoc = { n: filename.toLowerCase(), c: 'lockframe bench camera', t: null };
  const known: Record<string, unknown> = {
    id,
    owner: ownerId,
    filenameSealed: store.sealField(key.dek, id, 'filename', filename),
    metadataSealed: null,
    searchSealed: store.sealField(key.dek, id, 'search', JSON.stringify(search)),
    wrappedKey: key.wrappedKey,
    keyId: key.keyId,
    mimeType: 'image/jpeg',
    width: 4000,
    height: 3000,
    frames: 1,
    byteSize: 3_000_000 + ((i * 7919) % 2_000_000),
    storageId: randomUUID(),
    displayMimeType: 'image/jpeg',
    thumbnailMimeType: 'image/webp',
    // One photo a minute going back from now: distinct times, as real uploads have.
    createdAt: new Date(newest - i * 60_000),
  };
  const row: Record<string, unknown> = {};
  for (const prop of meta.props) {
    if (prop.persist === false || prop.formula) continue;
    if (prop.name in known) {
      row[prop.name] = known[prop.name];
      continue;
    }
    if (prop.kind !== 'scalar') {
      if (prop.kind === 'm:1' && !prop.nullable) throw new Error(`bench: no value for the new relation Image.${prop.name}`);
      continue;
    }
    if (prop.nullable) row[prop.name] = null;
    else if (prop.default === undefined && !prop.onCreate) row[prop.name] = plausibleValue(prop);
  }
  return row as RequiredEntityData<Image>;
}

export interface GalleryPhase {
  rows: number;
  insertSeconds: number;
  firstPage: Latency;
  cursorPages: Latency;
  totalCount: number;
  serverCpuMsPerQuery: number;
  cpu: CpuShares;
  /** images(filter: { filename }) over the same rows: the first opens the search index, then it is cached. */
  searchColdMs: number;
  searchWarm: Latency;
}

const GALLERY_QUERY = `query Gallery($first: Int, $after: String) {
  images(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id filename mimeType width height byteSize createdAt url thumbnailUrl originalUrl }
  }
}`;

interface GalleryData {
  images: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: unknown[] };
}

export async function galleryPhase(
  client: LoopbackClient,
  watch: ProcessWatch,
  orm: Orm,
  store: SealedStore,
  owner: Account,
  options: Options,
): Promise<GalleryPhase> {
  const meta = orm.getMetadata().get(Image);
  const em = orm.em.fork();
  const newest = Date.now() - 60_000;
  const t0 = performance.now();
  const CHUNK = 1000;
  for (let start = 0; start < options.galleryRows; start += CHUNK) {
    const rows: RequiredEntityData<Image>[] = [];
    for (let i = start; i < Math.min(start + CHUNK, options.galleryRows); i++) {
      rows.push(await galleryRow(meta, store, owner.id, i, newest));
    }
    await em.insertMany(Image, rows);
  }
  const insertSeconds = round2((performance.now() - t0) / 1000);
  note(`inserted ${options.galleryRows} image rows in ${insertSeconds} s; timing gallery pages`);

  const page = async (after: string | null) => {
    const t = performance.now();
    const res = await client.gql<GalleryData>(GALLERY_QUERY, { first: 24, after }, owner.token);
    const ms = performance.now() - t;
    if (!res.data?.images || res.data.images.nodes.length === 0 || res.errors) {
      throw new Error(`gallery query failed: ${res.raw.slice(0, 500)}`);
    }
    if (res.raw.includes('failed integrity check')) throw new Error('gallery rows do not open: the bench sealed them wrongly');
    return { ms, images: res.data.images };
  };
  const { searchColdMs, searchWarm } = await searchTimings(client, owner);

  for (let i = 0; i < 20; i++) await page(null); // warm-up

  const first: number[] = [];
  let totalCount = 0;
  watch.mark();
  for (let i = 0; i < options.galleryQueries; i++) {
    const { ms, images } = await page(null);
    first.push(ms);
    totalCount = images.totalCount;
  }
  const paged: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < options.galleryQueries; i++) {
    const { ms, images } = await page(cursor);
    if (cursor !== null) paged.push(ms);
    else i--; // the first page of each walk is not a cursor query
    cursor = images.pageInfo.hasNextPage ? images.pageInfo.endCursor : null;
  }
  return {
    rows: options.galleryRows,
    insertSeconds,
    firstPage: latency(first),
    cursorPages: latency(paged),
    totalCount,
    serverCpuMsPerQuery: round2((1000 * watch.cpuSinceMark()) / (first.length + paged.length)),
    cpu: watch.shares(),
    searchColdMs,
    searchWarm,
  };
}
