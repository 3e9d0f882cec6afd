import type { EntityManager } from '@mikro-orm/core';
import { asDate, db } from '../../db/database.js';

export class RateEventRepository {
  async insert(em: EntityManager, events: Array<{ id: string; key: string; at: Date }>): Promise<void> {
    await db(em).insertInto('rate_events').values(events).execute();
  }

  /** How many events the key has since `since`, and the newest one's time; `exceptId` left out. */
  async window(em: EntityManager, key: string, since: Date, exceptId?: string): Promise<{ count: number; newest: Date | null }> {
    let query = db(em)
      .selectFrom('rate_events')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('at').as('newest')])
      .where('key', '=', key)
      .where('at', '>', since);
    if (exceptId) query = query.where('id', '!=', exceptId);
    const row = await query.executeTakeFirstOrThrow();
    const newest = row.newest as Date | number | string | null;
    return { count: Number(row.n), newest: newest === null ? null : asDate(newest) };
  }

  async deleteIds(em: EntityManager, ids: string[]): Promise<void> {
    if (ids.length) await db(em).deleteFrom('rate_events').where('id', 'in', ids).execute();
  }

  async deleteKey(em: EntityManager, key: string): Promise<void> {
    await db(em).deleteFrom('rate_events').where('key', '=', key).execute();
  }

  async deleteBefore(em: EntityManager, before: Date): Promise<number> {
    return Number((await db(em).deleteFrom('rate_events').where('at', '<', before).executeTakeFirst()).numDeletedRows);
  }
}
