import {
  firstBrokenPasswordRule,
  isTooLongPassword,
  PASSWORD_MAX,
  PASSWORD_MIN,
  type PasswordPolicyName,
  type PasswordShapeRule,
} from '@lockframe/common';
import { GUESSABLE_MESSAGE, guessablePassword } from '@lockframe/common/password-strength';

/**
 * Password rules, checked by the server before any hashing. Two policies:
 * - "classic" (default): 12+ characters with upper case, lower case, digit and symbol;
 * - "nist" (NIST SP 800-63B-4): 15+ characters, no composition rules.
 * Both: at most 128 characters, not containing the username or the e-mail's local part, and
 * not guessable (rule "common": @lockframe/common/password-strength, the blocklist of about
 * 49,000 common passwords also under leetspeak and added digits, and zxcvbn-ts's estimate).
 * The length, character and guessability rules are @lockframe/common's, which the client
 * checks too; the personal rule is the server's alone (it knows the account).
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

/** The first rule the password breaks, or null. Length is checked first so nothing long is ever scanned. */
export function checkPassword(
  password: string,
  policy: PasswordPolicyName,
  person: { username?: string; email?: string } = {},
): PasswordProblem | null {
  const shape = firstBrokenPasswordRule(password, policy);
  if (shape) return { rule: shape, message: shapeMessage(shape, policy) };
  const lower = password.toLowerCase();
  const personal = [person.username, person.email?.split('@')[0]]
    .map((p) => p?.trim().toLowerCase())
    .filter((p): p is string => !!p && p.length >= 3);
  if (personal.some((p) => lower.includes(p))) {
    return { rule: 'personal', message: 'Password must not contain your username or e-mail name.' };
  }
  const guessable = guessablePassword(password, personal);
  if (guessable) return { rule: 'common', message: GUESSABLE_MESSAGE[guessable] };
  return null;
}
