import { describe, expect, it } from 'vitest';
import { base32Of, codeAt, matchingStep, newRecoveryCode, newTotpSecret, otpauthUri, parseOtp } from '../../src/modules/mfa/totp.js';

// RFC 6238 appendix B, SHA-1 seed; the 6-digit codes are the last six digits of its 8-digit ones.
const RFC_SEED = Buffer.from('12345678901234567890', 'ascii');
const RFC_VECTORS: Array<[number, string]> = [
  [59, '287082'],
  [1111111109, '081804'],
  [1111111111, '050471'],
  [1234567890, '005924'],
  [2000000000, '279037'],
];

describe('TOTP (RFC 6238, SHA-1, 6 digits, 30 s)', () => {
  it.each(RFC_VECTORS)('gives the RFC test vector at t=%i', (seconds, code) => {
    expect(codeAt(RFC_SEED, seconds * 1000)).toBe(code);
    expect(matchingStep(RFC_SEED, code, seconds * 1000)).toBe(Math.floor(seconds / 30));
  });

  it('accepts one step either side, and not two', () => {
    const now = 1_700_000_015_000;
    const step = Math.floor(now / 30_000);
    expect(matchingStep(RFC_SEED, codeAt(RFC_SEED, now - 30_000), now)).toBe(step - 1);
    expect(matchingStep(RFC_SEED, codeAt(RFC_SEED, now + 30_000), now)).toBe(step + 1);
    expect(matchingStep(RFC_SEED, codeAt(RFC_SEED, now - 60_000), now)).toBeNull();
    expect(matchingStep(RFC_SEED, codeAt(RFC_SEED, now + 60_000), now)).toBeNull();
  });

  it('makes 160-bit seeds and an otpauth URI an app reads', () => {
    const seed = newTotpSecret();
    expect(seed.length).toBe(20);
    expect(base32Of(seed)).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri(seed, 'alice'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(uri.searchParams.get('secret')).toBe(base32Of(seed));
    expect(uri.searchParams.get('issuer')).toBe('Lockframe');
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
    expect(decodeURIComponent(uri.pathname)).toContain('alice');
  });

  it('reads codes and recovery codes leniently, and nothing else', () => {
    expect(parseOtp(' 123 456 ')).toEqual({ kind: 'totp', code: '123456' });
    const recovery = newRecoveryCode();
    expect(recovery).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect(parseOtp(recovery.toUpperCase())).toEqual({ kind: 'recovery', code: recovery.replaceAll('-', '') });
    for (const bad of ['', '12345', '1234567', '12345a', '١٢٣٤٥٦', '１２３４５６', '0'.repeat(65), 'abcd-efgh-ijk0', 'x'.repeat(10_000)]) {
      expect(parseOtp(bad), bad.slice(0, 20)).toEqual({ kind: 'invalid' });
    }
    const codes = new Set(Array.from({ length: 1000 }, newRecoveryCode));
    expect(codes.size).toBe(1000);
  });
});
