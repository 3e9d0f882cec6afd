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
  | 'integrity.failure';

/** Security events go to the structured log and to the audit_events table. */
export class AuditService {
  constructor(private readonly events = new AuditRepository()) {}

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
