import { defineEntity, p, type Opt, type Ref } from '@mikro-orm/core';
import { User, UserSchema } from '../user/user.entity.js';

/**
 * An account's TOTP seed, sealed under the master key ring (never stored in the clear). A row
 * with no `confirmedAt` is a setup in progress: MFA is on only once a code from it was accepted.
 */
export class TotpCredential {
  id!: string;
  user!: Ref<User>;
  /** base64 of the seed sealed by KeyRing.sealSecret, bound to this account. */
  secretSealed!: string;
  keyId!: string;
  confirmedAt: Date | null = null;
  /** The newest time step accepted: a code of that step or an older one never works again. */
  lastStep: number | null = null;
  /** Salt of the recovery-code hashes (argon2id), one per account. */
  recoverySalt!: string;
  createdAt: Opt<Date> = new Date();
}

export const TotpCredentialSchema = defineEntity({
  class: TotpCredential,
  tableName: 'totp_credentials',
  properties: {
    id: p.string().length(36).primary(),
    user: () => p.manyToOne(UserSchema).ref().unique().deleteRule('cascade'),
    secretSealed: p.string().length(255),
    keyId: p.string().length(16).index(),
    confirmedAt: p.datetime(3).nullable(),
    lastStep: p.integer().nullable(),
    recoverySalt: p.string().length(32),
    createdAt: p.datetime(3),
  },
});

/** One single-use recovery code, stored as its argon2id hash under the account's salt. */
export class RecoveryCode {
  id!: string;
  user!: Ref<User>;
  codeHash!: string;
  usedAt: Date | null = null;
  createdAt: Opt<Date> = new Date();
}

export const RecoveryCodeSchema = defineEntity({
  class: RecoveryCode,
  tableName: 'recovery_codes',
  properties: {
    id: p.string().length(36).primary(),
    user: () => p.manyToOne(UserSchema).ref().deleteRule('cascade'),
    codeHash: p.string().length(64).ignoreSchemaChanges('collation'),
    usedAt: p.datetime(3).nullable(),
    createdAt: p.datetime(3),
  },
});
