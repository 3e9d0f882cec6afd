import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors.js';
import type { Scope } from '../../scope.js';
import { RateEventRepository } from './rate-event.repository.js';

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
/** The key column's length: keys are cut to it when stored and when looked up alike. */
const MAX_KEY = 191;

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
  constructor(
    readonly rules: RateRules = DEFAULT_RULES,
    private readonly now: () => number = Date.now,
    private readonly events = new RateEventRepository(),
  ) {}

  /** The key's state from its events in the window, leaving out the event `exceptId` (a reservation's own). */
  async state(scope: Scope, key: string, rule: RateRule, exceptId?: string): Promise<RateState> {
    const { count, newest } = await this.events.window(scope.em, key.slice(0, MAX_KEY), new Date(this.now() - rule.windowMs), exceptId);
    if (count < rule.free || !newest) return { count, retryAfterSeconds: 0, locked: false };
    const locked = count >= rule.lockAfter;
    const waitMs = locked ? rule.lockMs : 1000 * 2 ** (count - rule.free + 1);
    const remaining = newest.getTime() + waitMs - this.now();
    return { count, retryAfterSeconds: Math.max(0, Math.ceil(remaining / 1000)), locked: locked && remaining > 0 };
  }

  /**
   * Counts an attempt before it is made, then checks the keys without it. Checking first and
   * counting after would let parallel requests all pass the check before any is counted; this
   * way each sees the others' reservations, so no more get through than the rules allow (some
   * parallel ones may be refused early: the error is on the safe side). Throws RATE_LIMITED,
   * withdrawing the reservation, when any key must wait. Otherwise the reservation stays counted
   * unless `release()` withdraws it, for an attempt that turned out not to count (a good password).
   */
  async reserve(scope: Scope, checks: Array<[string, RateRule]>): Promise<{ release(): Promise<void> }> {
    const at = new Date(this.now());
    const ids = checks.map(() => randomUUID());
    // Outside any transaction of the request, so other requests see the reservation at once.
    await this.events.insert(scope.em.fork(), checks.map(([key], i) => ({ id: ids[i]!, key: key.slice(0, MAX_KEY), at })));
    const release = () => this.events.deleteIds(scope.em, ids);
    const states = await Promise.all(checks.map(([key, rule], i) => this.state(scope, key, rule, ids[i])));
    const worst = states.reduce((a, b) => (b.retryAfterSeconds > a.retryAfterSeconds ? b : a));
    if (worst.retryAfterSeconds > 0) {
      await release();
      throw rateLimited(worst.retryAfterSeconds, worst.locked);
    }
    return { release };
  }

  async clear(scope: Scope, key: string): Promise<void> {
    await this.events.deleteKey(scope.em, key.slice(0, MAX_KEY));
  }

  /** Drops events older than any window (a maintenance task). */
  purge(scope: Scope): Promise<number> {
    return this.events.deleteBefore(scope.em, new Date(this.now() - 24 * 60 * MINUTE));
  }
}
