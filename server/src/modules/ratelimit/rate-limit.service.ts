import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { AppError } from '../../errors.js';
import { RateEvent } from './rate-event.entity.js';

/**
 * How many events a key may have within a window, and what follows. `delay` gives a progressive
 * wait (seconds after the newest event) by event count; past `lockAfter` events the key is
 * locked for `lockMs` after the newest one.
 */
export interface RateRule {
  windowMs: number;
  /** Events allowed before any wait. */
  free: number;
  lockAfter: number;
  lockMs: number;
}

const MINUTE = 60_000;

export const DEFAULT_RULES = {
  /** Failed logins per account: 5 free, then 2, 4, 8, 16, 32 s, then a 15-minute lockout. */
  loginAccount: { windowMs: 15 * MINUTE, free: 5, lockAfter: 10, lockMs: 15 * MINUTE },
  /** Failed logins per client address. */
  loginIp: { windowMs: 15 * MINUTE, free: 30, lockAfter: 50, lockMs: 15 * MINUTE },
  register: { windowMs: 60 * MINUTE, free: 10, lockAfter: 10, lockMs: 60 * MINUTE },
  resetIp: { windowMs: 60 * MINUTE, free: 10, lockAfter: 10, lockMs: 60 * MINUTE },
  resetAccount: { windowMs: 60 * MINUTE, free: 3, lockAfter: 3, lockMs: 60 * MINUTE },
  verifyResend: { windowMs: 60 * MINUTE, free: 3, lockAfter: 3, lockMs: 60 * MINUTE },
} satisfies Record<string, RateRule>;

export type RateRules = typeof DEFAULT_RULES;

/** The rules with the operator's registration allowance (REGISTRATIONS_PER_IP_PER_HOUR). */
export function buildRules(registrationsPerHour: number): RateRules {
  return {
    ...DEFAULT_RULES,
    register: { ...DEFAULT_RULES.register, free: registrationsPerHour, lockAfter: registrationsPerHour },
  };
}

export interface RateState {
  count: number;
  retryAfterSeconds: number;
  locked: boolean;
}

export function rateLimited(retryAfterSeconds: number, locked: boolean): AppError {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  const wait = retryAfterSeconds < 90 ? `${retryAfterSeconds} seconds` : `${minutes} minutes`;
  return new AppError(
    'RATE_LIMITED',
    locked
      ? `Too many failed attempts: this is locked for ${wait}. You can reset your password to get back in now.`
      : `Too many attempts. Try again in ${wait}.`,
    { retryAfterSeconds, locked },
  );
}

export class RateLimitService {
  private hits = 0;

  constructor(
    readonly rules: RateRules = DEFAULT_RULES,
    private readonly now: () => number = Date.now,
  ) {}

  async state(em: EntityManager, key: string, rule: RateRule): Promise<RateState> {
    const since = new Date(this.now() - rule.windowMs);
    const [count, newest] = await Promise.all([
      em.count(RateEvent, { key, at: { $gt: since } }),
      em.findOne(RateEvent, { key, at: { $gt: since } }, { orderBy: { at: 'desc' }, fields: ['at'] }),
    ]);
    if (count < rule.free || !newest) return { count, retryAfterSeconds: 0, locked: false };
    const locked = count >= rule.lockAfter;
    const waitMs = locked ? rule.lockMs : 1000 * 2 ** (count - rule.free + 1);
    const remaining = newest.at.getTime() + waitMs - this.now();
    return { count, retryAfterSeconds: Math.max(0, Math.ceil(remaining / 1000)), locked: locked && remaining > 0 };
  }

  /** Throws RATE_LIMITED when any of the keys must wait. */
  async assertAllowed(em: EntityManager, checks: Array<[string, RateRule]>): Promise<void> {
    const states = await Promise.all(checks.map(([key, rule]) => this.state(em, key, rule)));
    const worst = states.reduce((a, b) => (b.retryAfterSeconds > a.retryAfterSeconds ? b : a));
    if (worst.retryAfterSeconds > 0) throw rateLimited(worst.retryAfterSeconds, worst.locked);
  }

  async hit(em: EntityManager, ...keys: string[]): Promise<void> {
    const at = new Date(this.now());
    const fork = em.fork();
    for (const key of keys) fork.create(RateEvent, { id: randomUUID(), key: key.slice(0, 191), at });
    await fork.flush();
    if (++this.hits % 500 === 0) await this.purge(em);
  }

  async clear(em: EntityManager, key: string): Promise<void> {
    await em.nativeDelete(RateEvent, { key });
  }

  /** Drops events older than any window. */
  async purge(em: EntityManager): Promise<number> {
    return em.nativeDelete(RateEvent, { at: { $lt: new Date(this.now() - 24 * 60 * MINUTE) } });
  }
}
