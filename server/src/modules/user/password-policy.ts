import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Password rules, checked by the server before any hashing. Two policies:
 * - "classic" (default): 12+ characters with upper case, lower case, digit and symbol;
 * - "nist" (NIST SP 800-63B-4): 15+ characters, no composition rules.
 * Both: at most 128 characters, not a common password (about 49,000 from zxcvbn-ts's list),
 * and not containing the username or the e-mail's local part.
 */
export type PasswordPolicyName = 'classic' | 'nist';

export const PASSWORD_MAX = 128;
export const PASSWORD_MIN: Record<PasswordPolicyName, number> = { classic: 12, nist: 15 };

export interface PasswordProblem {
  rule: 'too_long' | 'too_short' | 'lowercase' | 'uppercase' | 'digit' | 'symbol' | 'common' | 'personal';
  message: string;
}

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  common ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return common;
}

/**
 * Over the limit in characters (code points), as checkPassword counts them. The UTF-16 length
 * test first keeps huge inputs from being scanned; a character is at most two UTF-16 units.
 */
export function isTooLongPassword(password: string): boolean {
  return password.length > 2 * PASSWORD_MAX || Array.from(password).length > PASSWORD_MAX;
}

export function commonPasswordCount(): number {
  return commonPasswords().size;
}

/** The first rule the password breaks, or null. Length is checked first so nothing long is ever scanned. */
export function checkPassword(
  password: string,
  policy: PasswordPolicyName,
  person: { username?: string; email?: string } = {},
): PasswordProblem | null {
  const length = Array.from(password).length;
  if (length > PASSWORD_MAX) return { rule: 'too_long', message: `Password must be at most ${PASSWORD_MAX} characters.` };
  const min = PASSWORD_MIN[policy];
  if (length < min) return { rule: 'too_short', message: `Password must be at least ${min} characters.` };
  if (policy === 'classic') {
    if (!/\p{Ll}/u.test(password)) return { rule: 'lowercase', message: 'Password must contain a lower-case letter.' };
    if (!/\p{Lu}/u.test(password)) return { rule: 'uppercase', message: 'Password must contain an upper-case letter.' };
    if (!/\p{Nd}/u.test(password)) return { rule: 'digit', message: 'Password must contain a digit.' };
    if (!/[^\p{L}\p{Nd}]/u.test(password)) return { rule: 'symbol', message: 'Password must contain a symbol.' };
  }
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) {
    return { rule: 'common', message: 'That password is one of the most common passwords. Choose another.' };
  }
  const personal = [person.username, person.email?.split('@')[0]]
    .map((p) => p?.trim().toLowerCase())
    .filter((p): p is string => !!p && p.length >= 3);
  if (personal.some((p) => lower.includes(p))) {
    return { rule: 'personal', message: 'Password must not contain your username or e-mail name.' };
  }
  return null;
}
