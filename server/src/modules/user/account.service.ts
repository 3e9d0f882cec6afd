import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import * as argon2 from 'argon2';
import { AppError, badInput, notFound } from '../../errors.js';
import type { AuditEvent } from '../audit/audit-event.entity.js';
import type { AuditOrigin, AuditService } from '../audit/audit.service.js';
import { EmailToken, type EmailTokenPurpose } from '../mail/email-token.entity.js';
import type { MailService } from '../mail/mail.service.js';
import type { RateLimitService } from '../ratelimit/rate-limit.service.js';
import { hashToken, requireViewer, type SessionService, type Viewer } from '../session/session.service.js';
import type { Session } from '../session/session.entity.js';
import type { ApiToken } from '../token/api-token.entity.js';
import type { ApiTokenService } from '../token/api-token.service.js';
import { checkPassword, isTooLongPassword, type PasswordPolicyName } from './password-policy.js';
import { User } from './user.entity.js';
import { ARGON2_OPTIONS, normalizeEmail } from './user.service.js';

const HOUR = 3_600_000;
const LIFETIME: Record<EmailTokenPurpose, number> = { verify: 24 * HOUR, reset: HOUR };

export interface AccountServiceOptions {
  publicUrl: string;
  policy: PasswordPolicyName;
}

const invalidLink = () => badInput('This link is invalid, already used or expired. Ask for a new one.', 'token');

/** E-mail verification, password reset and password change. */
export class AccountService {
  constructor(
    private readonly options: AccountServiceOptions,
    private readonly sessions: SessionService,
    private readonly apiTokens: ApiTokenService,
    private readonly mail: MailService,
    private readonly limits: RateLimitService,
    private readonly audit: AuditService,
  ) {}

  /** Sends the verification mail for a new (or still unverified) account. */
  async sendVerification(em: EntityManager, user: User): Promise<void> {
    const token = await this.issue(em, user, 'verify');
    await this.mail.send({
      to: user.email,
      subject: 'Confirm your e-mail address for Lockframe',
      text:
        `Hello ${user.username},\n\nConfirm your e-mail address by opening this link within 24 hours:\n\n` +
        `${this.options.publicUrl}/verify-email#token=${token}\n\nIf you did not create a Lockframe account, ignore this mail.\n`,
    });
  }

  /** Told to the owner of an address someone tried to register again. */
  async sendAlreadyRegistered(user: User): Promise<void> {
    await this.mail.send({
      to: user.email,
      subject: 'Someone tried to register with your e-mail address',
      text:
        `Hello ${user.username},\n\nSomeone tried to create a Lockframe account with this e-mail address, which already ` +
        `has one. If it was you, log in instead, or reset your password here:\n\n${this.options.publicUrl}/forgot-password\n`,
    });
  }

  async resendVerification(em: EntityManager, viewer: Viewer | null): Promise<boolean> {
    const { user } = requireViewer(viewer);
    if (user.emailVerified) return true;
    await this.limits.reserve(em, [[`verify:acct:${user.id}`, this.limits.rules.verifyResend]]);
    await this.sendVerification(em, user);
    return true;
  }

  async verifyEmail(em: EntityManager, origin: AuditOrigin, token: string): Promise<User> {
    const row = await this.consume(em, token, 'verify');
    const user = row.user.getEntity();
    user.emailVerified = true;
    await em.flush();
    await this.audit.record(em, origin, 'email.verify', user.id);
    return user;
  }

  /** Always answers the same way, whether or not the address belongs to an account. */
  async requestPasswordReset(em: EntityManager, origin: AuditOrigin, email: string): Promise<boolean> {
    const address = normalizeEmail(email).slice(0, 254);
    await this.limits.reserve(em, [[`reset:ip:${origin.ip}`, this.limits.rules.resetIp]]);
    const user = await em.findOne(User, { email: address });
    if (!user) return true;
    try {
      // Reserved before mailing, so parallel requests can't send more mails than the limit.
      await this.limits.reserve(em, [[`reset:acct:${user.id}`, this.limits.rules.resetAccount]]);
    } catch (error) {
      // Quietly: a different answer would reveal the account.
      if (error instanceof AppError && error.code === 'RATE_LIMITED') return true;
      throw error;
    }
    const token = await this.issue(em, user, 'reset');
    await this.audit.record(em, origin, 'password.reset.request', user.id);
    await this.mail.send({
      to: user.email,
      subject: 'Reset your Lockframe password',
      text:
        `Hello ${user.username},\n\nSomeone (hopefully you) asked to reset your Lockframe password. ` +
        `Open this link within one hour to choose a new one:\n\n${this.options.publicUrl}/reset-password#token=${token}\n\n` +
        `If it was not you, ignore this mail: your password stays as it is.\n`,
    });
    return true;
  }

  /** Sets a new password from a reset link; every session and API token of the account ends. */
  async resetPassword(em: EntityManager, origin: AuditOrigin, token: string, newPassword: string): Promise<boolean> {
    // The new password is checked before the link is used up: a refused password must not burn it.
    const pending = await this.findLive(em, token, 'reset');
    this.assertAcceptable(pending.user.getEntity(), newPassword);
    const row = await this.consume(em, token, 'reset');
    const user = row.user.getEntity();
    await this.setPassword(em, user, newPassword);
    await em.flush();
    await this.sessions.revokeAll(em, user.id);
    await this.apiTokens.revokeAll(em, user.id);
    // The owner is back in: lift any login lockout.
    await this.limits.clear(em, `login:acct:${user.id}`);
    await this.audit.record(em, origin, 'password.reset', user.id);
    return true;
  }

  async changePassword(
    em: EntityManager,
    origin: AuditOrigin,
    viewer: Viewer | null,
    input: { currentPassword: string; newPassword: string; endOtherSessions?: boolean | null },
  ): Promise<boolean> {
    const { user, session } = requireViewer(viewer);
    // Guessing the current password counts like failed logins; counted before checking (see login).
    const attempt = await this.limits.reserve(em, [[`login:acct:${user.id}`, this.limits.rules.loginAccount]]);
    const ok =
      !isTooLongPassword(input.currentPassword) && (await argon2.verify(user.passwordHash, input.currentPassword).catch(() => false));
    if (!ok) throw new AppError('BAD_USER_INPUT', 'Your current password is not correct.', { field: 'currentPassword' });
    await attempt.release();
    await this.setPassword(em, user, input.newPassword);
    await em.flush();
    let ended = 0;
    if (input.endOtherSessions) ended = await this.sessions.revokeAll(em, user.id, session?.id ?? null);
    await this.audit.record(em, origin, 'password.change', user.id, { endedSessions: ended });
    return true;
  }

  /** The viewer's live sessions, and which one is making this request. */
  async listSessions(em: EntityManager, viewer: Viewer | null): Promise<{ sessions: Session[]; currentId: string | null }> {
    const { user, session } = requireViewer(viewer);
    return { sessions: await this.sessions.list(em, user.id), currentId: session?.id ?? null };
  }

  async revokeSession(em: EntityManager, origin: AuditOrigin, viewer: Viewer | null, id: string): Promise<boolean> {
    const { user } = requireViewer(viewer);
    if (!(await this.sessions.revokeById(em, user.id, id))) throw notFound('Session');
    await this.audit.record(em, origin, 'session.revoke', user.id, { sessionId: id });
    return true;
  }

  /** Ends every session but the current one; returns how many ended. */
  async revokeOtherSessions(em: EntityManager, origin: AuditOrigin, viewer: Viewer | null): Promise<number> {
    const { user, session } = requireViewer(viewer);
    const ended = await this.sessions.revokeAll(em, user.id, session?.id ?? null);
    await this.audit.record(em, origin, 'session.revoke', user.id, { ended });
    return ended;
  }

  listApiTokens(em: EntityManager, viewer: Viewer | null): Promise<ApiToken[]> {
    return this.apiTokens.list(em, requireViewer(viewer).user);
  }

  async createApiToken(
    em: EntityManager,
    origin: AuditOrigin,
    viewer: Viewer | null,
    input: { name: string; expiresInDays?: number | null },
  ): Promise<{ token: ApiToken; secret: string }> {
    const { user } = requireViewer(viewer);
    const created = await this.apiTokens.create(em, user, input);
    await this.audit.record(em, origin, 'token.create', user.id, { tokenId: created.token.id, name: created.token.name });
    return created;
  }

  async revokeApiToken(em: EntityManager, origin: AuditOrigin, viewer: Viewer | null, id: string): Promise<boolean> {
    const { user } = requireViewer(viewer);
    const token = await this.apiTokens.revoke(em, user, id);
    await this.audit.record(em, origin, 'token.revoke', user.id, { tokenId: token.id });
    return true;
  }

  /** The viewer's own security events, newest first (1 to 200 of them). */
  securityEvents(em: EntityManager, viewer: Viewer | null, first: number): Promise<AuditEvent[]> {
    const { user } = requireViewer(viewer);
    return this.audit.list(em, user.id, Math.min(Math.max(first, 1), 200));
  }

  private assertAcceptable(user: User, password: string): void {
    const problem = checkPassword(password, this.options.policy, { username: user.username, email: user.email });
    if (problem) throw badInput(problem.message, 'newPassword', { rule: problem.rule });
  }

  private async setPassword(em: EntityManager, user: User, password: string): Promise<void> {
    this.assertAcceptable(user, password);
    user.passwordHash = await argon2.hash(password, ARGON2_OPTIONS);
  }

  private async issue(em: EntityManager, user: User, purpose: EmailTokenPurpose): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    // One live link per purpose: a new one replaces the old.
    await em.nativeDelete(EmailToken, { user: user.id, purpose });
    await em.insert(EmailToken, {
      id: randomUUID(),
      user: user.id,
      purpose,
      tokenHash: hashToken(token),
      createdAt: new Date(now),
      expiresAt: new Date(now + LIFETIME[purpose]),
      usedAt: null,
    });
    return token;
  }

  /** The unused, unexpired link token, without using it up. */
  private async findLive(em: EntityManager, token: string, purpose: EmailTokenPurpose): Promise<EmailToken> {
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) throw invalidLink();
    const row = await em.findOne(
      EmailToken,
      { tokenHash: hashToken(token), purpose, usedAt: null, expiresAt: { $gt: new Date() } },
      { populate: ['user'] },
    );
    if (!row) throw invalidLink();
    return row;
  }

  /** Marks a link token used, atomically, so it works exactly once. */
  private async consume(em: EntityManager, token: string, purpose: EmailTokenPurpose): Promise<EmailToken> {
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) throw invalidLink();
    const now = new Date();
    const claimed = await em.nativeUpdate(
      EmailToken,
      { tokenHash: hashToken(token), purpose, usedAt: null, expiresAt: { $gt: now } },
      { usedAt: now },
    );
    if (claimed !== 1) throw invalidLink();
    return em.findOneOrFail(EmailToken, { tokenHash: hashToken(token) }, { populate: ['user'] });
  }
}
