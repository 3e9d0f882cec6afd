import { randomBytes } from 'node:crypto';
import { isValidEmail, normalizeEmail } from '@lockframe/common';
import type { BackgroundJobs } from '../../background.js';
import { badInput } from '../../errors.js';
import type { Account, Scope, SignedInScope } from '../../scope.js';
import type { AuditService } from '../audit/audit.service.js';
import type { MailService } from '../mail/mail.service.js';
import type { RateLimitService } from '../ratelimit/rate-limit.service.js';
import { hashToken } from '../session/session.service.js';
import type { UserRepository } from '../user/user.repository.js';
import { EmailChangeRepository } from './email-change.repository.js';
import { confirmPassword } from './password-confirmation.js';

export interface EmailChangeServiceDeps {
  publicUrl: string;
  users: UserRepository;
  mail: MailService;
  limits: RateLimitService;
  audit: AuditService;
  jobs: BackgroundJobs;
  changes?: EmailChangeRepository;
}

const LIFETIME_MS = 24 * 3_600_000;
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const invalidLink = () => badInput('This link is invalid, already used or expired. Ask for a new one.', 'token');

/**
 * Changing the account's e-mail address: the password confirms the request, a link to the new
 * address confirms that it is theirs, and the old address is told. The address switches only when
 * the link is opened. An address that already has an account gets the same answer (so the
 * request can't probe for accounts); its owner is told instead, and no link exists for it.
 */
export class EmailChangeService {
  private readonly changes: EmailChangeRepository;

  constructor(private readonly deps: EmailChangeServiceDeps) {
    this.changes = deps.changes ?? new EmailChangeRepository();
  }

  async request(scope: SignedInScope, newEmail: string, password: string): Promise<boolean> {
    const { user } = scope.viewer;
    const email = normalizeEmail(typeof newEmail === 'string' ? newEmail : '');
    if (!isValidEmail(email)) throw badInput('Enter a valid e-mail address.', 'newEmail');
    if (email === user.email) throw badInput('That is already your e-mail address.', 'newEmail');
    await confirmPassword(scope, password, this.deps);
    const taken = await this.deps.users.findByEmail(scope.em, email);
    let token: string | null = null;
    if (!taken) {
      token = randomBytes(32).toString('base64url');
      const createdAt = new Date();
      await this.changes.replace(scope.em, { userId: user.id, newEmail: email, tokenHash: hashToken(token), createdAt, expiresAt: new Date(createdAt.getTime() + LIFETIME_MS) });
    }
    await this.deps.audit.record(scope, 'email.change.request', user.id);
    // Mails go after the answer, so their sending time tells nothing either.
    this.deps.jobs.run(scope, 'email-change-mail', async () => {
      await this.deps.mail.send(token ? this.confirmationMail(user, email, token) : this.takenMail(email));
      await this.deps.mail.send(this.noticeMail(user));
    });
    return true;
  }

  /** Opens the link from the new address: the switch happens now, and the new address counts as verified. */
  async confirm(scope: Scope, token: string): Promise<Account> {
    if (typeof token !== 'string' || !LINK_TOKEN.test(token)) throw invalidLink();
    const change = await this.changes.claim(scope.em, hashToken(token), new Date());
    if (!change) throw invalidLink();
    if (!(await this.changes.switchEmail(scope.em, change.userId, change.newEmail))) {
      throw badInput('That e-mail address now belongs to another account.', 'token');
    }
    await this.deps.users.markEmailVerified(scope.em, change.userId);
    const user = await this.deps.users.findById(scope.em, change.userId);
    if (!user) throw invalidLink();
    await this.deps.audit.record(scope, 'email.change', user.id);
    return user;
  }

  private confirmationMail(user: Account, email: string, token: string) {
    return {
      to: email,
      subject: 'Confirm your new e-mail address for Lockframe',
      text:
        `Hello ${user.username},\n\nYou asked to use this address for your Lockframe account. Open this link within 24 hours to confirm it:\n\n` +
        `${this.deps.publicUrl}/confirm-email#token=${token}\n\nUntil then your account keeps its current address. If it was not you, ignore this mail.\n`,
    };
  }

  private takenMail(email: string) {
    return {
      to: email,
      subject: 'Someone tried to move a Lockframe account to your e-mail address',
      text: `Hello,\n\nSomeone asked to use this address for a Lockframe account, but it already belongs to yours. Nothing changed.\n`,
    };
  }

  private noticeMail(user: Account) {
    return {
      to: user.email,
      subject: 'Your Lockframe e-mail address is being changed',
      text:
        `Hello ${user.username},\n\nSomeone (hopefully you) asked to change the e-mail address of your Lockframe account. ` +
        `It changes only once the link sent to the new address is opened.\n\nIf it was not you, change your password now: ` +
        `${this.deps.publicUrl}/settings/password\n`,
    };
  }
}
