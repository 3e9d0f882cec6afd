import { defineEntity, p } from '@mikro-orm/core';

/** A security event. user_id is kept without a foreign key so the trail outlives a deleted account. */
export class AuditEvent {
  id!: string;
  userId: string | null = null;
  event!: string;
  ip: string | null = null;
  userAgent: string | null = null;
  requestId: string | null = null;
  details: Record<string, unknown> | null = null;
  createdAt!: Date;
}

export const AuditEventSchema = defineEntity({
  class: AuditEvent,
  tableName: 'audit_events',
  properties: {
    id: p.string().length(36).primary(),
    userId: p.string().length(36).nullable(),
    event: p.string().length(64),
    ip: p.string().length(64).nullable(),
    userAgent: p.string().length(255).nullable(),
    requestId: p.string().length(64).nullable(),
    details: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime(3),
  },
  indexes: [{ properties: ['userId', 'createdAt'] }],
});
