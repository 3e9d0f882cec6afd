import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { asBool, asDate, db, isUniqueViolation } from '../../db/database.js';
import type { Account, Role } from '../../scope.js';
import { User } from './user.entity.js';

/** An account with its password hash: only sign-in and password changes ever read this. */
export interface Credentials extends Account {
  passwordHash: string;
  /** Disabled by an admin: the right password answers ACCOUNT_DISABLED. */
  disabled: boolean;
}

export interface NewAccount {
  username: string;
  email: string;
  passwordHash: string;
}

const ACCOUNT_COLUMNS = ['id', 'username', 'email', 'email_verified', 'role', 'created_at'] as const;

type AccountRow = { id: string; username: string; email: string; email_verified: boolean | number; role: Role; created_at: Date | number | string };

/** Rows of `users` as the plain records services work with. Also used by the hot lookups of other repositories. */
export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    emailVerified: asBool(row.email_verified),
    role: row.role,
    createdAt: asDate(row.created_at),
  };
}

export class UserRepository {
  /** `defaultQuotaBytes`: the quota every new account starts with (DEFAULT_QUOTA_BYTES); null: none. */
  constructor(private readonly options: { defaultQuotaBytes: number | null } = { defaultQuotaBytes: null }) {}

  async findById(em: EntityManager, id: string): Promise<Account | null> {
    const row = await db(em).selectFrom('users').select(ACCOUNT_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  /** An account that may sign in (not being deleted), with whether an admin disabled it; null when there is none. */
  async findSignInAccount(em: EntityManager, id: string): Promise<(Account & { disabled: boolean }) | null> {
    const row = await db(em).selectFrom('users').select([...ACCOUNT_COLUMNS, 'disabled']).where('id', '=', id).where('deleting_at', 'is', null).executeTakeFirst();
    return row ? { ...toAccount(row), disabled: asBool(row.disabled) } : null;
  }

  /** The account a login name belongs to: an e-mail address when it has an @, else a username. */
  async findCredentials(em: EntityManager, login: { email: string } | { username: string }): Promise<Credentials | null> {
    // An account being deleted is already gone for sign-in.
    const query = db(em).selectFrom('users').select([...ACCOUNT_COLUMNS, 'password_hash', 'disabled']).where('deleting_at', 'is', null);
    const row = await ('email' in login ? query.where('email', '=', login.email) : query.where('username', '=', login.username)).executeTakeFirst();
    return row ? { ...toAccount(row), passwordHash: row.password_hash, disabled: asBool(row.disabled) } : null;
  }

  async findByEmail(em: EntityManager, email: string): Promise<Account | null> {
    const row = await db(em).selectFrom('users').select(ACCOUNT_COLUMNS).where('email', '=', email).executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  async usernameTaken(em: EntityManager, username: string): Promise<boolean> {
    const row = await db(em).selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
    return !!row;
  }

  async passwordHashOf(em: EntityManager, id: string): Promise<string | null> {
    const row = await db(em).selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirst();
    return row?.password_hash ?? null;
  }

  /**
   * The new account, or null when its username or address is taken (the unique indexes decide a
   * race). Values are bound parameters: MikroORM's own insert inlines them into the SQL on
   * SQLite, where a NUL byte cut the statement short.
   */
  async insert(em: EntityManager, account: NewAccount): Promise<Account | null> {
    const created: Account = { id: randomUUID(), username: account.username, email: account.email, emailVerified: false, role: 'USER', createdAt: new Date() };
    try {
      await db(em)
        .insertInto('users')
        .values({
          id: created.id,
          username: created.username,
          email: created.email,
          password_hash: account.passwordHash,
          // email_verified: the column's default (false); SQLite binds no booleans.
          role: created.role,
          created_at: created.createdAt,
          quota_bytes: this.options.defaultQuotaBytes,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
    return created;
  }

  async setPasswordHash(em: EntityManager, id: string, passwordHash: string): Promise<void> {
    await db(em).updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  }

  async markEmailVerified(em: EntityManager, id: string): Promise<void> {
    // Through the ORM: MikroORM's Kysely plugin converts dates but not booleans (SQLite binds no `true`).
    await em.nativeUpdate(User, { id }, { emailVerified: true });
  }
}
