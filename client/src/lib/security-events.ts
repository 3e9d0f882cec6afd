import { formatBytes, pluralize } from './format.ts';
import { formatWait } from './errors.ts';
import type { SecurityEvent } from './graphql/documents.ts';
import type { JsonValue } from './graphql/graphql.ts';

/** What the server's security event names mean, in words. */
export const SECURITY_EVENT_LABELS: Readonly<Record<string, string>> = {
  register: 'Account created',
  'login.success': 'Logged in',
  'login.failure': 'Failed login',
  'login.throttled': 'Login attempt blocked (too many tries)',
  lockout: 'Account locked after failed logins',
  logout: 'Logged out',
  'password.change': 'Password changed',
  'password.reset.request': 'Password reset requested',
  'password.reset': 'Password reset',
  'email.verify': 'E-mail address confirmed',
  'token.create': 'API token created',
  'token.revoke': 'API token revoked',
  'token.use': 'API token used',
  'session.revoke': 'Session logged out',
  upload: 'Photo uploaded',
  delete: 'Photo deleted',
  'integrity.failure': 'Photo failed its integrity check',
  'login.mfa.failure': 'Failed login: wrong two-factor code',
  'mfa.enable': 'Two-factor sign-in turned on',
  'mfa.disable': 'Two-factor sign-in turned off',
  'mfa.recovery.regenerate': 'New recovery codes made',
  'mfa.recovery.use': 'Recovery code used',
  'passkey.add': 'Passkey added',
  'passkey.remove': 'Passkey removed',
  'admin.create': 'Administrator account created',
  'admin.promote': 'Made an administrator',
  'admin.demote': 'No longer an administrator',
  'admin.disable': 'Account disabled by an administrator',
  'admin.enable': 'Account enabled by an administrator',
  'admin.quota': 'Storage quota changed by an administrator',
  'account.delete': 'Account deleted',
  'email.change.request': 'E-mail change requested',
  'email.change': 'E-mail address changed',
  export: 'Photos exported',
};

/** Events worth a second look: someone may be trying to get in, or data was tampered with. */
const WARNING_EVENTS = new Set(['login.failure', 'login.mfa.failure', 'login.throttled', 'lockout', 'integrity.failure', 'mfa.disable']);

export function securityEventLabel(event: string): string {
  return Object.hasOwn(SECURITY_EVENT_LABELS, event) ? SECURITY_EVENT_LABELS[event]! : event;
}

export function isWarningEvent(event: string): boolean {
  return WARNING_EVENTS.has(event);
}

export type SecurityEventLike = Pick<SecurityEvent, 'event' | 'details'>;

const isRecord = (value: unknown): value is Record<string, JsonValue> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const count = (value: JsonValue | undefined): number | null =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;

const MAX_DETAIL_LENGTH = 120;
const clip = (text: string) => (text.length > MAX_DETAIL_LENGTH ? `${text.slice(0, MAX_DETAIL_LENGTH - 1)}…` : text);

/**
 * Token names by id, from the "token created" events in the same list, so a later "used" or
 * "revoked" event can say which token it was about.
 */
export function tokenNamesById(events: readonly SecurityEventLike[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const { event, details } of events) {
    if (event !== 'token.create' || !isRecord(details)) continue;
    if (typeof details.tokenId === 'string' && typeof details.name === 'string') names.set(details.tokenId, details.name);
  }
  return names;
}

/**
 * A short plain-text line about an event's details ("Token “backup script”", "3 sessions ended"),
 * or "" when there is nothing a person would want to read. Ids alone are not shown.
 */
export function describeSecurityDetails(entry: SecurityEventLike, tokenNames: ReadonlyMap<string, string> = new Map()): string {
  const { details } = entry;
  if (!isRecord(details)) return '';
  const parts: string[] = [];

  const name = typeof details.name === 'string' ? details.name : typeof details.tokenId === 'string' ? tokenNames.get(details.tokenId) : undefined;
  if (name) parts.push(`Token “${clip(name)}”`);

  const ended = count(details.ended);
  if (ended !== null) parts.push(`${pluralize(ended, 'session')} ended`);
  const endedSessions = count(details.endedSessions);
  if (endedSessions !== null && endedSessions > 0) parts.push(`${pluralize(endedSessions, 'other session')} ended`);

  const bytes = count(details.bytes);
  if (bytes !== null) parts.push(formatBytes(bytes));

  if (details.by === 'admin' && typeof details.admin === 'string') parts.push(`By ${clip(details.admin)}`);
  if (details.by === 'command line') parts.push('From the server’s command line');
  if ('quotaBytes' in details) {
    const quota = count(details.quotaBytes);
    parts.push(quota === null ? 'No quota' : `Quota ${formatBytes(quota)}`);
  }

  const retry = count(details.retryAfterSeconds);
  if (retry !== null && retry > 0) parts.push(`Locked for ${formatWait(retry)}`);

  return parts.join(' · ');
}
