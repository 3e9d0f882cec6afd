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

  /** The newest `event` row of this account (or of no account) from this address since `since`. */
  async findRecent(em: EntityManager, key: { event: string; userId: string | null; ip: string | null }, since: Date): Promise<{ id: string; details: Record<string, unknown> | null } | null> {
    let query = db(em).selectFrom('audit_events').select(['id', 'details']).where('event', '=', key.event).where('created_at', '>=', since);
    query = key.userId === null ? query.where('user_id', 'is', null) : query.where('user_id', '=', key.userId);
    query = key.ip === null ? query.where('ip', 'is', null) : query.where('ip', '=', key.ip);
    const row = await query.orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    return row ? { id: row.id, details: row.details as Record<string, unknown> | null } : null;
  }

  async setDetails(em: EntityManager, id: string, details: Record<string, unknown>): Promise<void> {
    await db(em).updateTable('audit_events').set({ details }).where('id', '=', id).execute();
  }

  /** Deletes events older than `cutoff`; returns how many. */
  async deleteBefore(em: EntityManager, cutoff: Date): Promise<number> {
    return Number((await db(em).deleteFrom('audit_events').where('created_at', '<', cutoff).executeTakeFirst()).numDeletedRows);
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
