import { randomUUID } from 'node:crypto';
import { isValidEmail, normalizeEmail, normalizeUsername, USERNAME_PATTERN } from '@lockframe/common';
import * as argon2 from 'argon2';
import { AppError, badInput } from '../../errors.js';
import { checkPassword, isTooLongPassword, type PasswordPolicyName } from './password-policy.js';
import type { Account, Scope } from '../../scope.js';
import { UserRepository, type Credentials } from './user.repository.js';

/** OWASP's minimum for argon2id (m=19 MiB, t=2, p=1); raise, never lower. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export interface RegisterData {
  username: string;
  email: string;
  password: string;
}

export { normalizeEmail, normalizeUsername };

export class UserService {
  /** A real hash of a random password, so an unknown user costs the same argon2 time as a wrong password. */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly policy: PasswordPolicyName = 'classic',
    private readonly users = new UserRepository(),
  ) {}

  /**
   * Creates the account. When the e-mail address is taken, nothing is created and `existing` is
   * that account: the caller answers as if it had worked, so registration can't reveal addresses.
   */
  async register(scope: Scope, data: RegisterData): Promise<{ user: Account; existing: Account | null }> {
    const username = normalizeUsername(data.username);
    const email = normalizeEmail(data.email);
    if (!USERNAME_PATTERN.test(username)) {
      throw badInput('Username must be 3 to 32 characters: letters a–z, digits, "_", "." or "-".', 'username');
    }
    if (!isValidEmail(email)) throw badInput('Enter a valid e-mail address.', 'email');
    const problem = checkPassword(data.password, this.policy, { username, email });
    if (problem) throw badInput(problem.message, 'password', { rule: problem.rule });

    if (await this.users.usernameTaken(scope.em, username)) throw badInput('That username is taken.', 'username');
    const existing = await this.users.findByEmail(scope.em, email);
    if (existing) {
      // Same cost as a real registration, so timing doesn't tell either.
      await argon2.hash(data.password, ARGON2_OPTIONS);
      return { user: { id: randomUUID(), username, email, emailVerified: false, role: 'USER', createdAt: new Date() }, existing };
    }
    const user = await this.users.insert(scope.em, { username, email, passwordHash: await argon2.hash(data.password, ARGON2_OPTIONS) });
    // Two registrations racing for the same name: the unique index decided.
    if (!user) throw badInput('That username or e-mail address is already registered.', 'username');
    return { user, existing: null };
  }

  /** The account a login name (username or e-mail, any case) belongs to, or null. */
  findByLogin(scope: Scope, login: string): Promise<Credentials | null> {
    const key = login.trim().toLowerCase();
    if (key.length > 254) return Promise.resolve(null);
    return this.users.findCredentials(scope.em, key.includes('@') ? { email: key } : { username: key });
  }

  /**
   * Checks a password against the account found by findByLogin; one generic error for "no such
   * user" and "wrong password", and argon2 runs either way so the timing matches.
   */
  async verifyCredentials(user: Credentials | null, password: string): Promise<Account> {
    const invalid = new AppError('UNAUTHENTICATED', 'Wrong username, e-mail or password.');
    if (isTooLongPassword(password)) throw invalid;
    const hash = user?.passwordHash ?? (await this.getDummyHash());
    let ok = false;
    try {
      ok = await argon2.verify(hash, password);
    } catch {
      ok = false;
    }
    if (!user || !ok) throw invalid;
    const { passwordHash: _hash, disabled: _disabled, ...account } = user;
    return account;
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= argon2.hash(randomUUID(), ARGON2_OPTIONS);
    return this.dummyHash;
  }
}
