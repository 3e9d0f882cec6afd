import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { DEFAULT_BUDGET_BYTES, WorkQueue } from '../../src/imaging/queue.js';

/** A job the test finishes by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('WorkQueue', () => {
  it('defaults to one slot per CPU and four waiting jobs per slot', () => {
    const queue = new WorkQueue();
    expect(queue.concurrency).toBe(availableParallelism());
    expect(queue.maxQueued).toBe(4 * availableParallelism());
    expect(new WorkQueue({ concurrency: 3 }).maxQueued).toBe(12);
    expect(queue.budgetBytes).toBe(DEFAULT_BUDGET_BYTES);
  });

  it('refuses nonsense options', () => {
    expect(() => new WorkQueue({ concurrency: 0 })).toThrow(TypeError);
    expect(() => new WorkQueue({ concurrency: 1.5 })).toThrow(TypeError);
    expect(() => new WorkQueue({ concurrency: 1, maxQueued: -1 })).toThrow(TypeError);
    expect(() => new WorkQueue({ budgetBytes: 0 })).toThrow(TypeError);
    expect(() => new WorkQueue({ budgetBytes: Number.POSITIVE_INFINITY })).toThrow(TypeError);
  });

  it('refuses a nonsense weight without running the job', async () => {
    const queue = new WorkQueue({ concurrency: 1 });
    let called = false;
    const job = async () => {
      called = true;
    };
    for (const weight of [-1, Number.NaN, Number.POSITIVE_INFINITY]) await expect(queue.run(job, weight)).rejects.toThrow(TypeError);
    expect(called).toBe(false);
  });

  it('never runs more jobs at once than its concurrency', async () => {
    const queue = new WorkQueue({ concurrency: 3, maxQueued: 100 });
    let running = 0;
    let peak = 0;
    const job = async () => {
      running++;
      peak = Math.max(peak, running);
      expect(queue.active).toBeLessThanOrEqual(3);
      // Uneven durations, so slots free up in a different order than they were taken.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 5)));
      running--;
    };
    await Promise.all(Array.from({ length: 40 }, () => queue.run(job)));
    expect(peak).toBe(3);
    expect(queue.active).toBe(0);
    expect(queue.queued).toBe(0);
  });

  it('counts active and queued jobs', async () => {
    const queue = new WorkQueue({ concurrency: 2, maxQueued: 5 });
    const gates = Array.from({ length: 4 }, () => deferred());
    const runs = gates.map((gate) => queue.run(() => gate.promise));
    expect([queue.active, queue.queued]).toEqual([2, 2]);
    gates[0]!.resolve();
    await tick();
    expect([queue.active, queue.queued]).toEqual([2, 1]);
    for (const gate of gates) gate.resolve();
    await Promise.all(runs);
    expect([queue.active, queue.queued]).toEqual([0, 0]);
  });

  it('starts waiting jobs first in, first out', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxQueued: 50 });
    const started: number[] = [];
    const gate = deferred();
    const first = queue.run(async () => {
      started.push(0);
      await gate.promise;
    });
    const rest = Array.from({ length: 20 }, (_, i) =>
      queue.run(async () => {
        started.push(i + 1);
      }),
    );
    await tick();
    expect(started).toEqual([0]);
    gate.resolve();
    await Promise.all([first, ...rest]);
    expect(started).toEqual(Array.from({ length: 21 }, (_, i) => i));
  });

  it('a new job waits behind queued ones even when a slot has just freed', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxQueued: 5 });
    const order: string[] = [];
    const gate = deferred();
    const a = queue.run(() => gate.promise.then(() => order.push('a')));
    const b = queue.run(async () => order.push('b'));
    gate.resolve();
    const c = queue.run(async () => order.push('c'));
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('refuses at once with SERVER_BUSY when the queue is full, without running the job', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxQueued: 2 });
    const gate = deferred();
    const accepted = [queue.run(() => gate.promise), queue.run(() => gate.promise), queue.run(() => gate.promise)];
    expect([queue.active, queue.queued]).toEqual([1, 2]);

    let called = false;
    const error = await queue
      .run(async () => {
        called = true;
      })
      .catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('SERVER_BUSY');
    expect((error as AppError).httpStatus).toBe(503);
    expect((error as AppError).message).toBe('The server is busy processing other images. Please retry in a few seconds.');
    expect((error as AppError).details).toEqual({ retryAfterSeconds: 2 });
    // The refusal took no place in the queue.
    expect([queue.active, queue.queued]).toEqual([1, 2]);

    gate.resolve();
    await Promise.all(accepted);
    await expect(queue.run(async () => 'again')).resolves.toBe('again');
  });

  it('with maxQueued 0, only runs jobs that find a free slot', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxQueued: 0 });
    const gate = deferred();
    const running = queue.run(() => gate.promise);
    await expect(queue.run(async () => 1)).rejects.toMatchObject({ code: 'SERVER_BUSY' });
    gate.resolve();
    await running;
  });

  it('passes results and errors through, and a failed job frees its slot', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxQueued: 10 });
    const boom = new Error('boom');
    const results = await Promise.allSettled([
      queue.run(async () => 'one'),
      queue.run(async () => {
        throw boom;
      }),
      // A job that throws before returning a promise must not leak its slot either.
      queue.run((() => {
        throw boom;
      }) as () => Promise<never>),
      queue.run(async () => 'four'),
    ]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 'one' },
      { status: 'rejected', reason: boom },
      { status: 'rejected', reason: boom },
      { status: 'fulfilled', value: 'four' },
    ]);
    expect([queue.active, queue.queued]).toEqual([0, 0]);
  });

  describe('by weight', () => {
    it('runs light jobs up to its concurrency, as before', async () => {
      const queue = new WorkQueue({ concurrency: 3, maxQueued: 10, budgetBytes: 100 });
      const gates = Array.from({ length: 4 }, () => deferred());
      const runs = gates.map((gate) => queue.run(() => gate.promise, 30));
      expect([queue.active, queue.queued, queue.usedBytes]).toEqual([3, 1, 90]);
      for (const gate of gates) gate.resolve();
      await Promise.all(runs);
      expect([queue.active, queue.queued, queue.usedBytes]).toEqual([0, 0, 0]);
    });

    it('never lets the running jobs hold more than the budget together', async () => {
      const queue = new WorkQueue({ concurrency: 4, maxQueued: 100, budgetBytes: 100 });
      let held = 0;
      let peak = 0;
      const job = (weight: number) => async () => {
        held += weight;
        peak = Math.max(peak, held);
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 5)));
        held -= weight;
      };
      const weights = Array.from({ length: 60 }, (_, i) => [10, 60, 35, 90, 5][i % 5]!);
      await Promise.all(weights.map((w) => queue.run(job(w), w)));
      expect(peak).toBeLessThanOrEqual(100);
      expect(peak).toBeGreaterThan(90);
      expect(queue.usedBytes).toBe(0);
    });

    it('runs two heavy jobs one after the other when both do not fit', async () => {
      const queue = new WorkQueue({ concurrency: 2, maxQueued: 10, budgetBytes: 100 });
      const [a, b] = [deferred(), deferred()];
      const first = queue.run(() => a.promise, 70);
      const second = queue.run(() => b.promise, 70);
      expect([queue.active, queue.queued, queue.usedBytes]).toEqual([1, 1, 70]);
      a.resolve();
      await first;
      expect([queue.active, queue.queued, queue.usedBytes]).toEqual([1, 0, 70]);
      b.resolve();
      await second;
    });

    it('runs a job heavier than the whole budget alone, and does not deadlock on it', async () => {
      const queue = new WorkQueue({ concurrency: 2, maxQueued: 10, budgetBytes: 100 });
      const light = deferred();
      const before = queue.run(() => light.promise, 10);
      const heavy = deferred();
      const huge = queue.run(() => heavy.promise, 500);
      // It waits for the light job to end, then runs with nothing beside it.
      expect([queue.active, queue.queued]).toEqual([1, 1]);
      const after = queue.run(async () => 'after', 1);
      light.resolve();
      await before;
      expect([queue.active, queue.queued, queue.usedBytes]).toEqual([1, 1, 500]);
      heavy.resolve();
      await huge;
      await expect(after).resolves.toBe('after');
      expect([queue.active, queue.queued, queue.usedBytes]).toEqual([0, 0, 0]);
    });

    it('keeps order: lighter jobs do not overtake a heavy one waiting for room', async () => {
      const queue = new WorkQueue({ concurrency: 3, maxQueued: 10, budgetBytes: 100 });
      const order: string[] = [];
      const gate = deferred();
      const running = queue.run(() => gate.promise.then(() => order.push('running')), 50);
      const heavy = queue.run(async () => order.push('heavy'), 80);
      const light = queue.run(async () => order.push('light'), 1);
      expect([queue.active, queue.queued]).toEqual([1, 2]);
      gate.resolve();
      await Promise.all([running, heavy, light]);
      expect(order).toEqual(['running', 'heavy', 'light']);
    });

    it('starts every waiting job that fits once a heavy one ends', async () => {
      const queue = new WorkQueue({ concurrency: 3, maxQueued: 10, budgetBytes: 100 });
      const gate = deferred();
      const heavy = queue.run(() => gate.promise, 90);
      const gates = Array.from({ length: 3 }, () => deferred());
      const light = gates.map((g) => queue.run(() => g.promise, 30));
      expect([queue.active, queue.queued]).toEqual([1, 3]);
      gate.resolve();
      await heavy;
      expect([queue.active, queue.queued, queue.usedBytes]).toEqual([3, 0, 90]);
      for (const g of gates) g.resolve();
      await Promise.all(light);
    });

    it('frees the weight of a job that fails', async () => {
      const queue = new WorkQueue({ concurrency: 1, budgetBytes: 100 });
      await expect(queue.run(() => Promise.reject(new Error('boom')), 60)).rejects.toThrow('boom');
      expect(queue.usedBytes).toBe(0);
    });
  });

  it('does not grow the stack through a long run of failing jobs', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxQueued: 50_000 });
    const gate = deferred();
    const first = queue.run(() => gate.promise);
    const failing = Array.from({ length: 50_000 }, () =>
      queue.run((() => {
        throw new Error('sync');
      }) as () => Promise<never>),
    );
    gate.resolve();
    const settled = await Promise.allSettled([first, ...failing]);
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(50_000);
    expect([queue.active, queue.queued]).toEqual([0, 0]);
  });
});
