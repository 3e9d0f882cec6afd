import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { db } from '../../db/database.js';
import type { Account } from '../../scope.js';
import { toAccount } from '../user/user.repository.js';
import type { EmailTokenPurpose } from './email-token.entity.js';

export class EmailTokenRepository {
  /** Issues the user's one live link for `purpose`: a new one replaces the old. */
  async replace(em: EntityManager, userId: string, purpose: EmailTokenPurpose, tokenHash: string, times: { createdAt: Date; expiresAt: Date }): Promise<void> {
    await db(em).deleteFrom('email_tokens').where('user_id', '=', userId).where('purpose', '=', purpose).execute();
    await db(em)
      .insertInto('email_tokens')
      .values({ id: randomUUID(), user_id: userId, purpose, token_hash: tokenHash, created_at: times.createdAt, expires_at: times.expiresAt, used_at: null })
      .execute();
  }

  /** The account of an unused, unexpired link token, without using it up. */
  async findLive(em: EntityManager, tokenHash: string, purpose: EmailTokenPurpose, now: Date): Promise<Account | null> {
    const row = await db(em)
      .selectFrom('email_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select(['u.id', 'u.username', 'u.email', 'u.email_verified', 'u.role', 'u.created_at'])
      .where('t.token_hash', '=', tokenHash)
      .where('t.purpose', '=', purpose)
      .where('t.used_at', 'is', null)
      .where('t.expires_at', '>', now)
      .executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  /** Marks a live link token used, atomically; the account it belonged to, or null when it was not live. */
  async claim(em: EntityManager, tokenHash: string, purpose: EmailTokenPurpose, now: Date): Promise<Account | null> {
    const claimed = await db(em)
      .updateTable('email_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return null;
    const row = await db(em)
      .selectFrom('email_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select(['u.id', 'u.username', 'u.email', 'u.email_verified', 'u.role', 'u.created_at'])
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? toAccount(row) : null;
  }
}
