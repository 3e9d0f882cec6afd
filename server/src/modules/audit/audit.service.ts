import { randomUUID } from 'node:crypto';
import type { Scope } from '../../scope.js';
import { AuditRepository, type AuditRecord } from './audit.repository.js';

export type AuditEventName =
  | 'register'
  | 'login.success'
  | 'login.failure'
  | 'login.throttled'
  | 'lockout'
  | 'logout'
  | 'password.change'
  | 'password.reset.request'
  | 'password.reset'
  | 'email.verify'
  | 'token.create'
  | 'token.revoke'
  | 'token.use'
  | 'session.revoke'
  | 'upload'
  | 'delete'
  | 'integrity.failure'
  | 'login.mfa.failure'
  | 'mfa.enable'
  | 'mfa.disable'
  | 'mfa.recovery.regenerate'
  | 'mfa.recovery.use'
  | 'passkey.add'
  | 'passkey.remove'
  | 'admin.create'
  | 'admin.promote'
  | 'admin.demote'
  | 'admin.disable'
  | 'admin.enable'
  | 'admin.quota'
  | 'admin.delete'
  | 'account.delete'
  | 'email.change.request'
  | 'email.change'
  | 'export';

/** Repeats of one event by one account and address within this time are one row with a count. */
const REPEAT_WINDOW_MS = 60_000;
const DAY = 86_400_000;

/**
 * Security events go to the structured log and to the audit_events table, which keeps them for
 * `retentionDays`. Events an attacker can repeat at will (throttled logins) are folded: within a
 * minute, one row per account and address, with a count, and debug-level log lines.
 */
export class AuditService {
  constructor(
    readonly retentionDays = 365,
    private readonly events = new AuditRepository(),
  ) {}

  /** Like record, but a repeat within a minute (same event, account and address) only counts up the existing row. */
  async recordRepeated(scope: Scope, event: AuditEventName, userId: string | null): Promise<void> {
    const ip = scope.origin.ip?.slice(0, 64) ?? null;
    try {
      const em = scope.em.fork();
      const recent = await this.events.findRecent(em, { event, userId, ip }, new Date(Date.now() - REPEAT_WINDOW_MS));
      if (recent) {
        const repeated = Number(recent.details?.repeated ?? 1) + 1;
        await this.events.setDetails(em, recent.id, { ...recent.details, repeated, lastAt: new Date().toISOString() });
        scope.log.debug({ audit: event, userId, requestId: scope.requestId, repeated }, `security event repeated: ${event}`);
        return;
      }
    } catch (error) {
      scope.log.error({ err: error, audit: event }, 'could not fold a repeated security event');
    }
    await this.record(scope, event, userId);
  }

  /** Removes events past the retention time (a maintenance task). */
  purge(scope: Scope): Promise<number> {
    return this.events.deleteBefore(scope.em, new Date(Date.now() - this.retentionDays * DAY));
  }

  async record(scope: Scope, event: AuditEventName, userId: string | null, details?: Record<string, unknown>): Promise<void> {
    scope.log.info({ audit: event, userId, requestId: scope.requestId, ...details }, `security event: ${event}`);
    try {
      // Its own fork, outside any transaction of the request: the trail is written even when the request's work fails.
      await this.events.insert(scope.em.fork(), {
        id: randomUUID(),
        userId,
        event,
        ip: scope.origin.ip?.slice(0, 64) ?? null,
        userAgent: scope.origin.userAgent?.slice(0, 255) ?? null,
        requestId: scope.requestId.slice(0, 64),
        details: details ?? null,
        createdAt: new Date(),
      });
    } catch (error) {
      scope.log.error({ err: error, audit: event }, 'could not store a security event');
    }
  }

  /** The viewer's own events, newest first. */
  list(scope: Scope, userId: string, first: number): Promise<AuditRecord[]> {
    return this.events.listFor(scope.em, userId, first);
  }
}
