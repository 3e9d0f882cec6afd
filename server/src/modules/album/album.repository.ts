import type { EntityManager } from '@mikro-orm/core';
import { asDate, db, rawDb } from '../../db/database.js';

export interface AlbumRecord {
  id: string;
  ownerId: string;
  nameSealed: string;
  wrappedKey: string;
  keyId: string;
  createdAt: Date;
}

const COLUMNS = ['id', 'user_id', 'name_sealed', 'wrapped_key', 'key_id', 'created_at'] as const;

type AlbumRow = { id: string; user_id: string; name_sealed: string; wrapped_key: string; key_id: string; created_at: Date | number };

function toAlbum(row: AlbumRow): AlbumRecord {
  return { id: row.id, ownerId: row.user_id, nameSealed: row.name_sealed, wrappedKey: row.wrapped_key, keyId: row.key_id, createdAt: asDate(row.created_at) };
}

/**
 * Every query of the albums and their membership. Like images, "whose" is part of each album
 * lookup; membership queries take an album the album policy has already granted.
 */
export class AlbumRepository {
  async findOwned(em: EntityManager, ownerId: string, id: string): Promise<AlbumRecord | null> {
    const row = await rawDb(em).selectFrom('albums').select(COLUMNS).where('id', '=', id).where('user_id', '=', ownerId).executeTakeFirst();
    return row ? toAlbum(row) : null;
  }

  /** The owner's albums, newest first. */
  async listOwned(em: EntityManager, ownerId: string): Promise<AlbumRecord[]> {
    const rows = await db(em).selectFrom('albums').select(COLUMNS).where('user_id', '=', ownerId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toAlbum);
  }

  async insert(em: EntityManager, album: AlbumRecord): Promise<void> {
    await db(em)
      .insertInto('albums')
      .values({ id: album.id, user_id: album.ownerId, name_sealed: album.nameSealed, wrapped_key: album.wrappedKey, key_id: album.keyId, created_at: album.createdAt })
      .execute();
  }

  async rename(em: EntityManager, id: string, nameSealed: string): Promise<void> {
    await db(em).updateTable('albums').set({ name_sealed: nameSealed }).where('id', '=', id).execute();
  }

  /** Membership rows go with it (foreign key cascade); the images stay. */
  async delete(em: EntityManager, id: string): Promise<boolean> {
    return Number((await db(em).deleteFrom('albums').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
  }

  /** Adds the images not yet in the album; returns how many were added. */
  async addImages(em: EntityManager, albumId: string, imageIds: readonly string[]): Promise<number> {
    if (!imageIds.length) return 0;
    const present = await db(em).selectFrom('album_images').select('image_id').where('album_id', '=', albumId).where('image_id', 'in', [...imageIds]).execute();
    const have = new Set(present.map((r) => r.image_id));
    const now = new Date();
    const rows = imageIds.filter((id) => !have.has(id)).map((id) => ({ album_id: albumId, image_id: id, added_at: now }));
    if (!rows.length) return 0;
    await db(em).insertInto('album_images').values(rows).execute();
    return rows.length;
  }

  async removeImages(em: EntityManager, albumId: string, imageIds: readonly string[]): Promise<number> {
    if (!imageIds.length) return 0;
    const result = await db(em).deleteFrom('album_images').where('album_id', '=', albumId).where('image_id', 'in', [...imageIds]).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Master key usage of album keys (for the keys CLI). */
  async keyUsage(em: EntityManager): Promise<Map<string, number>> {
    const rows = await db(em).selectFrom('albums').select((eb) => ['key_id', eb.fn.countAll<number>().as('n')]).groupBy('key_id').execute();
    return new Map(rows.map((r) => [r.key_id, Number(r.n)]));
  }

  async countNotUnderKey(em: EntityManager, keyId: string): Promise<number> {
    const row = await db(em).selectFrom('albums').select((eb) => eb.fn.countAll<number>().as('n')).where('key_id', '!=', keyId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async keysNotUnder(em: EntityManager, keyId: string, limit: number, skip: number): Promise<Array<{ id: string; ownerId: string; wrappedKey: string; keyId: string }>> {
    const rows = await db(em).selectFrom('albums').select(['id', 'user_id', 'wrapped_key', 'key_id']).where('key_id', '!=', keyId).orderBy('id', 'asc').limit(limit).offset(skip).execute();
    return rows.map((r) => ({ id: r.id, ownerId: r.user_id, wrappedKey: r.wrapped_key, keyId: r.key_id }));
  }

  async rewrapKey(em: EntityManager, id: string, from: string, to: { wrappedKey: string; keyId: string }): Promise<boolean> {
    const result = await db(em).updateTable('albums').set({ wrapped_key: to.wrappedKey, key_id: to.keyId }).where('id', '=', id).where('key_id', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
