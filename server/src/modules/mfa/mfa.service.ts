import { randomBytes } from 'node:crypto';
import * as argon2 from 'argon2';
import type { KeyProvider } from '../../crypto/key-provider.js';
import { AppError, badInput } from '../../errors.js';
import type { Scope, SignedInScope } from '../../scope.js';
import type { AuditService } from '../audit/audit.service.js';
import type { RateLimitService } from '../ratelimit/rate-limit.service.js';
import { UserRepository } from '../user/user.repository.js';
import { isTooLongPassword } from '../user/password-policy.js';
import { ARGON2_OPTIONS } from '../user/user.service.js';
import { MfaRepository, type TotpRecord } from './mfa.repository.js';
import { base32Of, matchingStep, newRecoveryCode, newTotpSecret, otpauthUri, parseOtp, RECOVERY_CODE_COUNT } from './totp.js';

export interface MfaServiceDeps {
  keys: KeyProvider;
  limits: RateLimitService;
  audit: AuditService;
}

/** The sealed-secret purpose of TOTP seeds (the key tool re-seals them under it). */
export const SEED_PURPOSE = 'totp';

export const wrongOtp = () => badInput('That code is not right. Enter the current 6-digit code from your app, or an unused recovery code.', 'otp');

/**
 * The TOTP second factor: setting it up, turning it off, recovery codes, and checking a code at
 * sign-in. A code is accepted once (its time step is remembered, atomically, per account); a
 * recovery code once (claimed by its hash). Seeds are sealed under the master key ring.
 */
export class MfaService {
  constructor(
    private readonly deps: MfaServiceDeps,
    private readonly mfa = new MfaRepository(),
    private readonly users = new UserRepository(),
  ) {}

  isEnabled(scope: Scope, userId: string): Promise<boolean> {
    return this.mfa.isEnabled(scope.em, userId);
  }

  /** A new seed, not yet in force: MFA is on once enableTotp accepts a code from it. */
  async beginTotpSetup(scope: SignedInScope): Promise<{ secret: string; otpauthUri: string }> {
    const { user } = scope.viewer;
    const seed = newTotpSecret();
    try {
      const { sealed, keyId } = (await this.deps.keys.currentRing()).sealSecret(seed, { purpose: SEED_PURPOSE, userId: user.id });
      const stored = await this.mfa.replacePending(scope.em, user.id, { secretSealed: sealed, keyId, recoverySalt: randomBytes(16).toString('hex') });
      if (!stored) throw badInput('Two-factor sign-in is already on. Turn it off first to set up another app.');
      return { secret: base32Of(seed), otpauthUri: otpauthUri(seed, user.username) };
    } finally {
      seed.fill(0);
    }
  }

  /** Confirms the setup with a code from the app; returns the recovery codes, shown this once. */
  async enableTotp(scope: SignedInScope, code: string): Promise<string[]> {
    const { user } = scope.viewer;
    const record = await this.mfa.findTotp(scope.em, user.id);
    if (!record || record.confirmedAt) throw badInput('Start the setup first: there is no new authenticator waiting for a code.', 'code');
    const parsed = parseOtp(code);
    if (parsed.kind !== 'totp' || !(await this.acceptTotp(record, parsed.code, scope))) {
      throw badInput('That code is not right. Enter the 6-digit code your app shows now.', 'code');
    }
    if (!(await this.mfa.confirm(scope.em, record.id, new Date()))) throw badInput('Two-factor sign-in is already on.', 'code');
    const codes = await this.replaceRecoveryCodes(scope, record);
    await this.deps.audit.record(scope, 'mfa.enable', user.id);
    return codes;
  }

  /** Needs the password and a code (or a recovery code); both guesses count like failed logins. */
  async disableTotp(scope: SignedInScope, password: string, otp: string): Promise<boolean> {
    const { user } = scope.viewer;
    if (!(await this.mfa.isEnabled(scope.em, user.id))) throw badInput('Two-factor sign-in is already off.', 'otp');
    const attempt = await this.reserveGuess(scope);
    const hash = await this.users.passwordHashOf(scope.em, user.id);
    const ok = !!hash && !isTooLongPassword(password) && (await argon2.verify(hash, password).catch(() => false));
    if (!ok) throw new AppError('BAD_USER_INPUT', 'Your password is not correct.', { field: 'password' });
    if (!(await this.verify(scope, user.id, otp))) throw wrongOtp();
    await attempt.release();
    await this.mfa.deleteTotp(scope.em, user.id);
    await this.deps.audit.record(scope, 'mfa.disable', user.id);
    return true;
  }

  /** New recovery codes for a code (or a recovery code); the old ones stop working. */
  async regenerateRecoveryCodes(scope: SignedInScope, otp: string): Promise<string[]> {
    const { user } = scope.viewer;
    const record = await this.mfa.findTotp(scope.em, user.id);
    if (!record?.confirmedAt) throw badInput('Two-factor sign-in is off: there are no recovery codes.', 'otp');
    const attempt = await this.reserveGuess(scope);
    if (!(await this.verify(scope, user.id, otp))) throw wrongOtp();
    await attempt.release();
    const codes = await this.replaceRecoveryCodes(scope, record);
    await this.deps.audit.record(scope, 'mfa.recovery.regenerate', user.id);
    return codes;
  }

  /**
   * Whether `otp` is a good second factor for the account now, using it up if so: a TOTP code
   * of a step newer than any accepted before, or an unused recovery code. False for anything else.
   */
  async verify(scope: Scope, userId: string, otp: string): Promise<boolean> {
    const record = await this.mfa.findTotp(scope.em, userId);
    if (!record?.confirmedAt) return false;
    const parsed = parseOtp(otp);
    if (parsed.kind === 'totp') return this.acceptTotp(record, parsed.code, scope);
    if (parsed.kind === 'recovery') {
      const used = await this.mfa.claimRecoveryCode(scope.em, userId, await this.recoveryHash(record, parsed.code), new Date());
      if (used) await this.deps.audit.record(scope, 'mfa.recovery.use', userId, { left: await this.mfa.unusedRecoveryCodes(scope.em, userId) });
      return used;
    }
    return false;
  }

  /** Signed-in guesses (password, codes) share one throttle with changePassword's current-password check. */
  private reserveGuess(scope: SignedInScope) {
    const { limits } = this.deps;
    return limits.reserve(scope, [[`password:acct:${scope.viewer.user.id}`, limits.rules.loginAccount]]);
  }

  private async acceptTotp(record: TotpRecord, code: string, scope: Scope): Promise<boolean> {
    const ring = await this.deps.keys.ringWith(record.keyId);
    const seed = ring.openSecret(record.secretSealed, record.keyId, { purpose: SEED_PURPOSE, userId: record.userId });
    try {
      const step = matchingStep(seed, code, Date.now());
      return step !== null && (await this.mfa.claimStep(scope.em, record.id, step));
    } finally {
      seed.fill(0);
    }
  }

  private async replaceRecoveryCodes(scope: Scope, record: TotpRecord): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const hashes = await Promise.all(codes.map((code) => this.recoveryHash(record, code.replaceAll('-', ''))));
    await this.mfa.replaceRecoveryCodes(scope.em, record.userId, hashes);
    return codes;
  }

  /**
   * argon2id under the account's salt: one hash per attempt finds the code by equality, and a
   * leaked table costs an attacker argon2 per guess of a 60-bit code.
   */
  private async recoveryHash(record: TotpRecord, code: string): Promise<string> {
    const raw = await argon2.hash(code, { ...ARGON2_OPTIONS, salt: Buffer.from(record.recoverySalt, 'hex'), raw: true });
    return raw.toString('hex');
  }
}
