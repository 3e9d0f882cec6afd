import {
  brokenPasswordRules,
  isValidEmail,
  normalizeEmail,
  normalizeUsername,
  PASSWORD_MAX,
  PASSWORD_MIN,
  passwordShapeRules,
  USERNAME_CHARACTERS,
  USERNAME_MAX,
  USERNAME_MIN,
  type PasswordPolicyName,
  type PasswordShapeRule,
} from '@lockframe/common';
import type { RegisterInput } from '../graphql/documents.ts';
import { guessablePasswordProblem } from './password-strength.ts';

/**
 * Registration pre-checks on the server's own rules (@lockframe/common), so people learn about a
 * problem as they type. The server is authoritative and re-checks everything (it also refuses
 * passwords containing the username or the e-mail's name).
 */

/** The first problem with a (normalized) username, or null. */
export function usernameProblem(username: string): string | null {
  if (!username) return 'Choose a username.';
  if (username.length < USERNAME_MIN) return `Username must be at least ${USERNAME_MIN} characters.`;
  if (username.length > USERNAME_MAX) return `Username must be at most ${USERNAME_MAX} characters.`;
  if (!USERNAME_CHARACTERS.test(username)) return 'Username may only use letters a–z, digits, "_", "." and "-".';
  return null;
}

export function emailProblem(email: string): string | null {
  if (!email) return 'Enter your e-mail address.';
  if (!isValidEmail(email)) return 'Enter a valid e-mail address, like name@example.com.';
  return null;
}

export interface PasswordRule {
  /** The rule's name, as the server reports a broken one (extensions.rule). */
  id: PasswordShapeRule;
  /** What the rule asks for, as a checklist line. */
  label: string;
  /** What to say when the password breaks it. */
  problem: string;
}

const COMPOSITION_WORDING: Record<Exclude<PasswordShapeRule, 'too_long' | 'too_short'>, Pick<PasswordRule, 'label' | 'problem'>> = {
  lowercase: { label: 'A lower-case letter', problem: 'Password must contain a lower-case letter (a–z).' },
  uppercase: { label: 'An upper-case letter', problem: 'Password must contain an upper-case letter (A–Z).' },
  digit: { label: 'A digit', problem: 'Password must contain a digit (0–9).' },
  symbol: { label: 'A symbol, such as ! ? # or -', problem: 'Password must contain a symbol, such as ! ? # or -.' },
};

function wording(id: PasswordShapeRule, policy: PasswordPolicyName): PasswordRule {
  if (id === 'too_long') return { id, label: `At most ${PASSWORD_MAX} characters`, problem: `Password must be at most ${PASSWORD_MAX} characters.` };
  const min = PASSWORD_MIN[policy];
  if (id === 'too_short') return { id, label: `At least ${min} characters`, problem: `Password must be at least ${min} characters.` };
  return { id, ...COMPOSITION_WORDING[id] };
}

/** The rules a new password must meet under the server's policy. */
export function passwordRules(policy: PasswordPolicyName): PasswordRule[] {
  return passwordShapeRules(policy).map((id) => wording(id, policy));
}

/** The rules in one sentence, said before anything is typed. */
export function passwordSummary(policy: PasswordPolicyName): string {
  return policy === 'nist'
    ? `Use at least ${PASSWORD_MIN.nist} characters. A few unrelated words make a good one.`
    : `Use at least ${PASSWORD_MIN.classic} characters with upper and lower case, a digit and a symbol.`;
}

/** Every rule the password breaks, in order. */
export function passwordProblems(password: string, policy: PasswordPolicyName): PasswordRule[] {
  return brokenPasswordRules(password, policy).map((id) => wording(id, policy));
}

/** The first rule the password breaks, as a sentence, or null when it passes them all. */
export function passwordProblem(password: string, policy: PasswordPolicyName): string | null {
  return passwordProblems(password, policy)[0]?.problem ?? null;
}

/**
 * Every rule a new password must pass in the browser, the common-password rule included: the
 * first problem as a sentence, or null. `personal`: the account's username and e-mail address.
 */
export async function newPasswordProblem(password: string, policy: PasswordPolicyName, personal: readonly (string | null | undefined)[] = []): Promise<string | null> {
  return passwordProblem(password, policy) ?? (await guessablePasswordProblem(password, personalWords(personal)));
}

/** The words of an account a guesser tries first: the username and the e-mail's name. */
export function personalWords(values: readonly (string | null | undefined)[]): string[] {
  return values.map((v) => (v ?? '').split('@')[0]!.trim().toLowerCase()).filter((v) => v.length >= 3);
}

export type RegistrationProblems = Partial<Record<keyof RegisterInput, string>>;

/** Normalizes the input and reports the first problem per field; an empty object means "send it". */
export function checkRegistration(raw: RegisterInput, policy: PasswordPolicyName): { input: RegisterInput; problems: RegistrationProblems } {
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

/** checkRegistration with the common-password rule too, as the server will apply it. */
export async function checkRegistrationFully(raw: RegisterInput, policy: PasswordPolicyName): Promise<{ input: RegisterInput; problems: RegistrationProblems }> {
  const checked = checkRegistration(raw, policy);
  if (!checked.problems.password) {
    const guessable = await guessablePasswordProblem(checked.input.password, personalWords([checked.input.username, checked.input.email]));
    if (guessable) checked.problems.password = guessable;
  }
  return checked;
}
