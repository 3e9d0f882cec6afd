/**
 * Registration pre-checks, mirroring the server's rules so people learn about a problem as they
 * type. The server is authoritative and re-checks everything (it also refuses common passwords
 * and passwords containing the username or the e-mail's name).
 */

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MAX = 128;
export const EMAIL_MAX = 254;

const USERNAME_CHARS = /^[a-z0-9_.-]+$/;
// local@domain.tld — no spaces, one "@", a dot in the domain, a top-level part of 2+ characters.
const EMAIL_SHAPE = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/;

/** Usernames are case-insensitive; the server stores them in lower case. */
export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

export function normalizeEmail(raw: string): string {
  return raw.trim();
}

/** The first problem with a (normalized) username, or null. */
export function usernameProblem(username: string): string | null {
  if (!username) return 'Choose a username.';
  if (username.length < USERNAME_MIN) return `Username must be at least ${USERNAME_MIN} characters.`;
  if (username.length > USERNAME_MAX) return `Username must be at most ${USERNAME_MAX} characters.`;
  if (!USERNAME_CHARS.test(username)) return 'Username may only use letters a–z, digits, "_", "." and "-".';
  return null;
}

export function emailProblem(email: string): string | null {
  if (!email) return 'Enter your e-mail address.';
  if (email.length > EMAIL_MAX || !EMAIL_SHAPE.test(email)) return 'Enter a valid e-mail address, like name@example.com.';
  return null;
}

/**
 * The server's password policies (its PASSWORD_POLICY, told by serverConfig):
 * - "classic": 12+ characters with upper case, lower case, a digit and a symbol;
 * - "nist" (NIST SP 800-63B): 15+ characters, no composition rules.
 */
export type PasswordPolicy = 'classic' | 'nist';

export const PASSWORD_POLICIES: readonly PasswordPolicy[] = ['classic', 'nist'];

/** The server's default, and ours until it says otherwise. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = 'classic';

export const PASSWORD_MIN: Record<PasswordPolicy, number> = { classic: 12, nist: 15 };

export function isPasswordPolicy(value: unknown): value is PasswordPolicy {
  return (PASSWORD_POLICIES as readonly unknown[]).includes(value);
}

export interface PasswordRule {
  id: 'min' | 'max' | 'lower' | 'upper' | 'digit' | 'symbol';
  /** What the rule asks for, as a checklist line. */
  label: string;
  /** What to say when the password breaks it. */
  problem: string;
  test(password: string): boolean;
}

const MAX_RULE: PasswordRule = {
  id: 'max',
  label: `At most ${PASSWORD_MAX} characters`,
  problem: `Password must be at most ${PASSWORD_MAX} characters.`,
  test: (p) => Array.from(p).length <= PASSWORD_MAX,
};

const minRule = (min: number): PasswordRule => ({
  id: 'min',
  label: `At least ${min} characters`,
  problem: `Password must be at least ${min} characters.`,
  test: (p) => Array.from(p).length >= min,
});

const COMPOSITION_RULES: readonly PasswordRule[] = [
  { id: 'lower', label: 'A lower-case letter', problem: 'Password must contain a lower-case letter (a–z).', test: (p) => /\p{Ll}/u.test(p) },
  { id: 'upper', label: 'An upper-case letter', problem: 'Password must contain an upper-case letter (A–Z).', test: (p) => /\p{Lu}/u.test(p) },
  { id: 'digit', label: 'A digit', problem: 'Password must contain a digit (0–9).', test: (p) => /\p{Nd}/u.test(p) },
  {
    id: 'symbol',
    label: 'A symbol, such as ! ? # or -',
    problem: 'Password must contain a symbol, such as ! ? # or -.',
    test: (p) => /[^\p{L}\p{Nd}]/u.test(p),
  },
];

/** Per policy, in the order people are told about them: length first, then the character classes. */
const RULES: Record<PasswordPolicy, readonly PasswordRule[]> = {
  classic: [MAX_RULE, minRule(PASSWORD_MIN.classic), ...COMPOSITION_RULES],
  nist: [MAX_RULE, minRule(PASSWORD_MIN.nist)],
};

/** The rules a new password must meet under the server's policy. */
export function passwordRules(policy: PasswordPolicy): readonly PasswordRule[] {
  return RULES[policy];
}

/** The rules in one sentence, said before anything is typed. */
export function passwordSummary(policy: PasswordPolicy): string {
  return policy === 'nist'
    ? `Use at least ${PASSWORD_MIN.nist} characters. A few unrelated words make a good one.`
    : `Use at least ${PASSWORD_MIN.classic} characters with upper and lower case, a digit and a symbol.`;
}

/** Every rule the password breaks, in order. */
export function passwordProblems(password: string, policy: PasswordPolicy): PasswordRule[] {
  return passwordRules(policy).filter((rule) => !rule.test(password));
}

/** The first rule the password breaks, as a sentence, or null when it passes them all. */
export function passwordProblem(password: string, policy: PasswordPolicy): string | null {
  return passwordProblems(password, policy)[0]?.problem ?? null;
}

export interface RegistrationInput {
  username: string;
  email: string;
  password: string;
}

export type RegistrationProblems = Partial<Record<keyof RegistrationInput, string>>;

/** Normalizes the input and reports the first problem per field; an empty object means "send it". */
export function checkRegistration(raw: RegistrationInput, policy: PasswordPolicy): { input: RegistrationInput; problems: RegistrationProblems } {
  const input = { username: normalizeUsername(raw.username), email: normalizeEmail(raw.email), password: raw.password };
  const problems: RegistrationProblems = {};
  const username = usernameProblem(input.username);
  if (username) problems.username = username;
  const email = emailProblem(input.email);
  if (email) problems.email = email;
  const password = passwordProblem(input.password, policy);
  if (password) problems.password = password;
  return { input, problems };
}
