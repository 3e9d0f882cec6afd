import type { EntityManager } from '@mikro-orm/core';
import { sql } from 'kysely';
import { db } from '../../db/database.js';

/** users.storage_bytes: what an account stores (originals plus variants), changed only by single conditional statements. */
export class QuotaRepository {
  /**
   * Adds `bytes` to the account's storage if that stays within its quota, in one statement: two
   * uploads racing can't both fit under the quota, the database decides. False when it would not fit.
   */
  async reserve(em: EntityManager, userId: string, bytes: number): Promise<boolean> {
    const result = await sql`
      update users set storage_bytes = storage_bytes + ${bytes}
      where id = ${userId} and (quota_bytes is null or storage_bytes + ${bytes} <= quota_bytes)
    `.execute(db(em));
    return Number(result.numAffectedRows ?? 0n) > 0;
  }

  /** Gives `bytes` back (a failed upload, a deleted image); never below zero. */
  async release(em: EntityManager, userId: string, bytes: number): Promise<void> {
    await sql`
      update users set storage_bytes = case when storage_bytes > ${bytes} then storage_bytes - ${bytes} else 0 end
      where id = ${userId}
    `.execute(db(em));
  }

  async usage(em: EntityManager, userId: string): Promise<{ storageBytes: number; quotaBytes: number | null } | null> {
    const row = await db(em).selectFrom('users').select(['storage_bytes', 'quota_bytes']).where('id', '=', userId).executeTakeFirst();
    return row ? { storageBytes: Number(row.storage_bytes), quotaBytes: row.quota_bytes === null ? null : Number(row.quota_bytes) } : null;
  }
}
