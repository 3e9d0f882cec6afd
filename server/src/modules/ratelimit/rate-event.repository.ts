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

  /**
   * `window` for several keys in one query: one range scan of the (key, at) index per key. Each
   * key's figures are picked out with `key = ?`, so every key matches exactly the rows `window`
   * alone would (MySQL's collation compares case- and accent-insensitively, GROUP BY would merge
   * and respell such keys).
   */
  async windows(em: EntityManager, keys: string[], since: Date, exceptIds: string[] = []): Promise<Map<string, RateWindow>> {
    let query = db(em)
      .selectFrom('rate_events')
      .select((eb) =>
        keys.flatMap((key, i) => {
          const at = eb.case().when('key', '=', key).then(eb.ref('at')).end();
          return [
            eb.fn.sum<number | string | null>(eb.case().when('key', '=', key).then(eb.lit(1)).else(eb.lit(0)).end()).as(`n${i}`),
            eb.fn.min(at).as(`oldest${i}`),
            eb.fn.max(at).as(`newest${i}`),
          ];
        }),
      )
      .where('key', 'in', keys)
      .where('at', '>', since);
    if (exceptIds.length) query = query.where('id', 'not in', exceptIds);
    const row = (await query.executeTakeFirstOrThrow()) as Record<string, unknown>;
    const time = (value: unknown) => (value === null || value === undefined ? null : asDate(value as Date | number | string));
    return new Map(keys.map((key, i) => [key, { count: Number(row[`n${i}`] ?? 0), oldest: time(row[`oldest${i}`]), newest: time(row[`newest${i}`]) }]));
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
