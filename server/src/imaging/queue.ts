import { availableParallelism } from 'node:os';
import { AppError } from '../errors.js';

export interface QueueOptions {
  /** Jobs running at once. Default: the number of CPUs, as each image decode keeps one busy. */
  concurrency: number;
  /** Jobs allowed to wait for a slot; one more is refused at once. Default: 4 × concurrency. */
  maxQueued: number;
}

interface Waiting {
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
 */
export class WorkQueue {
  readonly concurrency: number;
  readonly maxQueued: number;
  private running = 0;
  // A FIFO as an array plus a read index: shift() would be O(n) per job on a long queue.
  private waiting: Array<Waiting | undefined> = [];
  private head = 0;

  constructor(options: Partial<QueueOptions> = {}) {
    this.concurrency = options.concurrency ?? availableParallelism();
    this.maxQueued = options.maxQueued ?? 4 * this.concurrency;
    if (!Number.isSafeInteger(this.concurrency) || this.concurrency < 1) {
      throw new TypeError('WorkQueue: concurrency must be a positive integer');
    }
    if (!Number.isSafeInteger(this.maxQueued) || this.maxQueued < 0) {
      throw new TypeError('WorkQueue: maxQueued must be a whole number');
    }
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
   * Runs `job` when a slot is free and settles like it. Rejects at once with SERVER_BUSY,
   * without calling `job`, when the queue is full.
   */
  run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency && this.queued === 0) return this.start(job);
    if (this.queued >= this.maxQueued) return Promise.reject(serverBusy());
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ start: () => void this.start(job).then(resolve, reject) });
    });
  }

  private async start<T>(job: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      // Called from a microtask: a job that throws synchronously still frees its slot, and a
      // run of such jobs cannot recurse through next() until the stack overflows.
      return await Promise.resolve().then(job);
    } finally {
      this.running--;
      this.next();
    }
  }

  private next(): void {
    if (this.running >= this.concurrency || this.queued === 0) return;
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
