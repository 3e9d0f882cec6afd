import type { Scope } from './scope.js';

/**
 * Work a request starts but does not wait for (sending a mail): it runs after the answer, one
 * job at a time, in its own scope (a fresh EntityManager fork, the request's origin and id for
 * the audit log). So a request's timing never tells what the job found. Failures are logged;
 * `idle()` lets shutdown and tests wait for what is queued.
 */
/** Jobs allowed to wait; beyond that a job is dropped and logged (a mail flood must not grow memory without bound). */
const MAX_PENDING = 1000;

export class BackgroundJobs {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly waiters: Array<() => void> = [];

  /** Queues `job`; returns at once. */
  run(scope: Scope, name: string, job: (scope: Scope) => Promise<void>): void {
    if (this.pending >= MAX_PENDING) {
      scope.log.error({ job: name }, 'background queue full: job dropped');
      return;
    }
    this.pending++;
    const own: Scope = { ...scope, em: scope.em.fork() };
    this.tail = this.tail
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => job(own))
      .catch((error: unknown) => own.log.error({ err: error, job: name }, 'background job failed'))
      .finally(() => {
        this.pending--;
        if (this.pending === 0) for (const wake of this.waiters.splice(0)) wake();
      });
  }

  /** Resolves once every queued job has finished. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
