import { defineEntity, p, type Opt } from '@mikro-orm/core';

export class User {
  id!: string;
  /** Lower-case; the allowed alphabet has no other case, so uniqueness is case-insensitive. */
  username!: string;
  /** Lower-cased e-mail address, unique. */
  email!: string;
  /** argon2id PHC string: it carries its own salt and parameters. */
  passwordHash!: string;
  emailVerified: Opt<boolean> = false;
  createdAt: Opt<Date> = new Date();
}

export const UserSchema = defineEntity({
  class: User,
  tableName: 'users',
  properties: {
    id: p.string().length(36).primary(),
    username: p.string().length(32).unique(),
    email: p.string().length(254).unique(),
    passwordHash: p.string().length(255),
    emailVerified: p.boolean().default(false),
    createdAt: p.datetime(3),
  },
});
