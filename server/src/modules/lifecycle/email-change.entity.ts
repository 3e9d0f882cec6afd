import { defineEntity, p, type Ref } from '@mikro-orm/core';
import { User, UserSchema } from '../user/user.entity.js';

/**
 * A requested change of e-mail address, waiting for its confirmation link (stored hashed) to be
 * opened from the new address. One per account: a new request replaces the old (the repository
 * deletes the older row first).
 */
export class EmailChange {
  id!: string;
  user!: Ref<User>;
  newEmail!: string;
  tokenHash!: string;
  createdAt!: Date;
  expiresAt!: Date;
}

export const EmailChangeSchema = defineEntity({
  class: EmailChange,
  tableName: 'email_changes',
  properties: {
    id: p.string().length(36).primary(),
    user: () => p.manyToOne(UserSchema).ref().deleteRule('cascade'),
    newEmail: p.string().length(254),
    tokenHash: p.string().length(64).unique().ignoreSchemaChanges('collation'),
    createdAt: p.datetime(3),
    expiresAt: p.datetime(3),
  },
});
