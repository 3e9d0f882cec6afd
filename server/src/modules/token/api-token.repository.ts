import type { EntityManager } from '@mikro-orm/core';
import { asDate, db, rawDb } from '../../db/database.js';
import type { Account } from '../../scope.js';
import { toAccount } from '../user/user.repository.js';

export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

const COLUMNS = ['id', 'user_id', 'name', 'prefix', 'created_at', 'last_used_at', 'expires_at'] as const;

type TokenRow = {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  created_at: Date | number;
  last_used_at: Date | number | null;
  expires_at: Date | number | null;
};

const maybeDate = (value: Date | number | null) => (value === null ? null : asDate(value));

function toToken(row: TokenRow): ApiTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    createdAt: asDate(row.created_at),
    lastUsedAt: maybeDate(row.last_used_at),
    expiresAt: maybeDate(row.expires_at),
  };
}

export class ApiTokenRepository {
  /** Runs for every request that carries an API token: one indexed join, no value plugin. */
  async findByTokenHash(em: EntityManager, tokenHash: string): Promise<{ token: ApiTokenRecord; user: Account } | null> {
    const row = await rawDb(em)
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select(['t.id', 't.user_id', 't.name', 't.prefix', 't.created_at', 't.last_used_at', 't.expires_at'])
      .select(['u.username', 'u.email', 'u.email_verified', 'u.role', 'u.created_at as user_created_at'])
      .where('t.token_hash', '=', tokenHash)
      // A disabled account, or one being deleted, has no working credential, whatever rows remain.
      .where('u.disabled', '=', 0 as unknown as boolean)
      .where('u.deleting_at', 'is', null)
      .executeTakeFirst();
    if (!row) return null;
    return { token: toToken(row), user: toAccount({ ...row, id: row.user_id, created_at: row.user_created_at }) };
  }

  async insert(em: EntityManager, token: ApiTokenRecord & { tokenHash: string }): Promise<void> {
    await db(em)
      .insertInto('api_tokens')
      .values({
        id: token.id,
        user_id: token.userId,
        name: token.name,
        prefix: token.prefix,
        token_hash: token.tokenHash,
        created_at: token.createdAt,
        last_used_at: token.lastUsedAt,
        expires_at: token.expiresAt,
      })
      .execute();
  }

  async countOf(em: EntityManager, userId: string): Promise<number> {
    const row = await db(em).selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async listOf(em: EntityManager, userId: string): Promise<ApiTokenRecord[]> {
    const rows = await db(em).selectFrom('api_tokens').select(COLUMNS).where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toToken);
  }

  async findOwned(em: EntityManager, userId: string, id: string): Promise<ApiTokenRecord | null> {
    const row = await db(em).selectFrom('api_tokens').select(COLUMNS).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return row ? toToken(row) : null;
  }

  async touch(em: EntityManager, id: string, at: Date): Promise<void> {
    await db(em).updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async delete(em: EntityManager, id: string): Promise<void> {
    await db(em).deleteFrom('api_tokens').where('id', '=', id).execute();
  }

  async deleteAllOf(em: EntityManager, userId: string): Promise<number> {
    return Number((await db(em).deleteFrom('api_tokens').where('user_id', '=', userId).executeTakeFirst()).numDeletedRows);
  }
}
