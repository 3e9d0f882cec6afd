import {
  firstBrokenPasswordRule,
  isTooLongPassword,
  PASSWORD_MAX,
  PASSWORD_MIN,
  type PasswordPolicyName,
  type PasswordShapeRule,
} from '@lockframe/common';
import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Password rules, checked by the server before any hashing. Two policies:
 * - "classic" (default): 12+ characters with upper case, lower case, digit and symbol;
 * - "nist" (NIST SP 800-63B-4): 15+ characters, no composition rules.
 * Both: at most 128 characters, not a common password (about 49,000 from zxcvbn-ts's list),
 * and not containing the username or the e-mail's local part. The length and character rules
 * are @lockframe/common's, which the client checks too; the last two are the server's alone.
 */
export { isTooLongPassword, PASSWORD_MAX, PASSWORD_MIN, type PasswordPolicyName };

export interface PasswordProblem {
  rule: PasswordShapeRule | 'common' | 'personal';
  message: string;
}

function shapeMessage(rule: PasswordShapeRule, policy: PasswordPolicyName): string {
  switch (rule) {
    case 'too_long':
      return `Password must be at most ${PASSWORD_MAX} characters.`;
    case 'too_short':
      return `Password must be at least ${PASSWORD_MIN[policy]} characters.`;
    case 'lowercase':
      return 'Password must contain a lower-case letter.';
    case 'uppercase':
      return 'Password must contain an upper-case letter.';
    case 'digit':
      return 'Password must contain a digit.';
    case 'symbol':
      return 'Password must contain a symbol.';
  }
}

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  common ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return common;
}

/** The first rule the password breaks, or null. Length is checked first so nothing long is ever scanned. */
export function checkPassword(
  password: string,
  policy: PasswordPolicyName,
  person: { username?: string; email?: string } = {},
): PasswordProblem | null {
  const shape = firstBrokenPasswordRule(password, policy);
  if (shape) return { rule: shape, message: shapeMessage(shape, policy) };
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
