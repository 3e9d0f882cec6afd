import { defineEntity, p, type Ref } from '@mikro-orm/core';
import { User, UserSchema } from '../user/user.entity.js';

export type EmailTokenPurpose = 'verify' | 'reset';

/** A single-use link token for e-mail verification or password reset; stored hashed. */
export class EmailToken {
  id!: string;
  user!: Ref<User>;
  purpose!: EmailTokenPurpose;
  tokenHash!: string;
  createdAt!: Date;
  expiresAt!: Date;
  usedAt: Date | null = null;
}

export const EmailTokenSchema = defineEntity({
  class: EmailToken,
  tableName: 'email_tokens',
  properties: {
    id: p.string().length(36).primary(),
    user: () => p.manyToOne(UserSchema).ref().deleteRule('cascade'),
    purpose: p.string().length(16),
    tokenHash: p.string().length(64).unique().ignoreSchemaChanges('collation'),
    createdAt: p.datetime(3),
    expiresAt: p.datetime(3),
    usedAt: p.datetime(3).nullable(),
  },
});
