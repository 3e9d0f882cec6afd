import type { EntityManager } from '@mikro-orm/core';
import { sql } from 'kysely';
import type { TimeIdCursor } from '../../db/cursor.js';
import { asBool, asDate, db } from '../../db/database.js';
import type { Role } from '../../scope.js';
import { User } from '../user/user.entity.js';

/** An account as the admin console shows it: counts and flags, never a file name, metadata or bytes. */
export interface AdminAccountRecord {
  id: string;
  username: string;
  email: string;
  role: Role;
  emailVerified: boolean;
  disabled: boolean;
  mfaEnabled: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
  imageCount: number;
  storageBytes: number;
  quotaBytes: number | null;
}


/**
 * Part of the username or the e-mail address (both stored lower-case). LIKE's own wildcards in
 * the term match themselves; the escape character is named because SQLite has none by default.
 */
function matching(search: string) {
  const term = `%${search.replace(/[!%_]/g, (c) => `!${c}`)}%`;
  return sql<boolean>`(u.username like ${term} escape '!' or u.email like ${term} escape '!')`;
}

/** An admin action from the audit trail, as the console lists it. */
export interface AdminActionRecord {
  id: string;
  event: string;
  createdAt: Date;
  /** The account acted on; null once it is deleted. */
  targetUsername: string | null;
  details: Record<string, unknown> | null;
}

/** The audit events that are admin actions (by an admin, or by the operator's command line). */
export const ADMIN_ACTION_EVENTS = ['admin.create', 'admin.promote', 'admin.demote', 'admin.disable', 'admin.enable', 'admin.quota', 'account.delete'] as const;

/** Accounts for the admin console and the admin command line. Accounts being deleted are gone here. */
export class AdminRepository {
  private base(em: EntityManager) {
    return db(em)
      .selectFrom('users as u')
      .select(['u.id', 'u.username', 'u.email', 'u.role', 'u.email_verified', 'u.disabled', 'u.created_at', 'u.storage_bytes', 'u.quota_bytes'])
      .select((eb) => [
        eb.selectFrom('images as i').select(eb.fn.countAll<number>().as('n')).whereRef('i.user_id', '=', 'u.id').as('image_count'),
        eb
          .selectFrom('audit_events as a')
          .select(sql<Date | number | string | null>`max(${sql.ref('a.created_at')})`.as('t'))
          .whereRef('a.user_id', '=', 'u.id')
          .where('a.event', '=', 'login.success')
          .as('last_login_at'),
        // A second factor counts once its setup was confirmed with a code.
        eb
          .selectFrom('totp_credentials as m')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('m.user_id', '=', 'u.id')
          .where('m.confirmed_at', 'is not', null)
          .as('mfa_count'),
      ])
      .where('u.deleting_at', 'is', null);
  }

  private static toRecord(row: {
    id: string;
    username: string;
    email: string;
    role: Role;
    email_verified: boolean | number;
    disabled: boolean | number;
    created_at: Date | number | string;
    storage_bytes: number | string | bigint;
    quota_bytes: number | string | bigint | null;
    image_count: number | string | null;
    last_login_at: Date | number | string | null;
    mfa_count: number | string | null;
  }): AdminAccountRecord {
    return {
      id: row.id,
      username: row.username,
      email: row.email,
      role: row.role,
      emailVerified: asBool(row.email_verified as boolean | number),
      disabled: asBool(row.disabled as boolean | number),
      mfaEnabled: Number(row.mfa_count ?? 0) > 0,
      createdAt: asDate(row.created_at),
      lastLoginAt: row.last_login_at === null ? null : asDate(row.last_login_at),
      imageCount: Number(row.image_count ?? 0),
      storageBytes: Number(row.storage_bytes),
      quotaBytes: row.quota_bytes === null ? null : Number(row.quota_bytes),
    };
  }

  /** Oldest first, after the cursor; `search` matches part of the username or the e-mail address. */
  async page(em: EntityManager, args: { cursor: TimeIdCursor | null; limit: number; search: string | null }): Promise<AdminAccountRecord[]> {
    let query = this.base(em);
    if (args.search) query = query.where(matching(args.search));
    if (args.cursor) {
      const { createdAt, id } = args.cursor;
      query = query.where((eb) => eb.or([eb('u.created_at', '>', createdAt), eb.and([eb('u.created_at', '=', createdAt), eb('u.id', '>', id)])]));
    }
    const rows = await query.orderBy('u.created_at', 'asc').orderBy('u.id', 'asc').limit(args.limit).execute();
    return rows.map((row) => AdminRepository.toRecord(row as Parameters<typeof AdminRepository.toRecord>[0]));
  }

  async count(em: EntityManager, search: string | null): Promise<number> {
    let query = db(em).selectFrom('users as u').select((eb) => eb.fn.countAll<number>().as('n')).where('u.deleting_at', 'is', null);
    if (search) query = query.where(matching(search));
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  async findById(em: EntityManager, id: string): Promise<AdminAccountRecord | null> {
    const row = await this.base(em).where('u.id', '=', id).executeTakeFirst();
    return row ? AdminRepository.toRecord(row as Parameters<typeof AdminRepository.toRecord>[0]) : null;
  }

  async findByUsername(em: EntityManager, username: string): Promise<AdminAccountRecord | null> {
    const row = await this.base(em).where('u.username', '=', username).executeTakeFirst();
    return row ? AdminRepository.toRecord(row as Parameters<typeof AdminRepository.toRecord>[0]) : null;
  }

  /** Every account, oldest first (the command line's list). */
  async all(em: EntityManager): Promise<AdminAccountRecord[]> {
    const rows = await this.base(em).orderBy('u.created_at', 'asc').orderBy('u.id', 'asc').execute();
    return rows.map((row) => AdminRepository.toRecord(row as Parameters<typeof AdminRepository.toRecord>[0]));
  }

  async setRole(em: EntityManager, id: string, role: Role): Promise<void> {
    await db(em).updateTable('users').set({ role }).where('id', '=', id).execute();
  }

  async setDisabled(em: EntityManager, id: string, disabled: boolean): Promise<void> {
    // Through the ORM: its Kysely plugin converts dates but not booleans (SQLite binds no `true`).
    await em.nativeUpdate(User, { id }, { disabled });
  }

  async setQuota(em: EntityManager, id: string, quotaBytes: number | null): Promise<void> {
    await db(em).updateTable('users').set({ quota_bytes: quotaBytes }).where('id', '=', id).execute();
  }

  async markVerified(em: EntityManager, id: string): Promise<void> {
    await em.nativeUpdate(User, { id }, { emailVerified: true });
  }

  /**
   * Takes an admin out of the set of active admins (demote, disable, delete) in one statement,
   * and only while another active admin remains: two admins removing each other at once can't
   * leave none. `change` is the SET clause. The count reads a derived table because MySQL refuses
   * a subquery on the table an UPDATE writes.
   */
  async withdrawAdmin(em: EntityManager, id: string, change: 'demote' | 'disable'): Promise<boolean> {
    const set = change === 'demote' ? sql`role = 'USER'` : sql`disabled = 1`;
    const result = await sql`
      update users set ${set}
      where id = ${id} and role = 'ADMIN' and disabled = 0 and deleting_at is null
        and (select count(*) from (select id from users where role = 'ADMIN' and disabled = 0 and deleting_at is null and id <> ${id}) as others) > 0
    `.execute(db(em));
    return Number(result.numAffectedRows ?? 0n) > 0;
  }

  /** The latest admin actions, newest first. Owner-initiated deletions are among them (details.by = owner). */
  async actions(em: EntityManager, limit: number): Promise<AdminActionRecord[]> {
    const rows = await db(em)
      .selectFrom('audit_events as a')
      .leftJoin('users as u', 'u.id', 'a.user_id')
      .select(['a.id', 'a.event', 'a.created_at', 'a.details', 'u.username'])
      .where('a.event', 'in', [...ADMIN_ACTION_EVENTS])
      .orderBy('a.created_at', 'desc')
      .orderBy('a.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      event: row.event,
      createdAt: asDate(row.created_at as Date | number | string),
      targetUsername: row.username ?? null,
      details: (row.details as Record<string, unknown> | null) ?? null,
    }));
  }
}
