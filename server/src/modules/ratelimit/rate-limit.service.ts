import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors.js';
import type { Scope } from '../../scope.js';
import { RateEventRepository, type RateWindow } from './rate-event.repository.js';

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
  /**
   * Makes the rule a quota instead of a throttle: at most `free` events in any window, no
   * progressive wait and no lock; a refused attempt waits until the window's oldest event leaves
   * it. The text says what ran out ("600 uploads per hour from this account").
   */
  quota?: string;
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
  /**
   * Uploads per account, and per client address over all its accounts. 600 an hour is ten a
   * minute for an hour: a phone's whole camera roll goes up in an afternoon, while one account
   * or address can write at most 600 × MAX_UPLOAD_BYTES (3 GiB at the defaults) an hour.
   */
  uploadAccount: uploadQuota(600, 'from this account'),
  uploadIp: uploadQuota(600, 'from your network address'),
} satisfies Record<string, RateRule>;

function uploadQuota(perHour: number, from: string): RateRule {
  return { windowMs: 60 * MINUTE, free: perHour, lockAfter: perHour, lockMs: 60 * MINUTE, quota: `at most ${perHour} uploads per hour ${from}` };
}

export type RateRules = typeof DEFAULT_RULES;

export interface RateSettings {
  /** REGISTRATIONS_PER_IP_PER_HOUR */
  registrationsPerHour: number;
  /** UPLOADS_PER_HOUR */
  uploadsPerHour: number;
  /** UPLOADS_PER_IP_PER_HOUR */
  uploadsPerIpPerHour: number;
}

/** The rules with the operator's allowances. */
export function buildRules(settings: RateSettings): RateRules {
  const { registrationsPerHour } = settings;
  return {
    ...DEFAULT_RULES,
    register: { ...DEFAULT_RULES.register, free: registrationsPerHour, lockAfter: registrationsPerHour },
    uploadAccount: uploadQuota(settings.uploadsPerHour, 'from this account'),
    uploadIp: uploadQuota(settings.uploadsPerIpPerHour, 'from your network address'),
  };
}

export interface RateState {
  count: number;
  retryAfterSeconds: number;
  locked: boolean;
}

function waitText(retryAfterSeconds: number): string {
  return retryAfterSeconds < 90 ? `${retryAfterSeconds} seconds` : `${Math.ceil(retryAfterSeconds / 60)} minutes`;
}

/** A quota ran out: says which, and when there is room again. Never "locked": waiting is the only way on. */
export function quotaReached(quota: string, retryAfterSeconds: number): AppError {
  return new AppError('RATE_LIMITED', `Limit reached: ${quota}. Try again in ${waitText(retryAfterSeconds)}.`, {
    retryAfterSeconds,
    locked: false,
  });
}

export function rateLimited(retryAfterSeconds: number, locked: boolean): AppError {
  const wait = waitText(retryAfterSeconds);
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
    return this.judge(rule, await this.events.window(scope.em, key.slice(0, MAX_KEY), new Date(this.now() - rule.windowMs), exceptId));
  }

  private judge(rule: RateRule, { count, oldest, newest }: RateWindow): RateState {
    if (count < rule.free || !newest || !oldest) return { count, retryAfterSeconds: 0, locked: false };
    const seconds = (until: number) => Math.max(0, Math.ceil((until - this.now()) / 1000));
    // At least a second: the oldest event may leave the window within this one.
    if (rule.quota) return { count, retryAfterSeconds: Math.max(1, seconds(oldest.getTime() + rule.windowMs)), locked: false };
    const locked = count >= rule.lockAfter;
    const waitMs = locked ? rule.lockMs : 1000 * 2 ** (count - rule.free + 1);
    const remaining = newest.getTime() + waitMs - this.now();
    return { count, retryAfterSeconds: seconds(newest.getTime() + waitMs), locked: locked && remaining > 0 };
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
    const states = await this.states(scope, checks, ids);
    const worst = states.reduce((a, b) => (b.state.retryAfterSeconds > a.state.retryAfterSeconds ? b : a));
    if (worst.state.retryAfterSeconds > 0) {
      await release();
      const { quota } = worst.rule;
      throw quota ? quotaReached(quota, worst.state.retryAfterSeconds) : rateLimited(worst.state.retryAfterSeconds, worst.state.locked);
    }
    return { release };
  }

  /** Each check's state without this reservation's events: one query per distinct window, however many keys. */
  private async states(scope: Scope, checks: Array<[string, RateRule]>, ids: string[]): Promise<Array<{ rule: RateRule; state: RateState }>> {
    const byWindow = new Map<number, string[]>();
    for (const [key, rule] of checks) byWindow.set(rule.windowMs, [...(byWindow.get(rule.windowMs) ?? []), key.slice(0, MAX_KEY)]);
    const windows = new Map<number, Map<string, RateWindow>>();
    await Promise.all(
      [...byWindow].map(async ([windowMs, keys]) => {
        windows.set(windowMs, await this.events.windows(scope.em, keys, new Date(this.now() - windowMs), ids));
      }),
    );
    return checks.map(([key, rule]) => ({ rule, state: this.judge(rule, windows.get(rule.windowMs)!.get(key.slice(0, MAX_KEY))!) }));
  }

  async clear(scope: Scope, key: string): Promise<void> {
    await this.events.deleteKey(scope.em, key.slice(0, MAX_KEY));
  }

  /** Drops events older than any window (a maintenance task). */
  purge(scope: Scope): Promise<number> {
    return this.events.deleteBefore(scope.em, new Date(this.now() - 24 * 60 * MINUTE));
  }
}
