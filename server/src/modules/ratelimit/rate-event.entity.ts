import { defineEntity, p } from '@mikro-orm/core';

/**
 * One counted event (a failed login, a registration, a reset request) under a limiter key such
 * as "login:account:alice". Rows rather than counters: inserts are atomic on every database,
 * several server processes share them, and they survive restarts.
 */
export class RateEvent {
  id!: string;
  key!: string;
  at!: Date;
}

export const RateEventSchema = defineEntity({
  class: RateEvent,
  tableName: 'rate_events',
  properties: {
    id: p.string().length(36).primary(),
    key: p.string().length(191),
    at: p.datetime(3),
  },
  indexes: [{ properties: ['key', 'at'] }],
});
