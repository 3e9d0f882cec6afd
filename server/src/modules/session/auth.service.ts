import type { BackgroundJobs } from '../../background.js';
import { accountDisabled, AppError } from '../../errors.js';
import { addressKey, type Account, type Scope, type SignedInScope, type Viewer } from '../../scope.js';
import type { AuditService } from '../audit/audit.service.js';
import type { DeviceService } from '../device/device.service.js';
import { wrongOtp, type MfaService } from '../mfa/mfa.service.js';
import type { PasskeyService } from '../passkey/passkey.service.js';
import type { RateLimitService } from '../ratelimit/rate-limit.service.js';
import { looksLikeApiToken, type ApiTokenService } from '../token/api-token.service.js';
import type { AccountService } from '../user/account.service.js';
import type { RegisterData, UserService } from '../user/user.service.js';
import type { SessionService } from './session.service.js';

/** The throttle key of one login name (a username or an e-mail address, trimmed and lower-cased). */
export const loginNameKey = (login: string) => `login:name:${login}`;

export interface AuthServiceDeps {
  users: UserService;
  sessions: SessionService;
  apiTokens: ApiTokenService;
  accounts: AccountService;
  mfa: MfaService;
  devices: DeviceService;
  passkeys: PasskeyService;
  limits: RateLimitService;
  audit: AuditService;
  jobs: BackgroundJobs;
}

/**
 * Register, log in (rate-limited), log out, and turn a credential (session or API token) into
 * the viewer of a request. Reading the credential from a request and setting cookies is the
 * HTTP edge's business (http/auth-edge.ts), not this one's.
 */
export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  async register(scope: Scope, input: RegisterData): Promise<Account> {
    const { users, accounts, limits, audit } = this.deps;
    // Every attempt counts, good or bad; reserved first so parallel requests can't overrun the limit.
    await limits.reserve(scope, [[`register:ip:${addressKey(scope.origin.ip)}`, limits.rules.register]]);
    const { user, existing } = await users.register(scope, input);
    if (!existing) await audit.record(scope, 'register', user.id);
    // A taken e-mail address gets the same answer as a new one; its owner is told by mail instead.
    // Either mail goes after the answer, so its sending time tells nothing either.
    this.deps.jobs.run(scope, 'registration-mail', (job) =>
      existing ? accounts.sendAlreadyRegistered(job, existing) : accounts.sendVerification(job, user),
    );
    return user;
  }

  /**
   * Every executed login field passes here, so aliases and repeated fields each count. Throttled
   * attempts never reach argon2: they test no password. With MFA on, the right password is not
   * enough: without `otp` the answer is MFA_REQUIRED, and a wrong `otp` counts as a failed login.
   */
  async login(
    scope: Scope,
    input: { username: string; password: string; otp?: string | null | undefined },
    deviceToken: string | null = null,
  ): Promise<{ user: Account; token: string; deviceToken: string }> {
    const { users, sessions, limits, audit, mfa, devices } = this.deps;
    const login = input.username.trim().toLowerCase().slice(0, 254);
    const known = await users.findByLogin(scope, login);
    // Counted per name as typed, known or not: failures by username never throttle the e-mail
    // address of the same account, so a throttle can't tell that the two belong together.
    const nameKey = loginNameKey(login);
    const ipKey = `login:ip:${addressKey(scope.origin.ip)}`;
    // The attempt is counted as a failure before the password is checked, so parallel requests
    // can't all pass the limit check at once; a good password (and code) withdraws it.
    let attempt: { release(): Promise<void> };
    try {
      attempt = await limits.reserve(scope, [
        [nameKey, limits.rules.loginAccount],
        [ipKey, limits.rules.loginIp],
      ]);
    } catch (error) {
      await audit.recordRepeated(scope, 'login.throttled', known?.id ?? null);
      throw error;
    }
    let user: Account;
    try {
      user = await users.verifyCredentials(known, input.password);
    } catch (error) {
      await this.countFailure(scope, 'login.failure', known?.id ?? null, nameKey);
      throw error;
    }
    if (await mfa.isEnabled(scope, user.id)) {
      if (input.otp === undefined || input.otp === null || input.otp === '') {
        // Not a failure (the password was right), but no reason to forgive earlier ones either.
        await attempt.release();
        throw new AppError('MFA_REQUIRED', 'Enter the 6-digit code from your authenticator app, or one of your recovery codes.');
      }
      // Codes also count under a key of their own that a password reset does not clear: whoever
      // can read the owner's mail must not get a fresh budget of code guesses with each reset.
      const codeAttempt = await limits.reserve(scope, [[`login:mfa:${user.id}`, limits.rules.loginAccount]]);
      if (!(await mfa.verify(scope, user.id, input.otp))) {
        await this.countFailure(scope, 'login.mfa.failure', user.id, nameKey);
        throw wrongOtp();
      }
      await codeAttempt.release();
      await limits.clear(scope, `login:mfa:${user.id}`);
    }
    await attempt.release();
    await limits.clear(scope, nameKey);
    // Only after the right password: a wrong one gets the usual answer, so this tells nothing to a guesser.
    if (known?.disabled) throw accountDisabled();
    const { token } = await sessions.create(scope, user.id);
    await audit.record(scope, 'login.success', user.id);
    return { user, token, deviceToken: await devices.signedIn(scope, user, deviceToken) };
  }

  /**
   * Signs in with a passkey: no password and no code (user verification on the device is the
   * second factor). Failures count against the client address like failed passwords.
   */
  async loginWithPasskey(scope: Scope, response: unknown, deviceToken: string | null = null): Promise<{ user: Account; token: string; deviceToken: string }> {
    const { passkeys, sessions, limits, audit, devices } = this.deps;
    const attempt = await limits.reserve(scope, [[`login:ip:${addressKey(scope.origin.ip)}`, limits.rules.loginIp]]);
    let user: Account;
    try {
      user = await passkeys.verifyLogin(scope, response);
    } catch (error) {
      await audit.record(scope, 'login.failure', null, { method: 'passkey' });
      throw error;
    }
    await attempt.release();
    const { token } = await sessions.create(scope, user.id);
    await audit.record(scope, 'login.success', user.id, { method: 'passkey' });
    return { user, token, deviceToken: await devices.signedIn(scope, user, deviceToken) };
  }

  /** A failed login stays counted (its reservation is kept); the one that reaches the lockout is recorded as such. */
  private async countFailure(scope: Scope, event: 'login.failure' | 'login.mfa.failure', userId: string | null, nameKey: string): Promise<void> {
    const { limits, audit } = this.deps;
    await audit.record(scope, event, userId);
    const state = await limits.state(scope, nameKey, limits.rules.loginAccount);
    if (state.count === limits.rules.loginAccount.lockAfter) {
      await audit.record(scope, 'lockout', userId, { retryAfterSeconds: state.retryAfterSeconds });
    }
  }

  /** Ends what authenticated this request: the session, or the API token used as bearer. */
  async logout(scope: SignedInScope): Promise<void> {
    const { viewer } = scope;
    if (viewer.sessionId) await this.deps.sessions.revoke(scope, viewer.sessionId);
    if (viewer.apiTokenId) await this.deps.apiTokens.revoke(scope, viewer.user.id, viewer.apiTokenId);
    await this.deps.audit.record(scope, 'logout', viewer.user.id);
  }

  /** The viewer a bearer token or session cookie value belongs to, or null. */
  async authenticate(scope: Scope, credential: string): Promise<Viewer | null> {
    if (!looksLikeApiToken(credential)) return this.deps.sessions.resolve(scope, credential);
    const found = await this.deps.apiTokens.resolve(scope, credential);
    if (!found) return null;
    if (found.touched) await this.deps.audit.record(scope, 'token.use', found.user.id, { tokenId: found.token.id });
    return { user: found.user, sessionId: null, apiTokenId: found.token.id };
  }
}
