import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from '../../logger.js';
import { AuditEvent } from './audit-event.entity.js';

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

/** Where an event came from; filled from the request. */
export interface AuditOrigin {
  ip?: string | undefined;
  userAgent?: string | undefined;
  requestId?: string | undefined;
  log: Logger;
}

/** Security events go to the structured log and to the audit_events table. */
export class AuditService {
  async record(
    em: EntityManager,
    origin: AuditOrigin,
    event: AuditEventName,
    userId: string | null,
    details?: Record<string, unknown>,
  ): Promise<void> {
    origin.log.info({ audit: event, userId, requestId: origin.requestId, ...details }, `security event: ${event}`);
    try {
      // Its own fork and a direct insert: the trail is written even when the request's work fails.
      await em.fork().insert(AuditEvent, {
        id: randomUUID(),
        userId,
        event,
        ip: origin.ip?.slice(0, 64) ?? null,
        userAgent: origin.userAgent?.slice(0, 255) ?? null,
        requestId: origin.requestId?.slice(0, 64) ?? null,
        details: details ?? null,
        createdAt: new Date(),
      });
    } catch (error) {
      origin.log.error({ err: error, audit: event }, 'could not store a security event');
    }
  }

  list(em: EntityManager, userId: string, first: number): Promise<AuditEvent[]> {
    return em.find(AuditEvent, { userId }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first });
  }
}
