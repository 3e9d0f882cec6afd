import { defineEntity, p, type Opt } from '@mikro-orm/core';
import type { Role } from '../../scope.js';

export class User {
  id!: string;
  /** Lower-case; the allowed alphabet has no other case, so uniqueness is case-insensitive. */
  username!: string;
  /** Lower-cased e-mail address, unique. */
  email!: string;
  /** argon2id PHC string: it carries its own salt and parameters. */
  passwordHash!: string;
  emailVerified: Opt<boolean> = false;
  /** USER or ADMIN; only the admin command line changes it. */
  role: Opt<Role> = 'USER';
  createdAt: Opt<Date> = new Date();
  /** Set by an admin: no session, token or login works while it is. */
  disabled: Opt<boolean> = false;
  /** Bytes stored for this account (originals plus variants), reserved before an upload writes any. */
  storageBytes: Opt<number> = 0;
  /** Most bytes it may store; null: no quota. */
  quotaBytes: number | null = null;
  /** When its deletion started; such an account is gone for every purpose but the deletion's resumption. */
  deletingAt: Date | null = null;
}

/**
 * Lookup keys (username, e-mail, token hashes) compare byte for byte on every database: MySQL
 * columns are utf8mb4_bin (migration exact_keys), SQLite compares binary by default. Collation
 * names differ per dialect, so the entities leave collation to the migrations.
 */
export const UserSchema = defineEntity({
  class: User,
  tableName: 'users',
  properties: {
    id: p.string().length(36).primary(),
    username: p.string().length(32).unique().ignoreSchemaChanges('collation'),
    email: p.string().length(254).unique().ignoreSchemaChanges('collation'),
    passwordHash: p.string().length(255),
    emailVerified: p.boolean().default(false),
    role: p.string().$type<Role>().length(8).default('USER'),
    createdAt: p.datetime(3),
    disabled: p.boolean().default(false),
    storageBytes: p.bigint('number').defaultRaw('0'),
    quotaBytes: p.bigint('number').nullable(),
    deletingAt: p.datetime(3).nullable(),
  },
});
