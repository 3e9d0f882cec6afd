import type { EntityManager } from '@mikro-orm/core';
import type { ExpressionBuilder } from 'kysely';
import { asBool, asDate, bindBool, db, rawDb, type Database } from '../../db/database.js';
import { QuotaRepository } from '../quota/quota.repository.js';

/** An image row without its lazy columns (sealed metadata and search document). */
export interface ImageRecord {
  id: string;
  ownerId: string;
  filenameSealed: string;
  wrappedKey: string;
  keyId: string;
  mimeType: string;
  width: number;
  height: number;
  frames: number;
  byteSize: number;
  storageId: string;
  displayMimeType: string;
  thumbnailMimeType: string;
  createdAt: Date;
  /** The sealed search document (name, camera, capture time): small, and where takenAt is read from. */
  searchSealed: string;
  favorite: boolean;
  trashedAt: Date | null;
}

export interface NewImage extends ImageRecord {
  metadataSealed: string | null;
  contentHash: string;
  contentHashKeyId: string;
  /** What it counts against its owner's quota: original plus variants (0: counted nowhere). */
  storedBytes?: number;
}

/**
 * Where an image is: in the gallery, in the trash, or either. Every query says which; the one
 * definition of "not in the trash" is `inState` below.
 */
export type ImageState = 'gallery' | 'trash' | 'any';

/** Narrows a gallery listing; albumId must already have passed the album policy. */
export interface ImageScope {
  state: ImageState;
  favorite?: boolean | null;
  albumId?: string | null;
}

/** The trash as SQL: the one place that decides which rows count as trashed. */
function inState(state: ImageState) {
  return (eb: ExpressionBuilder<Database, 'images'>) =>
    state === 'gallery' ? eb('images.trashed_at', 'is', null) : state === 'trash' ? eb('images.trashed_at', 'is not', null) : eb.and([]);
}

function inScope(scope: ImageScope) {
  return (eb: ExpressionBuilder<Database, 'images'>) => {
    const conditions = [inState(scope.state)(eb)];
    if (scope.favorite !== null && scope.favorite !== undefined) conditions.push(eb('images.favorite', '=', bindBool(scope.favorite)));
    if (scope.albumId) {
      conditions.push(eb('images.id', 'in', eb.selectFrom('album_images').select('album_images.image_id').where('album_images.album_id', '=', scope.albumId)));
    }
    return eb.and(conditions);
  };
}

/** What opening a user's search documents needs, per image. */
export interface SearchRow {
  id: string;
  createdAt: Date;
  mimeType: string;
  searchSealed: string;
  wrappedKey: string;
  keyId: string;
}

/** A position in a newest-first listing: the last row's (createdAt, id). */
export interface ImageCursor {
  createdAt: Date;
  id: string;
}

const COLUMNS = [
  'id',
  'user_id',
  'filename_sealed',
  'wrapped_key',
  'key_id',
  'mime_type',
  'width',
  'height',
  'frames',
  'byte_size',
  'storage_id',
  'display_mime_type',
  'thumbnail_mime_type',
  'created_at',
  'search_sealed',
  'favorite',
  'trashed_at',
] as const;

type ImageRow = {
  id: string;
  user_id: string;
  filename_sealed: string;
  wrapped_key: string;
  key_id: string;
  mime_type: string;
  width: number;
  height: number;
  frames: number;
  byte_size: number;
  storage_id: string;
  display_mime_type: string;
  thumbnail_mime_type: string;
  created_at: Date | number;
  search_sealed: string;
  favorite: boolean | number;
  trashed_at: Date | number | null;
};

function toImage(row: ImageRow): ImageRecord {
  return {
    id: row.id,
    ownerId: row.user_id,
    filenameSealed: row.filename_sealed,
    wrappedKey: row.wrapped_key,
    keyId: row.key_id,
    mimeType: row.mime_type,
    width: row.width,
    height: row.height,
    frames: row.frames,
    byteSize: row.byte_size,
    storageId: row.storage_id,
    displayMimeType: row.display_mime_type,
    thumbnailMimeType: row.thumbnail_mime_type,
    createdAt: asDate(row.created_at),
    searchSealed: row.search_sealed,
    favorite: asBool(row.favorite),
    trashedAt: row.trashed_at === null ? null : asDate(row.trashed_at),
  };
}

/**
 * Every query of the images table. "Whose" is always part of the query (`user_id = ?`): no
 * method hands out another user's row to a caller that forgot to check.
 */
export class ImageRepository {
  /** Deleting an image gives its bytes back to its owner's quota, in the same transaction. */
  private readonly quota = new QuotaRepository();

  /** The owner's image in `state`, or null. Runs for every media GET: no value plugin. */
  async findOwned(em: EntityManager, ownerId: string, id: string, state: ImageState = 'gallery'): Promise<ImageRecord | null> {
    const row = await rawDb(em)
      .selectFrom('images')
      .select(COLUMNS)
      .where('id', '=', id)
      .where('user_id', '=', ownerId)
      .where(inState(state))
      .executeTakeFirst();
    return row ? toImage(row) : null;
  }

  /** Those of `ids` the owner has in `state`, in no particular order. */
  async findOwnedMany(em: EntityManager, ownerId: string, ids: readonly string[], state: ImageState = 'gallery'): Promise<ImageRecord[]> {
    if (!ids.length) return [];
    const rows = await db(em).selectFrom('images').select(COLUMNS).where('user_id', '=', ownerId).where('id', 'in', [...ids]).where(inState(state)).execute();
    return rows.map(toImage);
  }

  /** The owner's image whose keyed content hash is one of `hashes` (gallery or trash), or null. */
  async findByContentHash(em: EntityManager, ownerId: string, hashes: readonly string[]): Promise<ImageRecord | null> {
    if (!hashes.length) return null;
    const row = await db(em).selectFrom('images').select(COLUMNS).where('user_id', '=', ownerId).where('content_hash', 'in', [...hashes]).executeTakeFirst();
    return row ? toImage(row) : null;
  }

  /** Up to `limit` of the owner's images in `scope` after `cursor`, newest upload first. */
  async page(em: EntityManager, ownerId: string, scope: ImageScope, cursor: ImageCursor | null, limit: number): Promise<ImageRecord[]> {
    let query = db(em).selectFrom('images').select(COLUMNS).where('user_id', '=', ownerId).where(inScope(scope));
    if (cursor) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', cursor.createdAt), eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '<', cursor.id)])]),
      );
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toImage);
  }

  async countOf(em: EntityManager, ownerId: string, scope: ImageScope = { state: 'gallery' }): Promise<number> {
    const row = await db(em)
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', ownerId)
      .where(inScope(scope))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The ids of the owner's images in `scope` (a favourites or album restriction of a search). */
  async idsOf(em: EntityManager, ownerId: string, scope: ImageScope): Promise<Set<string>> {
    const rows = await rawDb(em).selectFrom('images').select('id').where('user_id', '=', ownerId).where(inScope(scope)).execute();
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Enough to tell whether a cached search index is stale, also after another server process
   * uploaded, deleted, trashed or restored: counts on both sides of the trash, the newest
   * upload and the latest trashing.
   */
  async freshness(em: EntityManager, ownerId: string): Promise<string> {
    const row = await db(em)
      .selectFrom('images')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.count<number>('trashed_at').as('trashed'),
        eb.fn.max('created_at').as('newest'),
        eb.fn.max('trashed_at').as('lastTrashed'),
      ])
      .where('user_id', '=', ownerId)
      .executeTakeFirstOrThrow();
    const time = (v: unknown) => (v === null || v === undefined ? 0 : asDate(v as Date | number | string).getTime());
    return `${Number(row.n)}/${Number(row.trashed)}/${time(row.newest)}/${time(row.lastTrashed)}`;
  }

  /** The rows needed to open the owner's search documents (gallery only), newest first, as plain objects. */
  async searchRows(em: EntityManager, ownerId: string): Promise<SearchRow[]> {
    // Every image of the user at once (10,000 rows and more): the value plugin would convert each row again.
    const rows = await rawDb(em)
      .selectFrom('images')
      .select(['id', 'created_at', 'mime_type', 'search_sealed', 'wrapped_key', 'key_id'])
      .where('user_id', '=', ownerId)
      .where(inState('gallery'))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map((r) => ({ id: r.id, createdAt: asDate(r.created_at), mimeType: r.mime_type, searchSealed: r.search_sealed, wrappedKey: r.wrapped_key, keyId: r.key_id }));
  }

  /**
   * Moves the owner's `ids` into the trash (`at` a date) or out of it (`at` null); only rows on
   * the other side change, so the count is what really moved.
   */
  async setTrashed(em: EntityManager, ownerId: string, ids: readonly string[], at: Date | null): Promise<number> {
    if (!ids.length) return 0;
    const result = await db(em)
      .updateTable('images')
      .set({ trashed_at: at })
      .where('user_id', '=', ownerId)
      .where('id', 'in', [...ids])
      .where(inState(at ? 'gallery' : 'trash'))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async setFavorite(em: EntityManager, ownerId: string, id: string, favorite: boolean): Promise<void> {
    await db(em).updateTable('images').set({ favorite: bindBool(favorite) }).where('user_id', '=', ownerId).where('id', '=', id).execute();
  }

  /** A batch of trashed images: the owner's whole trash, or everyone's trashed before `before` (the purge). */
  async trashed(em: EntityManager, filter: { ownerId: string } | { before: Date }, limit: number): Promise<Array<{ id: string; ownerId: string; storageId: string }>> {
    let query = db(em).selectFrom('images').select(['id', 'user_id', 'storage_id']).where(inState('trash'));
    query = 'ownerId' in filter ? query.where('user_id', '=', filter.ownerId) : query.where('trashed_at', '<', filter.before);
    const rows = await query.orderBy('id', 'asc').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, ownerId: r.user_id, storageId: r.storage_id }));
  }

  /** Deletes those of `ids` that are still in the trash (a restore in between wins); returns the ids deleted. */
  async deleteTrashed(em: EntityManager, ids: readonly string[]): Promise<number> {
    if (!ids.length) return 0;
    // Row by row, so each delete that removed its row gives exactly its bytes back to the quota.
    return em.transactional(async (tx) => {
      let deleted = 0;
      for (const id of ids) if (await this.deleteRow(tx, id, 'trash')) deleted++;
      return deleted;
    });
  }

  /** The sealed metadata of one image (a lazy column: only the detail view asks). */
  async metadataSealedOf(em: EntityManager, ownerId: string, id: string): Promise<string | null> {
    const row = await db(em).selectFrom('images').select('metadata_sealed').where('id', '=', id).where('user_id', '=', ownerId).executeTakeFirst();
    return row?.metadata_sealed ?? null;
  }

  async insert(em: EntityManager, image: NewImage): Promise<void> {
    await db(em)
      .insertInto('images')
      .values({
        id: image.id,
        user_id: image.ownerId,
        filename_sealed: image.filenameSealed,
        metadata_sealed: image.metadataSealed,
        search_sealed: image.searchSealed,
        wrapped_key: image.wrappedKey,
        key_id: image.keyId,
        mime_type: image.mimeType,
        width: image.width,
        height: image.height,
        frames: image.frames,
        byte_size: image.byteSize,
        storage_id: image.storageId,
        display_mime_type: image.displayMimeType,
        thumbnail_mime_type: image.thumbnailMimeType,
        stored_bytes: image.storedBytes ?? 0,
        created_at: image.createdAt,
        favorite: bindBool(image.favorite),
        trashed_at: image.trashedAt,
        content_hash: image.contentHash,
        content_hash_key_id: image.contentHashKeyId,
      })
      .execute();
  }

  /**
   * Removes the row and gives its bytes back to its owner's quota, in one transaction; only the
   * delete that removed the row gives them back, so two racing deletes can't both.
   */
  async delete(em: EntityManager, id: string): Promise<boolean> {
    return em.transactional((tx) => this.deleteRow(tx, id, 'any'));
  }

  /** Inside a transaction: deletes the image if it is in `state`, and gives its bytes back to the owner's quota. */
  private async deleteRow(tx: EntityManager, id: string, state: ImageState): Promise<boolean> {
    const row = await db(tx).selectFrom('images').select(['user_id', 'stored_bytes']).where('id', '=', id).where(inState(state)).executeTakeFirst();
    if (!row) return false;
    const gone = Number((await db(tx).deleteFrom('images').where('id', '=', id).where(inState(state)).executeTakeFirst()).numDeletedRows) > 0;
    if (gone) await this.quota.release(tx, row.user_id, Number(row.stored_bytes));
    return gone;
  }

  /** Which of these storage ids belong to an image row (for the orphan sweep). */
  async knownStorageIds(em: EntityManager, storageIds: readonly string[]): Promise<Set<string>> {
    if (!storageIds.length) return new Set();
    const rows = await db(em).selectFrom('images').select('storage_id').where('storage_id', 'in', [...storageIds]).execute();
    return new Set(rows.map((r) => r.storage_id));
  }

  /** How many images each master key wraps (for the keys CLI). */
  async keyUsage(em: EntityManager): Promise<Map<string, number>> {
    const rows = await db(em).selectFrom('images').select((eb) => ['key_id', eb.fn.countAll<number>().as('n')]).groupBy('key_id').execute();
    return new Map(rows.map((r) => [r.key_id, Number(r.n)]));
  }

  async countNotUnderKey(em: EntityManager, keyId: string): Promise<number> {
    const row = await db(em).selectFrom('images').select((eb) => eb.fn.countAll<number>().as('n')).where('key_id', '!=', keyId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** A batch of image keys not yet wrapped by `keyId`, in id order; `skip` passes over ones that failed. */
  async keysNotUnder(em: EntityManager, keyId: string, limit: number, skip: number): Promise<Array<{ id: string; ownerId: string; wrappedKey: string; keyId: string }>> {
    const rows = await db(em)
      .selectFrom('images')
      .select(['id', 'user_id', 'wrapped_key', 'key_id'])
      .where('key_id', '!=', keyId)
      .orderBy('id', 'asc')
      .limit(limit)
      .offset(skip)
      .execute();
    return rows.map((r) => ({ id: r.id, ownerId: r.user_id, wrappedKey: r.wrapped_key, keyId: r.key_id }));
  }

  /** Compare-and-set of a wrapped key: a row changed meanwhile (deleted, or re-wrapped by another run) is left alone. */
  async rewrapKey(em: EntityManager, id: string, from: string, to: { wrappedKey: string; keyId: string }): Promise<boolean> {
    const result = await db(em)
      .updateTable('images')
      .set({ wrapped_key: to.wrappedKey, key_id: to.keyId })
      .where('id', '=', id)
      .where('key_id', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
