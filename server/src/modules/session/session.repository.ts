import type { EntityManager } from '@mikro-orm/core';
import { asDate, db, rawDb } from '../../db/database.js';
import type { Account } from '../../scope.js';
import { toAccount } from '../user/user.repository.js';

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

export interface NewSession extends SessionRecord {
  tokenHash: string;
}

const COLUMNS = ['id', 'user_id', 'created_at', 'last_seen_at', 'expires_at', 'user_agent', 'ip'] as const;

type SessionRow = {
  id: string;
  user_id: string;
  created_at: Date | number;
  last_seen_at: Date | number;
  expires_at: Date | number;
  user_agent: string | null;
  ip: string | null;
};

function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: asDate(row.created_at),
    lastSeenAt: asDate(row.last_seen_at),
    expiresAt: asDate(row.expires_at),
    userAgent: row.user_agent,
    ip: row.ip,
  };
}

export class SessionRepository {
  /** Runs for every request that carries a session token: one indexed join, no value plugin. */
  async findByTokenHash(em: EntityManager, tokenHash: string): Promise<{ session: SessionRecord; user: Account } | null> {
    const row = await rawDb(em)
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['s.id', 's.user_id', 's.created_at', 's.last_seen_at', 's.expires_at', 's.user_agent', 's.ip'])
      .select(['u.username', 'u.email', 'u.email_verified', 'u.role', 'u.created_at as user_created_at'])
      .where('s.token_hash', '=', tokenHash)
      // A disabled account, or one being deleted, has no working credential, whatever rows remain.
      .where('u.disabled', '=', 0 as unknown as boolean)
      .where('u.deleting_at', 'is', null)
      .executeTakeFirst();
    if (!row) return null;
    return {
      session: toSession(row),
      user: toAccount({ ...row, id: row.user_id, created_at: row.user_created_at }),
    };
  }

  async insert(em: EntityManager, session: NewSession): Promise<void> {
    await db(em)
      .insertInto('sessions')
      .values({
        id: session.id,
        user_id: session.userId,
        token_hash: session.tokenHash,
        created_at: session.createdAt,
        last_seen_at: session.lastSeenAt,
        expires_at: session.expiresAt,
        user_agent: session.userAgent,
        ip: session.ip,
      })
      .execute();
  }

  async touch(em: EntityManager, id: string, at: Date): Promise<void> {
    await db(em).updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
  }

  /** The user's sessions that have not reached their absolute expiry, most recently used first. */
  async listLive(em: EntityManager, userId: string, now: Date): Promise<SessionRecord[]> {
    const rows = await db(em)
      .selectFrom('sessions')
      .select(COLUMNS)
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .orderBy('last_seen_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toSession);
  }

  async delete(em: EntityManager, id: string): Promise<void> {
    await db(em).deleteFrom('sessions').where('id', '=', id).execute();
  }

  /** Deletes one session of the user; false when it is not theirs or already gone. */
  async deleteOwned(em: EntityManager, userId: string, id: string): Promise<boolean> {
    const result = await db(em).deleteFrom('sessions').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Deletes every session of the user but `keep`; returns how many. */
  async deleteAllOf(em: EntityManager, userId: string, keep: string | null): Promise<number> {
    let query = db(em).deleteFrom('sessions').where('user_id', '=', userId);
    if (keep) query = query.where('id', '!=', keep);
    return Number((await query.executeTakeFirst()).numDeletedRows);
  }

  /** Keeps the user's `keep` most recently used sessions and deletes the rest; returns how many went. */
  async deleteAllButNewest(em: EntityManager, userId: string, keep: number): Promise<number> {
    const extra = await db(em)
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', userId)
      .orderBy('last_seen_at', 'desc')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1000)
      .offset(keep)
      .execute();
    if (!extra.length) return 0;
    const ids = extra.map((r) => r.id);
    return Number((await db(em).deleteFrom('sessions').where('user_id', '=', userId).where('id', 'in', ids).executeTakeFirst()).numDeletedRows);
  }

  async deleteExpired(em: EntityManager, now: Date): Promise<number> {
    return Number((await db(em).deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst()).numDeletedRows);
  }
}
