import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { asDate, db } from '../../db/database.js';

export interface PasskeyRecord {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const COLUMNS = ['id', 'user_id', 'credential_id', 'public_key', 'counter', 'transports', 'name', 'created_at', 'last_used_at'] as const;

type Row = { id: string; user_id: string; credential_id: string; public_key: string; counter: number | string | bigint; transports: string | null; name: string; created_at: Date; last_used_at: Date | null };

function toRecord(row: Row): PasskeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: row.transports ? row.transports.split(',') : [],
    name: row.name,
    createdAt: asDate(row.created_at),
    lastUsedAt: row.last_used_at ? asDate(row.last_used_at) : null,
  };
}

/** SQL of passkeys and of their WebAuthn challenges. */
export class PasskeyRepository {
  async listOf(em: EntityManager, userId: string): Promise<PasskeyRecord[]> {
    const rows = await db(em).selectFrom('passkeys').select(COLUMNS).where('user_id', '=', userId).orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
    return rows.map((r) => toRecord(r as Row));
  }

  async findByCredentialId(em: EntityManager, credentialId: string): Promise<PasskeyRecord | null> {
    const row = await db(em).selectFrom('passkeys').select(COLUMNS).where('credential_id', '=', credentialId).executeTakeFirst();
    return row ? toRecord(row as Row) : null;
  }

  async insert(em: EntityManager, passkey: Omit<PasskeyRecord, 'id' | 'createdAt' | 'lastUsedAt'>): Promise<PasskeyRecord> {
    const record: PasskeyRecord = { ...passkey, id: randomUUID(), createdAt: new Date(), lastUsedAt: null };
    await db(em)
      .insertInto('passkeys')
      .values({
        id: record.id,
        user_id: record.userId,
        credential_id: record.credentialId,
        public_key: record.publicKey,
        counter: record.counter,
        transports: record.transports.length ? record.transports.join(',').slice(0, 255) : null,
        name: record.name,
        created_at: record.createdAt,
      })
      .execute();
    return record;
  }

  /**
   * Records a use, if the counter is where it was read (compare-and-set): two parallel logins
   * with one assertion can't both pass.
   */
  async recordUse(em: EntityManager, id: string, fromCounter: number, toCounter: number, at: Date): Promise<boolean> {
    const result = await db(em)
      .updateTable('passkeys')
      .set({ counter: toCounter, last_used_at: at })
      .where('id', '=', id)
      .where('counter', '=', fromCounter)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteOwned(em: EntityManager, userId: string, id: string): Promise<boolean> {
    const result = await db(em).deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async countOf(em: EntityManager, userId: string): Promise<number> {
    const row = await db(em).selectFrom('passkeys').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertChallenge(em: EntityManager, challenge: { challenge: string; purpose: string; userId: string | null; expiresAt: Date }): Promise<void> {
    await db(em)
      .insertInto('webauthn_challenges')
      .values({ id: randomUUID(), challenge: challenge.challenge, purpose: challenge.purpose, user_id: challenge.userId, expires_at: challenge.expiresAt })
      .execute();
  }

  /** Uses up a live challenge: its row, deleted by this call, or null (unknown, used, expired). */
  async claimChallenge(em: EntityManager, challenge: string, purpose: string, now: Date): Promise<{ userId: string | null } | null> {
    const row = await db(em)
      .selectFrom('webauthn_challenges')
      .select(['id', 'user_id', 'expires_at'])
      .where('challenge', '=', challenge)
      .where('purpose', '=', purpose)
      .executeTakeFirst();
    if (!row) return null;
    const deleted = await db(em).deleteFrom('webauthn_challenges').where('id', '=', row.id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1 || asDate(row.expires_at).getTime() <= now.getTime()) return null;
    return { userId: row.user_id ?? null };
  }

  async deleteExpiredChallenges(em: EntityManager, now: Date): Promise<number> {
    return Number((await db(em).deleteFrom('webauthn_challenges').where('expires_at', '<=', now).executeTakeFirst()).numDeletedRows);
  }
}
