import { defineEntity, p, type Opt, type Ref } from '@mikro-orm/core';
import { User, UserSchema } from '../user/user.entity.js';

/**
 * A browser or client an account has signed in from. A browser is known by its device cookie
 * (only the token's SHA-256 is stored) together with its user-agent family; a client that keeps
 * no cookies (a script) by its user-agent family and address (`clientKey`, hashed too).
 */
export class KnownDevice {
  id!: string;
  user!: Ref<User>;
  tokenHash!: string;
  clientKey!: string;
  /** "Firefox on Linux", "curl": what the sign-in alert names. */
  family!: string;
  /** When the device first came back with its cookie: from then on only the cookie recognises it. */
  cookieSeenAt: Date | null = null;
  firstSeenAt: Opt<Date> = new Date();
  lastSeenAt: Opt<Date> = new Date();
}

export const KnownDeviceSchema = defineEntity({
  class: KnownDevice,
  tableName: 'known_devices',
  properties: {
    id: p.string().length(36).primary(),
    user: () => p.manyToOne(UserSchema).ref().deleteRule('cascade'),
    tokenHash: p.string().length(64).ignoreSchemaChanges('collation'),
    clientKey: p.string().length(64).ignoreSchemaChanges('collation'),
    family: p.string().length(64),
    cookieSeenAt: p.datetime(3).nullable(),
    firstSeenAt: p.datetime(3),
    lastSeenAt: p.datetime(3),
  },
  indexes: [{ properties: ['user', 'tokenHash'] }, { properties: ['user', 'clientKey'] }],
});
