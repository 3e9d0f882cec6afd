import { defineEntity, p, type Opt, type Ref } from '@mikro-orm/core';
import { User, UserSchema } from '../user/user.entity.js';

/** A long-lived bearer token for scripts. Only its SHA-256 is stored; the secret is shown once. */
export class ApiToken {
  id!: string;
  user!: Ref<User>;
  name!: string;
  /** The first characters of the secret, so a user can tell tokens apart. */
  prefix!: string;
  tokenHash!: string;
  createdAt: Opt<Date> = new Date();
  lastUsedAt: Date | null = null;
  expiresAt: Date | null = null;
}

export const ApiTokenSchema = defineEntity({
  class: ApiToken,
  tableName: 'api_tokens',
  properties: {
    id: p.string().length(36).primary(),
    user: () => p.manyToOne(UserSchema).ref().deleteRule('cascade'),
    name: p.string().length(100),
    prefix: p.string().length(16),
    tokenHash: p.string().length(64).unique().ignoreSchemaChanges('collation'),
    createdAt: p.datetime(3),
    lastUsedAt: p.datetime(3).nullable(),
    expiresAt: p.datetime(3).nullable(),
  },
});
