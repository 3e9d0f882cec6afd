import type { EntityManager } from '@mikro-orm/core';
import { asDate, db } from '../../db/database.js';

export interface RateWindow {
  count: number;
  oldest: Date | null;
  newest: Date | null;
}

export class RateEventRepository {
  async insert(em: EntityManager, events: Array<{ id: string; key: string; at: Date }>): Promise<void> {
    await db(em).insertInto('rate_events').values(events).execute();
  }

  /** How many events the key has since `since`, and the oldest and newest one's time; `exceptId` left out. */
  async window(em: EntityManager, key: string, since: Date, exceptId?: string): Promise<RateWindow> {
    return (await this.windows(em, [key], since, exceptId ? [exceptId] : [])).get(key)!;
  }

  /** `window` for several keys in one query (one range scan of the (key, at) index per key). */
  async windows(em: EntityManager, keys: string[], since: Date, exceptIds: string[] = []): Promise<Map<string, RateWindow>> {
    let query = db(em)
      .selectFrom('rate_events')
      .select((eb) => ['key', eb.fn.countAll<number>().as('n'), eb.fn.min('at').as('oldest'), eb.fn.max('at').as('newest')])
      .where('key', 'in', keys)
      .where('at', '>', since)
      .groupBy('key');
    if (exceptIds.length) query = query.where('id', 'not in', exceptIds);
    const rows = await query.execute();
    const windows = new Map<string, RateWindow>(keys.map((key) => [key, { count: 0, oldest: null, newest: null }]));
    // MySQL's default collation groups keys case-insensitively and may answer with either spelling.
    const asked = new Map(keys.map((key) => [key.toLowerCase(), key]));
    const time = (value: unknown) => (value === null ? null : asDate(value as Date | number | string));
    for (const row of rows) {
      windows.set(asked.get(row.key.toLowerCase()) ?? row.key, { count: Number(row.n), oldest: time(row.oldest), newest: time(row.newest) });
    }
    return windows;
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
