import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/**
 * The TOTP and recovery-code formats, without storage: RFC 6238 with SHA-1, 6 digits and 30-second
 * steps (what every authenticator app reads from an otpauth:// URI), accepting one step either side
 * for clock drift.
 */
export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
const DRIFT_STEPS = 1;
/** RFC 4226 recommends 160 bits for the HMAC-SHA-1 key. */
const SECRET_BYTES = 20;
const ISSUER = 'Lockframe';

export const RECOVERY_CODE_COUNT = 10;
/** 12 symbols of 32 (no 0/o, 1/l): 60 bits each; shown as xxxx-xxxx-xxxx. */
const RECOVERY_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const RECOVERY_LENGTH = 12;
/** Anything longer is refused unread (it is neither a code nor a recovery code). */
const MAX_OTP_INPUT = 64;

export function newTotpSecret(): Buffer {
  return Buffer.from(new Secret({ size: SECRET_BYTES }).bytes);
}

export function base32Of(secret: Buffer): string {
  return new Secret({ buffer: new Uint8Array(secret).buffer }).base32;
}

function totpFor(secret: Buffer, label = 'account'): TOTP {
  return new TOTP({ issuer: ISSUER, label, ...TOTP_PARAMS, secret: new Secret({ buffer: new Uint8Array(secret).buffer }) });
}

export function otpauthUri(secret: Buffer, username: string): string {
  return totpFor(secret, username).toString();
}

/** The time step a 6-digit code belongs to (now, or one step either side), or null. */
export function matchingStep(secret: Buffer, code: string, now: number): number | null {
  const totp = totpFor(secret);
  const delta = totp.validate({ token: code, timestamp: now, window: DRIFT_STEPS });
  return delta === null ? null : totp.counter({ timestamp: now }) + delta;
}

/** The code of a time step: what an authenticator app shows (tests use it too). */
export function codeAt(secret: Buffer, timestamp: number): string {
  return totpFor(secret).generate({ timestamp });
}

export function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < RECOVERY_LENGTH; i++) code += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

export type OtpInput = { kind: 'totp'; code: string } | { kind: 'recovery'; code: string } | { kind: 'invalid' };

/** What the user typed into the code field: spaces and dashes ignored, any case. */
export function parseOtp(input: string): OtpInput {
  if (typeof input !== 'string' || input.length > MAX_OTP_INPUT) return { kind: 'invalid' };
  const text = input.replace(/[\s-]/g, '').toLowerCase();
  if (/^\d{6}$/.test(text)) return { kind: 'totp', code: text };
  if (text.length === RECOVERY_LENGTH && [...text].every((c) => RECOVERY_ALPHABET.includes(c))) return { kind: 'recovery', code: text };
  return { kind: 'invalid' };
}
