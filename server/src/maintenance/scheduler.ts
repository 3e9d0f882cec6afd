import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';
import { systemScope, type Scope } from '../scope.js';

/** Work no request asks for: cleaning up after crashes and expiry. */
export interface MaintenanceTask {
  /** Short and stable: it names the task in logs (and, with several instances, its lease). */
  name: string;
  everyMs: number;
  /** Returns how many things it did (removed, purged), for the log. */
  run(scope: Scope): Promise<number>;
}

/**
 * Runs maintenance tasks in this process: every task once at start, then each on its own
 * period. A task never overlaps itself, a failure is logged and retried next period, and stop()
 * waits for runs in flight so shutdown never cuts one in half. Each run gets its own scope
 * (fresh EntityManager fork) so no state leaks from one run to the next.
 */
export class Scheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly orm: Orm,
    private readonly log: Logger,
    private readonly tasks: readonly MaintenanceTask[],
  ) {}

  /** Runs every task once, one after the other (at start, before the server listens). */
  async runAll(): Promise<void> {
    for (const task of this.tasks) await this.runOnce(task);
  }

  /** Starts the periodic runs; the timers never keep the process alive on their own. */
  start(): void {
    for (const task of this.tasks) {
      const timer = setInterval(() => void this.runOnce(task), task.everyMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.all(this.running.values());
  }

  /** One run of the task, unless it is still running from last time or the scheduler stopped. */
  runOnce(task: MaintenanceTask): Promise<void> {
    const inFlight = this.running.get(task.name);
    if (inFlight) return inFlight;
    if (this.stopped) return Promise.resolve();
    const scope = systemScope(this.orm.em.fork(), this.log, `task:${task.name}`);
    const run = task
      .run(scope)
      .then(
        (done) => {
          if (done) this.log.info({ task: task.name, done }, 'maintenance task done');
        },
        (error: unknown) => {
          this.log.error({ err: error, task: task.name }, 'maintenance task failed; it runs again next period');
        },
      )
      .finally(() => this.running.delete(task.name));
    this.running.set(task.name, run);
    return run;
  }
}
