import { availableParallelism } from 'node:os';
import { AppError } from '../errors.js';

export interface QueueOptions {
  /** Jobs running at once. Default: the number of CPUs, as each image decode keeps one busy. */
  concurrency: number;
  /** Jobs allowed to wait for a slot; one more is refused at once. Default: 4 × concurrency. */
  maxQueued: number;
  /**
   * Bytes of decoded pixels all running jobs may hold together (each job says its own weight).
   * A job that would go over waits, except when nothing runs: one heavier than the whole budget
   * then runs alone. Default: DEFAULT_BUDGET_BYTES.
   */
  budgetBytes: number;
}

/** Room for a few 40 MP photos at once, or one animation of the largest size the default limits allow. */
export const DEFAULT_BUDGET_BYTES = 512 * 1024 * 1024;

interface Waiting {
  weight: number;
  start: () => void;
}

export function serverBusy(): AppError {
  return new AppError('SERVER_BUSY', 'The server is busy processing other images. Please retry in a few seconds.', {
    retryAfterSeconds: 2,
  });
}

/**
 * Runs CPU- and memory-heavy jobs (image decodes) a few at a time, first come first served.
 * Without it, every concurrent upload decodes at once: memory grows with the number of
 * requests, and logins and page loads starve behind libvips. A bounded queue then turns
 * overload into a quick SERVER_BUSY the client can retry, instead of ever-growing latency.
 *
 * Jobs are admitted by count and by weight: a handful of photos run side by side, while two
 * animations whose decoded frames would not fit in the budget together run one after the other.
 * Strictly in order: a heavy job at the head waits for room and lighter ones behind it do not
 * overtake it, so it cannot be starved.
 */
export class WorkQueue {
  readonly concurrency: number;
  readonly maxQueued: number;
  readonly budgetBytes: number;
  private running = 0;
  private used = 0;
  // A FIFO as an array plus a read index: shift() would be O(n) per job on a long queue.
  private waiting: Array<Waiting | undefined> = [];
  private head = 0;

  constructor(options: Partial<QueueOptions> = {}) {
    this.concurrency = options.concurrency ?? availableParallelism();
    this.maxQueued = options.maxQueued ?? 4 * this.concurrency;
    this.budgetBytes = options.budgetBytes ?? DEFAULT_BUDGET_BYTES;
    if (!Number.isSafeInteger(this.concurrency) || this.concurrency < 1) {
      throw new TypeError('WorkQueue: concurrency must be a positive integer');
    }
    if (!Number.isSafeInteger(this.maxQueued) || this.maxQueued < 0) {
      throw new TypeError('WorkQueue: maxQueued must be a whole number');
    }
    if (!Number.isSafeInteger(this.budgetBytes) || this.budgetBytes < 1) {
      throw new TypeError('WorkQueue: budgetBytes must be a positive integer');
    }
  }

  /** Weight of the jobs running now. */
  get usedBytes(): number {
    return this.used;
  }

  /** Jobs running now. */
  get active(): number {
    return this.running;
  }

  /** Jobs waiting for a slot. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  /**
   * Runs `job` when a slot is free and its `weight` (bytes, default 0) fits in the budget, and
   * settles like it. Rejects at once with SERVER_BUSY, without calling `job`, when the queue is full.
   */
  run<T>(job: () => Promise<T>, weight = 0): Promise<T> {
    if (!(Number.isFinite(weight) && weight >= 0)) return Promise.reject(new TypeError('WorkQueue: weight must be a non-negative number'));
    if (this.queued === 0 && this.fits(weight)) return this.start(job, weight);
    if (this.queued >= this.maxQueued) return Promise.reject(serverBusy());
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ weight, start: () => void this.start(job, weight).then(resolve, reject) });
    });
  }

  private fits(weight: number): boolean {
    return this.running < this.concurrency && (this.running === 0 || this.used + weight <= this.budgetBytes);
  }

  private async start<T>(job: () => Promise<T>, weight: number): Promise<T> {
    this.running++;
    this.used += weight;
    try {
      // Called from a microtask: a job that throws synchronously still frees its slot, and a
      // run of such jobs cannot recurse through next() until the stack overflows.
      return await Promise.resolve().then(job);
    } finally {
      this.running--;
      this.used -= weight;
      this.next();
    }
  }

  /** Starts waiting jobs from the head for as long as they fit: a heavy job's end may make room for several. */
  private next(): void {
    while (this.queued > 0 && this.fits(this.waiting[this.head]!.weight)) this.startHead();
  }

  private startHead(): void {
    const waiting = this.waiting[this.head]!;
    this.waiting[this.head++] = undefined;
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    waiting.start();
  }
}
