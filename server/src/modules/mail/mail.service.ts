import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../../logger.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface MailOptions {
  smtpUrl: string | undefined;
  from: string;
  /** Without SMTP, mails are written here (the log names the file) so a local user can follow the links. */
  outboxDir: string;
}

/** Sends account e-mails over SMTP, or drops them in DATA_DIR/outbox when no SMTP is configured. */
export class MailService {
  private readonly transport: Transporter;

  constructor(
    private readonly options: MailOptions,
    private readonly log: Logger,
  ) {
    this.transport = options.smtpUrl
      ? nodemailer.createTransport(options.smtpUrl)
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  get usesSmtp(): boolean {
    return !!this.options.smtpUrl;
  }

  async send(mail: Mail): Promise<void> {
    const info = await this.transport.sendMail({ from: this.options.from, ...mail });
    if (this.usesSmtp) {
      this.log.info({ to: mail.to, subject: mail.subject }, 'mail sent');
      return;
    }
    await mkdir(this.options.outboxDir, { recursive: true, mode: 0o700 });
    const file = path.join(this.options.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`);
    await writeFile(file, (info as { message: Buffer }).message, { mode: 0o600 });
    // The text stays in the file: it may carry a link token, a passphrase or another secret.
    this.log.info({ to: mail.to, subject: mail.subject, file }, 'mail written to the outbox (no SMTP_URL): open the file to read it');
  }
}
