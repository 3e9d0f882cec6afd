import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { db, isUniqueViolation } from '../../db/database.js';

export interface TotpRecord {
  id: string;
  userId: string;
  secretSealed: string;
  keyId: string;
  confirmedAt: Date | null;
  lastStep: number | null;
  recoverySalt: string;
}

/** SQL of the second factor: TOTP seeds and recovery codes. */
export class MfaRepository {
  async findTotp(em: EntityManager, userId: string): Promise<TotpRecord | null> {
    const row = await db(em)
      .selectFrom('totp_credentials')
      .select(['id', 'user_id', 'secret_sealed', 'key_id', 'confirmed_at', 'last_step', 'recovery_salt'])
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      userId: row.user_id,
      secretSealed: row.secret_sealed,
      keyId: row.key_id,
      confirmedAt: row.confirmed_at ?? null,
      lastStep: row.last_step === null || row.last_step === undefined ? null : Number(row.last_step),
      recoverySalt: row.recovery_salt,
    };
  }

  async isEnabled(em: EntityManager, userId: string): Promise<boolean> {
    const row = await db(em).selectFrom('totp_credentials').select('id').where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
    return !!row;
  }

  /** Starts (or restarts) a setup: replaces an unconfirmed row; false when MFA is already on. */
  async replacePending(em: EntityManager, userId: string, seed: { secretSealed: string; keyId: string; recoverySalt: string }): Promise<boolean> {
    await db(em).deleteFrom('totp_credentials').where('user_id', '=', userId).where('confirmed_at', 'is', null).execute();
    try {
      await db(em)
        .insertInto('totp_credentials')
        .values({ id: randomUUID(), user_id: userId, secret_sealed: seed.secretSealed, key_id: seed.keyId, recovery_salt: seed.recoverySalt, created_at: new Date() })
        .execute();
    } catch (error) {
      // The unique user_id: a confirmed row is there (or a parallel setup won).
      if (isUniqueViolation(error)) return false;
      throw error;
    }
    return true;
  }

  /**
   * Accepts time step `step` if it is newer than every step accepted before, atomically: of two
   * requests with the same code, on any number of server processes, one wins.
   */
  async claimStep(em: EntityManager, id: string, step: number): Promise<boolean> {
    const result = await db(em)
      .updateTable('totp_credentials')
      .set({ last_step: step })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async confirm(em: EntityManager, id: string, at: Date): Promise<boolean> {
    const result = await db(em).updateTable('totp_credentials').set({ confirmed_at: at }).where('id', '=', id).where('confirmed_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteTotp(em: EntityManager, userId: string): Promise<void> {
    await db(em).deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    await db(em).deleteFrom('totp_credentials').where('user_id', '=', userId).execute();
  }

  /** Replaces every recovery code of the account with these hashes. */
  async replaceRecoveryCodes(em: EntityManager, userId: string, hashes: string[]): Promise<void> {
    const createdAt = new Date();
    await db(em).deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    await db(em)
      .insertInto('recovery_codes')
      .values(hashes.map((code_hash) => ({ id: randomUUID(), user_id: userId, code_hash, created_at: createdAt })))
      .execute();
  }

  /** Uses up an unused recovery code by its hash, atomically; false when none matches. */
  async claimRecoveryCode(em: EntityManager, userId: string, hash: string, at: Date): Promise<boolean> {
    const result = await db(em)
      .updateTable('recovery_codes')
      .set({ used_at: at })
      .where('user_id', '=', userId)
      .where('code_hash', '=', hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async unusedRecoveryCodes(em: EntityManager, userId: string): Promise<number> {
    const row = await db(em)
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** How many seeds each master key seals (for the key tool). */
  async keyUsage(em: EntityManager): Promise<Map<string, number>> {
    const rows = await db(em).selectFrom('totp_credentials').select((eb) => ['key_id', eb.fn.countAll<number>().as('n')]).groupBy('key_id').execute();
    return new Map(rows.map((r) => [r.key_id, Number(r.n)]));
  }

  async sealedNotUnder(em: EntityManager, keyId: string): Promise<Array<{ id: string; userId: string; secretSealed: string; keyId: string }>> {
    const rows = await db(em).selectFrom('totp_credentials').select(['id', 'user_id', 'secret_sealed', 'key_id']).where('key_id', '!=', keyId).execute();
    return rows.map((r) => ({ id: r.id, userId: r.user_id, secretSealed: r.secret_sealed, keyId: r.key_id }));
  }

  /** Compare-and-set: a row changed meanwhile is left alone. */
  async reseal(em: EntityManager, id: string, fromKeyId: string, to: { secretSealed: string; keyId: string }): Promise<boolean> {
    const result = await db(em)
      .updateTable('totp_credentials')
      .set({ secret_sealed: to.secretSealed, key_id: to.keyId })
      .where('id', '=', id)
      .where('key_id', '=', fromKeyId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
