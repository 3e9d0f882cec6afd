/**
 * Password policies. The server chooses one (PASSWORD_POLICY) and tells the client in
 * serverConfig; both check a password's shape with the rules here. Only the server also refuses
 * common passwords and passwords containing the username or the e-mail's name.
 * - "classic": 12+ characters with upper case, lower case, a digit and a symbol;
 * - "nist" (NIST SP 800-63B-4): 15+ characters, no composition rules.
 */

export const PASSWORD_POLICIES = ['classic', 'nist'] as const;

export type PasswordPolicyName = (typeof PASSWORD_POLICIES)[number];

export const DEFAULT_PASSWORD_POLICY: PasswordPolicyName = 'classic';

export function isPasswordPolicy(value: unknown): value is PasswordPolicyName {
  return (PASSWORD_POLICIES as readonly unknown[]).includes(value);
}

/** In characters (code points), under every policy. */
export const PASSWORD_MAX = 128;
export const PASSWORD_MIN: Readonly<Record<PasswordPolicyName, number>> = { classic: 12, nist: 15 };

/** The rules about a password's length and characters, named as the server reports them (extensions.rule). */
export type PasswordShapeRule = 'too_long' | 'too_short' | 'lowercase' | 'uppercase' | 'digit' | 'symbol';

/** Character classes by Unicode category, so é is a letter and a space is a symbol. */
const CHARACTER_CLASSES = {
  lowercase: /\p{Ll}/u,
  uppercase: /\p{Lu}/u,
  digit: /\p{Nd}/u,
  symbol: /[^\p{L}\p{Nd}]/u,
} as const;

/** Per policy, in the order they are checked and listed: length first, then the character classes. */
const SHAPE_RULES: Readonly<Record<PasswordPolicyName, readonly PasswordShapeRule[]>> = {
  classic: ['too_long', 'too_short', 'lowercase', 'uppercase', 'digit', 'symbol'],
  nist: ['too_long', 'too_short'],
};

export function passwordShapeRules(policy: PasswordPolicyName): readonly PasswordShapeRule[] {
  return SHAPE_RULES[policy];
}

/** Characters, not UTF-16 units: 📷 counts once. */
export function passwordLength(password: string): number {
  return Array.from(password).length;
}

/** Over the limit in characters. The UTF-16 length test first keeps a huge input from being scanned: a character is at most two units. */
export function isTooLongPassword(password: string): boolean {
  return password.length > 2 * PASSWORD_MAX || passwordLength(password) > PASSWORD_MAX;
}

/** Whether the password keeps one rule of the policy. */
export function meetsPasswordRule(password: string, rule: PasswordShapeRule, policy: PasswordPolicyName): boolean {
  switch (rule) {
    case 'too_long':
      return !isTooLongPassword(password);
    case 'too_short':
      return passwordLength(password) >= PASSWORD_MIN[policy];
    default:
      return CHARACTER_CLASSES[rule].test(password);
  }
}

/** Every rule of the policy the password breaks, in order. */
export function brokenPasswordRules(password: string, policy: PasswordPolicyName): PasswordShapeRule[] {
  return SHAPE_RULES[policy].filter((rule) => !meetsPasswordRule(password, rule, policy));
}

/** The first rule the password breaks, or null; length comes first, so nothing too long is scanned. */
export function firstBrokenPasswordRule(password: string, policy: PasswordPolicyName): PasswordShapeRule | null {
  return SHAPE_RULES[policy].find((rule) => !meetsPasswordRule(password, rule, policy)) ?? null;
}
