import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { db } from '../../db/database.js';

/** Devices one account keeps at most; older ones (by last sign-in) are forgotten first. */
export const MAX_DEVICES_PER_ACCOUNT = 100;

export class KnownDeviceRepository {
  /** The account's device with this cookie and family, or else a cookie-less one with this client key. */
  async find(em: EntityManager, userId: string, match: { tokenHash: string | null; family: string; clientKey: string }): Promise<{ id: string; byCookie: boolean } | null> {
    if (match.tokenHash) {
      const row = await db(em)
        .selectFrom('known_devices')
        .select('id')
        .where('user_id', '=', userId)
        .where('token_hash', '=', match.tokenHash)
        .where('family', '=', match.family)
        .executeTakeFirst();
      if (row) return { id: row.id, byCookie: true };
    }
    const row = await db(em)
      .selectFrom('known_devices')
      .select('id')
      .where('user_id', '=', userId)
      .where('client_key', '=', match.clientKey)
      .where('cookie_seen_at', 'is', null)
      .executeTakeFirst();
    return row ? { id: row.id, byCookie: false } : null;
  }

  async hasAny(em: EntityManager, userId: string): Promise<boolean> {
    return !!(await db(em).selectFrom('known_devices').select('id').where('user_id', '=', userId).executeTakeFirst());
  }

  async touch(em: EntityManager, id: string, at: Date, cookieSeen: boolean): Promise<void> {
    await db(em)
      .updateTable('known_devices')
      .set(cookieSeen ? { last_seen_at: at, cookie_seen_at: at } : { last_seen_at: at })
      .where('id', '=', id)
      .execute();
  }

  async insert(em: EntityManager, userId: string, device: { tokenHash: string; clientKey: string; family: string }, at: Date): Promise<void> {
    await db(em)
      .insertInto('known_devices')
      .values({ id: randomUUID(), user_id: userId, token_hash: device.tokenHash, client_key: device.clientKey, family: device.family, first_seen_at: at, last_seen_at: at })
      .execute();
    const stale = await db(em)
      .selectFrom('known_devices')
      .select('id')
      .where('user_id', '=', userId)
      .orderBy('last_seen_at', 'desc')
      .orderBy('id', 'desc')
      .offset(MAX_DEVICES_PER_ACCOUNT)
      .limit(1000)
      .execute();
    if (stale.length) await db(em).deleteFrom('known_devices').where('id', 'in', stale.map((r) => r.id)).execute();
  }
}
