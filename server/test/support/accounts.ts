import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { AuditEvent } from '../../src/modules/audit/audit-event.entity.js';
import { ApiClient } from './client.js';
import type { TestServer } from './server.js';

/** GraphQL documents of the account-security operations, shared by the specs. */
export const Q = {
  register: `mutation($input: RegisterInput!) { register(input: $input) { id username email emailVerified createdAt } }`,
  login: `mutation($input: LoginInput!) { login(input: $input) { token user { id username emailVerified } } }`,
  me: `{ me { id username email emailVerified } }`,
  logout: `mutation { logout }`,
  verifyEmail: `mutation($token: String!) { verifyEmail(token: $token) { id emailVerified } }`,
  resend: `mutation { resendVerificationEmail }`,
  requestReset: `mutation($email: String!) { requestPasswordReset(email: $email) }`,
  resetPassword: `mutation($input: ResetPasswordInput!) { resetPassword(input: $input) }`,
  changePassword: `mutation($input: ChangePasswordInput!) { changePassword(input: $input) }`,
  sessions: `{ sessions { id userAgent ip createdAt lastSeenAt expiresAt current } }`,
  revokeSession: `mutation($id: ID!) { revokeSession(id: $id) }`,
  revokeOtherSessions: `mutation { revokeOtherSessions }`,
  apiTokens: `{ apiTokens { id name prefix createdAt lastUsedAt expiresAt } }`,
  createApiToken: `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret token { id name prefix createdAt lastUsedAt expiresAt } } }`,
  revokeApiToken: `mutation($id: ID!) { revokeApiToken(id: $id) }`,
  securityEvents: `query($first: Int) { securityEvents(first: $first) { id event ip userAgent createdAt details } }`,
} as const;

export function login(client: ApiClient, username: string, password: string, headers: Record<string, string> = {}) {
  return client.gql<{ login: { token: string; user: { id: string; username: string; emailVerified: boolean } } }>(
    Q.login,
    { input: { username, password } },
    headers,
  );
}

/** Logs in and returns a client carrying the new session's token; fails loudly otherwise. */
export async function loginOk(baseUrl: string, username: string, password: string, headers: Record<string, string> = {}) {
  const res = await login(new ApiClient(baseUrl), username, password, headers);
  if (res.errors || !res.data) throw new Error(`login failed: ${res.raw}`);
  return new ApiClient(baseUrl, res.data.login.token);
}

/** Audit rows straight from the database, oldest first. */
export async function auditRows(server: TestServer, where: Partial<Pick<AuditEvent, 'userId' | 'event' | 'requestId'>> = {}) {
  return server.orm.em.fork().find(AuditEvent, where, { orderBy: { createdAt: 'asc', id: 'asc' } });
}

export async function countAudit(server: TestServer, userId: string | null, event: string): Promise<number> {
  return server.orm.em.fork().count(AuditEvent, { userId, event });
}

export interface OutboxMail {
  file: string;
  to: string;
  subject: string;
  text: string;
}

/**
 * Mails the app wrote to DATA_DIR/outbox (no SMTP configured), oldest first. Given the server,
 * waits first for the mails of requests already answered (they are sent after the answer).
 */
export async function outboxMails(target: TestServer | string): Promise<OutboxMail[]> {
  if (typeof target !== 'string') await target.app.services.jobs.idle();
  const dir = path.join(typeof target === 'string' ? target : target.dataDir, 'outbox');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.eml')).sort();
  } catch {
    return [];
  }
  return Promise.all(
    names.map(async (name) => {
      const parsed = await simpleParser(await readFile(path.join(dir, name)));
      const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
      return { file: name, to: (to ?? '').toLowerCase(), subject: parsed.subject ?? '', text: parsed.text ?? '' };
    }),
  );
}
