import type { EntityManager } from '@mikro-orm/core';
import { db } from '../../db/database.js';

export interface AuditRecord {
  id: string;
  userId: string | null;
  event: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Record<string, unknown> | null;
  createdAt: Date;
}

export class AuditRepository {
  async insert(em: EntityManager, event: AuditRecord): Promise<void> {
    await db(em)
      .insertInto('audit_events')
      .values({
        id: event.id,
        user_id: event.userId,
        event: event.event,
        ip: event.ip,
        user_agent: event.userAgent,
        request_id: event.requestId,
        details: event.details,
        created_at: event.createdAt,
      })
      .execute();
  }

  async listFor(em: EntityManager, userId: string, limit: number): Promise<AuditRecord[]> {
    const rows = await db(em)
      .selectFrom('audit_events')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      userId: row.user_id,
      event: row.event,
      ip: row.ip,
      userAgent: row.user_agent,
      requestId: row.request_id,
      details: row.details,
      createdAt: row.created_at,
    }));
  }
}
