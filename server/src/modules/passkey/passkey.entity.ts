import { defineEntity, p, type Opt, type Ref } from '@mikro-orm/core';
import { User, UserSchema } from '../user/user.entity.js';

/** A WebAuthn credential (passkey): its public key and signature counter; nothing secret. */
export class Passkey {
  id!: string;
  user!: Ref<User>;
  /** base64url, as the authenticator gave it. */
  credentialId!: string;
  /** base64url of the COSE public key. */
  publicKey!: string;
  counter!: number;
  /** Comma-separated hints (usb, internal, hybrid…), handed back to the browser. */
  transports: string | null = null;
  name!: string;
  createdAt: Opt<Date> = new Date();
  lastUsedAt: Date | null = null;
}

export const PasskeySchema = defineEntity({
  class: Passkey,
  tableName: 'passkeys',
  properties: {
    id: p.string().length(36).primary(),
    user: () => p.manyToOne(UserSchema).ref().deleteRule('cascade'),
    credentialId: p.string().length(255).unique().ignoreSchemaChanges('collation'),
    publicKey: p.text(),
    counter: p.bigint('number'),
    transports: p.string().length(255).nullable(),
    name: p.string().length(64),
    createdAt: p.datetime(3),
    lastUsedAt: p.datetime(3).nullable(),
  },
});

/** A WebAuthn challenge handed out and not yet used: single use, short-lived. */
export class WebAuthnChallenge {
  id!: string;
  challenge!: string;
  /** 'register' or 'login'. */
  purpose!: string;
  /** Registration: the account; login: the account named by username, or null (discoverable). */
  userId: string | null = null;
  expiresAt!: Date;
}

export const WebAuthnChallengeSchema = defineEntity({
  class: WebAuthnChallenge,
  tableName: 'webauthn_challenges',
  properties: {
    id: p.string().length(36).primary(),
    challenge: p.string().length(128).unique().ignoreSchemaChanges('collation'),
    purpose: p.string().length(16),
    userId: p.string().length(36).nullable(),
    expiresAt: p.datetime(3).index(),
  },
});
