import { createHash, randomBytes } from 'node:crypto';
import type { BackgroundJobs } from '../../background.js';
import { addressKey, type Account, type Scope } from '../../scope.js';
import type { MailService } from '../mail/mail.service.js';
import { KnownDeviceRepository } from './known-device.repository.js';
import { userAgentFamily } from './user-agent.js';

// 256 random bits, base64url, as session tokens.
const DEVICE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface DeviceServiceDeps {
  publicUrl: string;
  mail: MailService;
  jobs: BackgroundJobs;
}

/**
 * Recognises the browser or client a sign-in comes from, and mails the owner when it is one the
 * account has not signed in from before (not on the account's very first sign-in: every device is
 * new then). A browser is recognised by its long-lived device cookie plus its user-agent family; a
 * client that never sends the cookie back (a script) by its user-agent family and address.
 */
export class DeviceService {
  constructor(
    private readonly deps: DeviceServiceDeps,
    private readonly devices = new KnownDeviceRepository(),
  ) {}

  /**
   * Called after a successful sign-in. Returns the device token the response should set as the
   * device cookie (the one presented, or a new one). The alert mail goes after the answer.
   */
  async signedIn(scope: Scope, user: Account, presented: string | null): Promise<string> {
    const token = presented && DEVICE_TOKEN.test(presented) ? presented : randomBytes(32).toString('base64url');
    const family = userAgentFamily(scope.origin.userAgent);
    const clientKey = sha256(`${family}\n${addressKey(scope.origin.ip)}`);
    const tokenHash = sha256(token);
    const now = new Date();
    const known = await this.devices.find(scope.em, user.id, { tokenHash: token === presented ? tokenHash : null, family, clientKey });
    if (known) {
      await this.devices.touch(scope.em, known.id, now, known.byCookie);
      return token;
    }
    const firstEver = !(await this.devices.hasAny(scope.em, user.id));
    await this.devices.insert(scope.em, user.id, { tokenHash, clientKey, family }, now);
    if (!firstEver) {
      const ip = scope.origin.ip;
      this.deps.jobs.run(scope, 'sign-in-alert', () => this.sendAlert(user, { family, ip, at: now }));
    }
    return token;
  }

  private async sendAlert(user: Account, where: { family: string; ip: string | undefined; at: Date }): Promise<void> {
    const { publicUrl } = this.deps;
    const when = `${where.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    await this.deps.mail.send({
      to: user.email,
      subject: 'New sign-in to your Lockframe account',
      text:
        `Hello ${user.username},\n\nYour Lockframe account was just signed in to from a browser or app it has not been used from before:\n\n` +
        `  When:  ${when}\n  What:  ${where.family}\n  From:  ${where.ip ?? 'an unknown address'}\n\n` +
        `If this was you, there is nothing to do.\n\n` +
        `If it was not you, end that session now under Settings → Sessions:\n\n${publicUrl}/settings/sessions\n\n` +
        `then change your password (${publicUrl}/settings/password) and turn on two-factor sign-in.\n`,
    });
  }
}
