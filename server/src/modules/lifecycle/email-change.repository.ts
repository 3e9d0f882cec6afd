import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { db, isUniqueViolation } from '../../db/database.js';

export interface PendingEmailChange {
  userId: string;
  newEmail: string;
}

export class EmailChangeRepository {
  /** The account's one pending change: a new request replaces the old (and its link). */
  async replace(em: EntityManager, change: PendingEmailChange & { tokenHash: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await db(em).deleteFrom('email_changes').where('user_id', '=', change.userId).execute();
    await db(em)
      .insertInto('email_changes')
      .values({
        id: randomUUID(),
        user_id: change.userId,
        new_email: change.newEmail,
        token_hash: change.tokenHash,
        created_at: change.createdAt,
        expires_at: change.expiresAt,
      })
      .execute();
  }

  /**
   * Uses up a live link: deletes it (so it works once, whoever races) and returns the change;
   * null when it was unknown, used or expired.
   */
  async claim(em: EntityManager, tokenHash: string, now: Date): Promise<PendingEmailChange | null> {
    const row = await db(em).selectFrom('email_changes').select(['user_id', 'new_email', 'expires_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!row) return null;
    const deleted = await db(em).deleteFrom('email_changes').where('token_hash', '=', tokenHash).executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1 || row.expires_at <= now) return null;
    return { userId: row.user_id, newEmail: row.new_email };
  }

  /** Switches the address (confirmed by the link, so verified); false when another account took it meanwhile. */
  async switchEmail(em: EntityManager, userId: string, email: string): Promise<boolean> {
    try {
      await db(em).updateTable('users').set({ email }).where('id', '=', userId).where('deleting_at', 'is', null).execute();
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
    return true;
  }
}
