import { randomBytes } from 'node:crypto';
import * as argon2 from 'argon2';
import type { BackgroundJobs } from '../../background.js';
import { AppError, badInput, notFound } from '../../errors.js';
import { addressKey, type Account, type Scope, type SignedInScope } from '../../scope.js';
import type { AuditRecord } from '../audit/audit.repository.js';
import type { AuditService } from '../audit/audit.service.js';
import type { EmailTokenPurpose } from '../mail/email-token.entity.js';
import { EmailTokenRepository } from '../mail/email-token.repository.js';
import type { MailService } from '../mail/mail.service.js';
import type { RateLimitService } from '../ratelimit/rate-limit.service.js';
import type { SessionRecord } from '../session/session.repository.js';
import { loginNameKey } from '../session/auth.service.js';
import { hashToken, type SessionService } from '../session/session.service.js';
import type { ApiTokenRecord } from '../token/api-token.repository.js';
import type { ApiTokenService } from '../token/api-token.service.js';
import { checkPassword, isTooLongPassword, type PasswordPolicyName } from './password-policy.js';
import { UserRepository } from './user.repository.js';
import { ARGON2_OPTIONS, normalizeEmail } from './user.service.js';

const HOUR = 3_600_000;
const LIFETIME: Record<EmailTokenPurpose, number> = { verify: 24 * HOUR, reset: HOUR };
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface AccountServiceDeps {
  publicUrl: string;
  policy: PasswordPolicyName;
  sessions: SessionService;
  apiTokens: ApiTokenService;
  mail: MailService;
  limits: RateLimitService;
  audit: AuditService;
  jobs: BackgroundJobs;
}

const invalidLink = () => badInput('This link is invalid, already used or expired. Ask for a new one.', 'token');

/** E-mail verification, password reset and change, and the viewer's sessions, API tokens and security log. */
export class AccountService {
  constructor(
    private readonly deps: AccountServiceDeps,
    private readonly users = new UserRepository(),
    private readonly links = new EmailTokenRepository(),
  ) {}

  /** Sends the verification mail for a new (or still unverified) account. */
  async sendVerification(scope: Scope, user: Account): Promise<void> {
    const token = await this.issue(scope, user, 'verify');
    await this.deps.mail.send({
      to: user.email,
      subject: 'Confirm your e-mail address for Lockframe',
      text:
        `Hello ${user.username},\n\nConfirm your e-mail address by opening this link within 24 hours:\n\n` +
        `${this.deps.publicUrl}/verify-email#token=${token}\n\nIf you did not create a Lockframe account, ignore this mail.\n`,
    });
  }

  /** Told to the owner of an address someone tried to register again. */
  async sendAlreadyRegistered(_scope: Scope, user: Account): Promise<void> {
    await this.deps.mail.send({
      to: user.email,
      subject: 'Someone tried to register with your e-mail address',
      text:
        `Hello ${user.username},\n\nSomeone tried to create a Lockframe account with this e-mail address, which already ` +
        `has one. If it was you, log in instead, or reset your password here:\n\n${this.deps.publicUrl}/forgot-password\n`,
    });
  }

  async resendVerification(scope: SignedInScope): Promise<boolean> {
    const { user } = scope.viewer;
    if (user.emailVerified) return true;
    await this.deps.limits.reserve(scope, [[`verify:acct:${user.id}`, this.deps.limits.rules.verifyResend]]);
    await this.sendVerification(scope, user);
    return true;
  }

  async verifyEmail(scope: Scope, token: string): Promise<Account> {
    const user = await this.consume(scope, token, 'verify');
    await this.users.markEmailVerified(scope.em, user.id);
    await this.deps.audit.record(scope, 'email.verify', user.id);
    return { ...user, emailVerified: true };
  }

  /**
   * Always answers the same way, in the same time, whether or not the address belongs to an
   * account: only the per-address throttle runs before the answer; the lookup, the per-account
   * throttle, the link and the mail run after it, as a background job.
   */
  async requestPasswordReset(scope: Scope, email: string): Promise<boolean> {
    const { limits, jobs } = this.deps;
    const address = normalizeEmail(email).slice(0, 254);
    await limits.reserve(scope, [[`reset:ip:${addressKey(scope.origin.ip)}`, limits.rules.resetIp]]);
    jobs.run(scope, 'password-reset-mail', (job) => this.mailResetLink(job, address));
    return true;
  }

  private async mailResetLink(scope: Scope, address: string): Promise<void> {
    const { limits } = this.deps;
    const user = await this.users.findByEmail(scope.em, address);
    if (!user) return;
    try {
      // Reserved before mailing, so parallel requests can't send more mails than the limit.
      await limits.reserve(scope, [[`reset:acct:${user.id}`, limits.rules.resetAccount]]);
    } catch (error) {
      if (error instanceof AppError && error.code === 'RATE_LIMITED') return;
      throw error;
    }
    const token = await this.issue(scope, user, 'reset');
    await this.deps.audit.record(scope, 'password.reset.request', user.id);
    await this.deps.mail.send({
      to: user.email,
      subject: 'Reset your Lockframe password',
      text:
        `Hello ${user.username},\n\nSomeone (hopefully you) asked to reset your Lockframe password. ` +
        `Open this link within one hour to choose a new one:\n\n${this.deps.publicUrl}/reset-password#token=${token}\n\n` +
        `If it was not you, ignore this mail: your password stays as it is.\n`,
    });
  }

  /** Sets a new password from a reset link; every session and API token of the account ends. */
  async resetPassword(scope: Scope, token: string, newPassword: string): Promise<boolean> {
    // The new password is checked before the link is used up: a refused password must not burn it.
    const pending = await this.findLive(scope, token, 'reset');
    this.assertAcceptable(pending, newPassword);
    const user = await this.consume(scope, token, 'reset');
    await this.setPassword(scope, user, newPassword);
    await this.deps.sessions.revokeAll(scope, user.id);
    await this.deps.apiTokens.revokeAll(scope, user.id);
    // The owner is back in: lift any login lockout, under either name.
    for (const name of [user.username, user.email]) await this.deps.limits.clear(scope, loginNameKey(name));
    await this.deps.audit.record(scope, 'password.reset', user.id);
    return true;
  }

  async changePassword(
    scope: SignedInScope,
    input: { currentPassword: string; newPassword: string; endOtherSessions?: boolean | null },
  ): Promise<boolean> {
    const { user, sessionId } = scope.viewer;
    const { limits } = this.deps;
    // Guessing the current password is throttled like logins, on its own key; counted before checking (see login).
    const attempt = await limits.reserve(scope, [[`password:acct:${user.id}`, limits.rules.loginAccount]]);
    const hash = await this.users.passwordHashOf(scope.em, user.id);
    const ok = !!hash && !isTooLongPassword(input.currentPassword) && (await argon2.verify(hash, input.currentPassword).catch(() => false));
    if (!ok) throw new AppError('BAD_USER_INPUT', 'Your current password is not correct.', { field: 'currentPassword' });
    await attempt.release();
    await this.setPassword(scope, user, input.newPassword);
    let ended = 0;
    if (input.endOtherSessions) ended = await this.deps.sessions.revokeAll(scope, user.id, sessionId);
    await this.deps.audit.record(scope, 'password.change', user.id, { endedSessions: ended });
    return true;
  }

  /** The viewer's live sessions, and which one is making this request. */
  async listSessions(scope: SignedInScope): Promise<{ sessions: SessionRecord[]; currentId: string | null }> {
    return { sessions: await this.deps.sessions.list(scope, scope.viewer.user.id), currentId: scope.viewer.sessionId };
  }

  async revokeSession(scope: SignedInScope, id: string): Promise<boolean> {
    const { user } = scope.viewer;
    if (!(await this.deps.sessions.revokeById(scope, user.id, id))) throw notFound('Session');
    await this.deps.audit.record(scope, 'session.revoke', user.id, { sessionId: id });
    return true;
  }

  /** Ends every session but the current one; returns how many ended. */
  async revokeOtherSessions(scope: SignedInScope): Promise<number> {
    const { user, sessionId } = scope.viewer;
    const ended = await this.deps.sessions.revokeAll(scope, user.id, sessionId);
    await this.deps.audit.record(scope, 'session.revoke', user.id, { ended });
    return ended;
  }

  listApiTokens(scope: SignedInScope): Promise<ApiTokenRecord[]> {
    return this.deps.apiTokens.list(scope, scope.viewer.user.id);
  }

  async createApiToken(scope: SignedInScope, input: { name: string; expiresInDays?: number | null }): Promise<{ token: ApiTokenRecord; secret: string }> {
    const { user } = scope.viewer;
    const created = await this.deps.apiTokens.create(scope, user.id, input);
    await this.deps.audit.record(scope, 'token.create', user.id, { tokenId: created.token.id, name: created.token.name });
    return created;
  }

  async revokeApiToken(scope: SignedInScope, id: string): Promise<boolean> {
    const { user } = scope.viewer;
    const token = await this.deps.apiTokens.revoke(scope, user.id, id);
    await this.deps.audit.record(scope, 'token.revoke', user.id, { tokenId: token.id });
    return true;
  }

  /** The viewer's own security events, newest first (1 to 200 of them). */
  securityEvents(scope: SignedInScope, first: number): Promise<AuditRecord[]> {
    return this.deps.audit.list(scope, scope.viewer.user.id, Math.min(Math.max(first, 1), 200));
  }

  private assertAcceptable(user: Account, password: string): void {
    const problem = checkPassword(password, this.deps.policy, { username: user.username, email: user.email });
    if (problem) throw badInput(problem.message, 'newPassword', { rule: problem.rule });
  }

  private async setPassword(scope: Scope, user: Account, password: string): Promise<void> {
    this.assertAcceptable(user, password);
    await this.users.setPasswordHash(scope.em, user.id, await argon2.hash(password, ARGON2_OPTIONS));
  }

  private async issue(scope: Scope, user: Account, purpose: EmailTokenPurpose): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const createdAt = new Date();
    await this.links.replace(scope.em, user.id, purpose, hashToken(token), { createdAt, expiresAt: new Date(createdAt.getTime() + LIFETIME[purpose]) });
    return token;
  }

  /** The account of an unused, unexpired link token, without using it up. */
  private async findLive(scope: Scope, token: string, purpose: EmailTokenPurpose): Promise<Account> {
    if (typeof token !== 'string' || !LINK_TOKEN.test(token)) throw invalidLink();
    const user = await this.links.findLive(scope.em, hashToken(token), purpose, new Date());
    if (!user) throw invalidLink();
    return user;
  }

  /** Marks a link token used, atomically, so it works exactly once. */
  private async consume(scope: Scope, token: string, purpose: EmailTokenPurpose): Promise<Account> {
    if (typeof token !== 'string' || !LINK_TOKEN.test(token)) throw invalidLink();
    const user = await this.links.claim(scope.em, hashToken(token), purpose, new Date());
    if (!user) throw invalidLink();
    return user;
  }
}
