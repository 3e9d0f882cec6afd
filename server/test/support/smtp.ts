import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { ApiClient } from './client.js';
import { startTestServer, type TestServer } from './server.js';

/** One mail as the SMTP server received it: envelope recipients, parsed headers and text. */
export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  parsed: ParsedMail;
}

export interface TestSmtp {
  /** smtp://127.0.0.1:<port>, for the app's SMTP_URL. */
  url: string;
  /** Every mail received so far, oldest first. */
  mails: ReceivedMail[];
  /** Mails received so far for one address. */
  mailsTo(address: string): ReceivedMail[];
  /**
   * The next mail to `address` not yet taken by an earlier call (optionally one whose subject
   * matches), waiting for it to arrive.
   */
  waitForMail(address: string, options?: { subject?: RegExp; timeoutMs?: number }): Promise<ReceivedMail>;
  /** Until the returned function is called, every mail's DATA is left unanswered: a slow mail server. */
  hold(): () => void;
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1 (random port, no TLS, no auth needed) that parses what it
 * receives with mailparser. A mail is recorded before the server accepts the DATA command, so
 * once the app's request that sent it has answered, the mail is here.
 */
export async function startSmtp(): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters = new Set<() => void>();
  let gate: Promise<void> = Promise.resolve();

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          await gate;
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            parsed,
          });
          for (const wake of waiters) wake();
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  const mailsTo = (address: string) => mails.filter((m) => m.to.includes(address.toLowerCase()));

  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    mailsTo,
    waitForMail(address, { subject, timeoutMs = 5000 } = {}) {
      const find = () => mailsTo(address).find((m) => !taken.has(m) && (!subject || subject.test(m.subject)));
      return new Promise<ReceivedMail>((resolve, reject) => {
        const check = () => {
          const mail = find();
          if (!mail) return false;
          taken.add(mail);
          clearTimeout(timer);
          waiters.delete(check);
          resolve(mail);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no mail to ${address}${subject ? ` matching ${subject}` : ''} within ${timeoutMs} ms`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    hold() {
      let open!: () => void;
      gate = new Promise<void>((resolve) => (open = resolve));
      return () => {
        gate = Promise.resolve();
        open();
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The token of a `…/<page>#token=…` link in a mail's text. */
export function linkToken(mail: ReceivedMail | string, page: 'verify-email' | 'reset-password'): string {
  const text = typeof mail === 'string' ? mail : mail.text;
  const match = new RegExp(`https?://\\S+/${page}#token=([A-Za-z0-9_-]+)`).exec(text);
  if (!match) throw new Error(`no ${page} link in:\n${text}`);
  return match[1]!;
}

/** A test SMTP server and an app that sends its mail there, for specs that read real mails; `close` stops both. */
export async function startServerWithSmtp(
  kind: Parameters<typeof startTestServer>[0],
  extra: Record<string, string>,
): Promise<{ smtp: TestSmtp; server: TestServer; anon: ApiClient; close: () => Promise<void> }> {
  const smtp = await startSmtp();
  const server = await startTestServer(kind, { SMTP_URL: smtp.url, ...extra }).catch(async (error: unknown) => {
    await smtp.close();
    throw error;
  });
  const close = async () => {
    await server.close();
    await smtp.close();
  };
  return { smtp, server, anon: new ApiClient(server.url), close };
}
