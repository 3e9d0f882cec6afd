import { describe, expect, it } from 'vitest';
import { TaskPool } from './task-pool.ts';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('TaskPool', () => {
  it('runs at most `limit` tasks at once, in order', async () => {
    const pool = new TaskPool(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      pool.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    expect(pool.running).toBe(2);
    expect(pool.waiting).toBe(2);

    gates[1]!.resolve();
    await flush();
    expect(started).toEqual([0, 1, 2]);

    gates[0]!.resolve();
    gates[2]!.resolve();
    gates[3]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(pool.running).toBe(0);
  });

  it('frees the slot of a failing task', async () => {
    const pool = new TaskPool(1);
    const failing = pool.run(async () => {
      throw new Error('boom');
    });
    const next = pool.run(async () => 'ok');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });

  it('needs a positive limit', () => {
    expect(() => new TaskPool(0)).toThrow(RangeError);
  });
});
