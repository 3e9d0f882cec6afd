import { defineEntity, p, type Opt, type Ref } from '@mikro-orm/core';
import { User, UserSchema } from '../user/user.entity.js';

/** A login. Only the SHA-256 of its bearer token is stored, so a database leak yields no live token. */
export class Session {
  id!: string;
  user!: Ref<User>;
  tokenHash!: string;
  createdAt: Opt<Date> = new Date();
  lastSeenAt: Opt<Date> = new Date();
  /** Absolute expiry; the idle expiry is lastSeenAt + the idle timeout. */
  expiresAt!: Date;
  userAgent: string | null = null;
  ip: string | null = null;
}

export const SessionSchema = defineEntity({
  class: Session,
  tableName: 'sessions',
  properties: {
    id: p.string().length(36).primary(),
    user: () => p.manyToOne(UserSchema).ref().deleteRule('cascade'),
    tokenHash: p.string().length(64).unique().ignoreSchemaChanges('collation'),
    createdAt: p.datetime(3),
    lastSeenAt: p.datetime(3),
    expiresAt: p.datetime(3).index(),
    userAgent: p.string().length(255).nullable(),
    ip: p.string().length(64).nullable(),
  },
});
