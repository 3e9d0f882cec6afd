/**
 * What every phase measures with: progress lines on stderr, latency percentiles, and the CPU time
 * and memory of the server (and of the machine around it) read from /proc.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export const MiB = 1024 * 1024;

const benchStart = performance.now();
const stamp = () => `${((performance.now() - benchStart) / 1000).toFixed(1).padStart(5)}s`;
let tickerLine = false;

export function note(message: string): void {
  if (tickerLine) process.stderr.write('\n');
  tickerLine = false;
  process.stderr.write(`[bench ${stamp()}] ${message}\n`);
}

/** A status line rewritten in place on a terminal, or a line every few seconds in a log. */
export function ticker(render: () => string): () => void {
  const tty = process.stderr.isTTY;
  const timer = setInterval(
    () => {
      if (tty) {
        process.stderr.write(`\r\x1b[2K[bench ${stamp()}] ${render()}`);
        tickerLine = true;
      } else {
        note(render());
      }
    },
    tty ? 500 : 5000,
  );
  return () => {
    clearInterval(timer);
    if (tickerLine) process.stderr.write('\r\x1b[2K');
    tickerLine = false;
  };
}

export interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles, in milliseconds. */
export function latency(samples: number[]): Latency {
  if (samples.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    count: sorted.length,
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1)!),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

export function once<T>(f: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= f());
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const round2 = (v: number) => Math.round(v * 100) / 100;

export function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function cpuSecondsOf(pid: number, withWaitedChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // utime, stime; then cutime and cstime of its waited-for children.
    return (f[11]! + f[12]! + (withWaitedChildren ? f[13]! + f[14]! : 0)) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The local database server's processes, whose CPU belongs to the system under test. */
const databasePids = (() => {
  let pids: number[] | undefined;
  return () =>
    (pids ??= readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .filter((pid) => ['mariadbd', 'mysqld'].includes(commOf(pid))));
})();

/** CPU-seconds all processes on the machine have used since boot. */
export function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Where the machine's CPU went during a phase, as shares of all its CPUs (1 = every core busy). */
export interface CpuShares {
  server: number;
  database: number;
  benchClient: number;
  otherProcesses: number;
}

/**
 * Peak memory and CPU time of a process and any processes it starts (should image work move to
 * a worker process, its memory counts too), from /proc: VmHWM, reset per phase, and 100 ms polls
 * of VmRSS summed over the process tree.
 */
export class ProcessWatch {
  private polledPeak = 0;
  private timer: NodeJS.Timeout | undefined;
  private hwmResettable = true;
  private cpuMark = 0;
  private wallMark = 0;
  private machineMark = 0;
  private ownMark = 0;
  private dbMark = 0;

  constructor(readonly pid: number) {}

  static available(): boolean {
    return existsSync('/proc/self/status');
  }

  start(): void {
    this.timer = setInterval(() => this.poll(), 100);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The process and its descendants that are alive now. */
  private tree(): number[] {
    const all = [this.pid];
    for (let i = 0; i < all.length; i++) {
      try {
        for (const task of readdirSync(`/proc/${all[i]}/task`)) {
          const children = readFileSync(`/proc/${all[i]}/task/${task}/children`, 'utf8').trim();
          // tsx's esbuild transpiler is a child of the dev-mode server only; a built server has none.
          if (children) all.push(...children.split(' ').map(Number).filter((pid) => commOf(pid) !== 'esbuild'));
        }
      } catch {
        // gone, or no CONFIG_PROC_CHILDREN: the process alone
      }
    }
    return all;
  }

  private status(pid: number): Record<string, number> {
    const out: Record<string, number> = {};
    try {
      for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
        const match = /^(Vm\w+):\s+(\d+) kB/.exec(line);
        if (match) out[match[1]!] = Number(match[2]) * 1024;
      }
    } catch {
      // the process is gone
    }
    return out;
  }

  private poll(): void {
    this.polledPeak = Math.max(this.polledPeak, this.rss());
  }

  /** Resident memory of the whole tree now, in bytes. */
  rss(): number {
    return this.tree().reduce((sum, pid) => sum + (this.status(pid).VmRSS ?? 0), 0);
  }

  /** Starts a new phase: peak RSS and CPU time are counted from now. */
  mark(): void {
    this.polledPeak = this.rss();
    for (const pid of this.tree()) {
      try {
        // Linux ≥ 4.0: writing 5 resets a process's peak RSS (VmHWM) to its current RSS.
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        this.hwmResettable = false;
      }
    }
    this.cpuMark = this.cpuSeconds();
    this.wallMark = performance.now();
    this.machineMark = machineBusySeconds();
    this.ownMark = ownCpuSeconds();
    this.dbMark = this.databaseCpu();
  }

  private databaseCpu(): number {
    return databasePids().reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
  }

  /** Since mark(): this process, the benchmark itself, and everything else on the machine. */
  shares(): CpuShares {
    const capacity = ((performance.now() - this.wallMark) / 1000) * availableParallelism();
    const server = this.cpuSinceMark();
    const bench = ownCpuSeconds() - this.ownMark;
    const database = this.databaseCpu() - this.dbMark;
    const other = Math.max(0, machineBusySeconds() - this.machineMark - server - bench - database);
    const share = (v: number) => round2(v / capacity);
    return { server: share(server), database: share(database), benchClient: share(bench), otherProcesses: share(other) };
  }

  /**
   * Peak RSS since mark(), in bytes. For a single process, the kernel's exact high-water mark
   * (when it could be reset); for a tree, the largest polled sum, as peaks of different
   * processes need not coincide.
   */
  peak(): number {
    this.poll();
    const tree = this.tree();
    const hwm = this.hwmResettable && tree.length === 1 ? (this.status(this.pid).VmHWM ?? 0) : 0;
    return Math.max(hwm, this.polledPeak);
  }

  /** CPU-seconds used by the tree so far, including children that have exited. */
  cpuSeconds(): number {
    return this.tree().reduce((sum, pid) => sum + cpuSecondsOf(pid, pid === this.pid), 0);
  }

  cpuSinceMark(): number {
    return this.cpuSeconds() - this.cpuMark;
  }
}

export const mib = (bytes: number) => Math.round(bytes / MiB);

/** Waits until other processes use under 15% of the CPUs for five seconds running, or gives up. */
export async function waitForQuiet(seconds: number): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  let lastNote = 0;
  for (;;) {
    const machine = machineBusySeconds();
    const own = ownCpuSeconds();
    await sleep(5000);
    const other = (machineBusySeconds() - machine - (ownCpuSeconds() - own)) / (5 * availableParallelism());
    if (other < 0.15) return;
    if (performance.now() > deadline) return note(`other processes still use ${Math.round(other * 100)}% of the CPUs; starting anyway`);
    if (performance.now() - lastNote > 30_000) {
      note(`other processes use ${Math.round(other * 100)}% of the CPUs; waiting for them to finish`);
      lastNote = performance.now();
    }
  }
}
