/**
 * Lockframe benchmark: the real server as its own process on a fresh MySQL/MariaDB database,
 * driven over real HTTP from this process, next to the same image pipeline run without HTTP,
 * GraphQL or a database as the ceiling the server can hope to reach. A benchmark, not a test:
 * it prints figures and targets, and stops by itself. See USAGE below (`npm run bench -- --help`).
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { connect } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EntityMetadata, EntityProperty, RequiredEntityData } from '@mikro-orm/core';
import mysql from 'mysql2/promise';
import { loadEnv } from '../src/config/env.js';
import { NODE_FLAGS, RUNTIME_ENV } from '../src/config/runtime.js';
import { openDatabase, type Orm } from '../src/db/orm.js';
import { KeyProvider } from '../src/crypto/key-provider.js';
import { DEFAULT_IMAGE_LIMITS } from '../src/imaging/process.js';
import { Image } from '../src/modules/image/image.entity.js';
import { prepareImage, sealAndStore } from '../src/modules/image/image.pipeline.js';
import type { SearchDoc } from '../src/modules/image/image.search.js';
import { User } from '../src/modules/user/user.entity.js';
import { LocalBlobStore } from '../src/storage/local-blob-store.js';
import { SealedStore } from '../src/storage/sealed-store.js';
import { largeJpeg, padJpeg } from '../test/fixtures/images.js';
import { spawnServer, type ServerProcess } from '../test/support/process.js';

const BENCH_FILE = fileURLToPath(import.meta.url);
const SERVER_DIR = path.resolve(path.dirname(BENCH_FILE), '..');
const MiB = 1024 * 1024;
const MYSQL_BASE_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
/** Distinct photos for the upload phase, at qualities that give 3–5 MB files at 12 MP. */
const PHOTO_QUALITIES = [88, 90, 92, 93];

// ─── options ─────────────────────────────────────────────────────────────────────────────────

const USAGE = `Usage: npm run bench [-- options]       (in server/; from the repository root: npm run bench -- -- options)

  (no options)          about 1½ minutes on 2 cores: every phase below
  --quick               a shorter run (about 40 s), for a smoke test
  --json                the figures as JSON on stdout (the table and progress go to stderr)

Phases (--only a,b,…): ceiling, uploads, burst, gallery (with search), thumbnails
  --clients N           upload clients (8; quick 4)
  --seconds S           length of the upload throughput window (20; quick 6)
  --uploads N           a fixed number of uploads instead of a time
  --login-seconds S     then uploads go on this long while logins are timed (20; quick 5)
  --login-rate N        logins per second in that window (5)
  --ceiling-seconds S   length of the in-process ceiling run (10; quick 4)
  --burst N             5 MiB uploads sent at once for the peak-memory figure (16)
  --gallery-rows N      image rows inserted for the gallery owner (10000)
  --gallery-queries N   first-page queries, and as many cursor-paged ones (200; quick 60)
  --thumb-seconds S     length of the thumbnail GET phase (5; quick 2)
  --thumb-clients N     concurrent thumbnail GETs (32)

Investigating:
  --env KEY=VALUE       extra environment for the server and the ceiling (repeatable)
  --cpu-prof DIR        the server writes a V8 CPU profile into DIR when it stops
  --wait-quiet S        first wait up to S seconds for other processes to leave the CPUs alone
  --node-flag FLAG      a flag for the server's node, e.g. --node-flag=--trace-gc (repeatable)
  --server-log FILE     write everything the server printed to FILE (e.g. with --node-flag=--trace-gc)
  --sqlite              run on SQLite even if MySQL is reachable
  --strict              exit 1 when a target is missed
  --max-seconds S       watchdog: stop and clean up after S seconds whatever happens (600)

Only 127.0.0.1 is contacted. The database lf_bench_<random> is created on BENCH_MYSQL_URL
(default mysql://root@127.0.0.1:3306) and dropped at the end; without MySQL the run uses SQLite
and says so.`;

interface Options {
  clients: number;
  seconds: number;
  uploads: number | undefined;
  ceilingSeconds: number;
  burst: number;
  galleryRows: number;
  galleryQueries: number;
  thumbSeconds: number;
  thumbClients: number;
  loginRate: number;
  loginSeconds: number;
  only: Phase[];
  env: Record<string, string>;
  nodeFlags: string[];
  cpuProf: string | undefined;
  waitQuiet: number;
  serverLog: string | undefined;
  sqlite: boolean;
  json: boolean;
  strict: boolean;
  maxSeconds: number;
}

class UsageError extends Error {}

function readOptions(argv: string[]): Options {
  try {
    return parseOptions(argv);
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n(npm run bench -- --help lists the options)`);
  }
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string' },
      seconds: { type: 'string' },
      uploads: { type: 'string' },
      'ceiling-seconds': { type: 'string' },
      burst: { type: 'string' },
      'gallery-rows': { type: 'string' },
      'gallery-queries': { type: 'string' },
      'thumb-seconds': { type: 'string' },
      'thumb-clients': { type: 'string' },
      'login-rate': { type: 'string' },
      'login-seconds': { type: 'string' },
      only: { type: 'string' },
      env: { type: 'string', multiple: true },
      'node-flag': { type: 'string', multiple: true },
      'cpu-prof': { type: 'string' },
      'wait-quiet': { type: 'string' },
      'server-log': { type: 'string' },
      'max-seconds': { type: 'string' },
      quick: { type: 'boolean', default: false },
      sqlite: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick;
  const num = (name: string, raw: string | undefined, fallback: number, min = 1): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return value;
  };
  return {
    clients: Math.floor(num('clients', values.clients, quick ? 4 : 8)),
    seconds: num('seconds', values.seconds, quick ? 6 : 20),
    uploads: values.uploads === undefined ? undefined : Math.floor(num('uploads', values.uploads, 0)),
    ceilingSeconds: num('ceiling-seconds', values['ceiling-seconds'], quick ? 4 : 10),
    burst: Math.floor(num('burst', values.burst, 16)),
    galleryRows: Math.floor(num('gallery-rows', values['gallery-rows'], 10_000)),
    galleryQueries: Math.floor(num('gallery-queries', values['gallery-queries'], quick ? 60 : 200)),
    thumbSeconds: num('thumb-seconds', values['thumb-seconds'], quick ? 2 : 5),
    thumbClients: Math.floor(num('thumb-clients', values['thumb-clients'], 32)),
    loginRate: num('login-rate', values['login-rate'], 5, 0.1),
    loginSeconds: num('login-seconds', values['login-seconds'], quick ? 5 : 20),
    only: phasesFrom(values.only),
    env: envFrom(values.env ?? []),
    nodeFlags: values['node-flag'] ?? [],
    cpuProf: values['cpu-prof'],
    waitQuiet: num('wait-quiet', values['wait-quiet'], 0, 0),
    serverLog: values['server-log'],
    sqlite: values.sqlite,
    json: values.json,
    strict: values.strict,
    maxSeconds: num('max-seconds', values['max-seconds'], 600, 10),
  };
}

function phasesFrom(raw: string | undefined): Phase[] {
  if (raw === undefined) return [...PHASES];
  const chosen = raw.split(',').map((p) => p.trim());
  const unknown = chosen.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`--only: unknown phase ${unknown.join(', ')} (known: ${PHASES.join(', ')})`);
  return chosen as Phase[];
}

/** --env KEY=VALUE for the server and the ceiling worker, e.g. VIPS_CONCURRENCY=1 to try a setting. */
function envFrom(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new Error(`--env wants KEY=VALUE, got ${pair}`);
    env[match[1]!] = match[2]!;
  }
  return env;
}

// ─── progress (stderr only) ──────────────────────────────────────────────────────────────────

const benchStart = performance.now();
const stamp = () => `${((performance.now() - benchStart) / 1000).toFixed(1).padStart(5)}s`;
let tickerLine = false;

function note(message: string): void {
  if (tickerLine) process.stderr.write('\n');
  tickerLine = false;
  process.stderr.write(`[bench ${stamp()}] ${message}\n`);
}

/** A status line rewritten in place on a terminal, or a line every few seconds in a log. */
function ticker(render: () => string): () => void {
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

// ─── statistics ──────────────────────────────────────────────────────────────────────────────

interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles, in milliseconds. */
function latency(samples: number[]): Latency {
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

function once<T>(f: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= f());
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round2 = (v: number) => Math.round(v * 100) / 100;

// ─── HTTP client: loopback only, keep-alive, little CPU ──────────────────────────────────────

interface HttpResult {
  status: number;
  body: Buffer;
  bytes: number;
}

interface GqlResult<T> {
  status: number;
  data: T | undefined;
  errors: Array<{ message: string; extensions?: Record<string, unknown> }> | undefined;
  raw: string;
}

class LoopbackClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  readonly port: number;

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    // The benchmark must never send its traffic anywhere else.
    if (url.hostname !== '127.0.0.1' || url.protocol !== 'http:') throw new Error(`refusing to benchmark ${baseUrl}`);
    this.port = Number(url.port);
  }

  request(
    method: string,
    pathname: string,
    headers: Record<string, string>,
    body?: Buffer,
    { keepBody = true }: { keepBody?: boolean } = {},
  ): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path: pathname,
          agent: this.agent,
          timeout: 120_000,
          headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (keepBody) chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), bytes }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${pathname} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  async gql<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<GqlResult<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await this.request('POST', '/graphql', headers, Buffer.from(JSON.stringify({ query, variables })));
    return parseGql<T>(res);
  }

  async upload(form: MultipartForm, token: string): Promise<GqlResult<{ uploadImage: { id: string } }>> {
    const res = await this.request(
      'POST',
      '/graphql',
      {
        'content-type': `multipart/form-data; boundary=${form.boundary}`,
        'apollo-require-preflight': 'true',
        authorization: `Bearer ${token}`,
      },
      form.body,
    );
    return parseGql(res);
  }

  close(): void {
    this.agent.destroy();
  }
}

function parseGql<T>(res: HttpResult): GqlResult<T> {
  const raw = res.body.toString('utf8');
  let parsed: { data?: T; errors?: GqlResult<T>['errors'] } = {};
  try {
    parsed = JSON.parse(raw) as typeof parsed;
  } catch {
    // not JSON: reported through raw
  }
  return { status: res.status, data: parsed.data ?? undefined, errors: parsed.errors, raw };
}

const errorCode = (res: GqlResult<unknown>): string =>
  String(res.errors?.[0]?.extensions?.code ?? (res.status >= 400 ? `HTTP_${res.status}` : 'NO_DATA'));

const UPLOAD_MUTATION = 'mutation Upload($file: Upload!) { uploadImage(file: $file) { id width height } }';

interface MultipartForm {
  boundary: string;
  body: Buffer;
  /** Where the photo's stamp (see withStamp) sits in the body, or -1. */
  stampAt: number;
}

/**
 * The server answers bytes a user already uploaded with that image, without processing them
 * (duplicate detection). So that every upload here is new work, each photo carries a comment
 * segment right after its start-of-image marker whose 8 bytes get a fresh counter per upload.
 */
const STAMP_OFFSET = 6;
const STAMP_SEGMENT = 12;
function withStamp(jpeg: Buffer): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe, 0x00, 0x0a]), Buffer.alloc(8), jpeg.subarray(2)]);
}

let stamps = 0;
/** A copy of the form whose photo no earlier upload had (copying ~5 MB costs well under a millisecond). */
function fresh(form: MultipartForm): MultipartForm {
  if (form.stampAt < 0) return form;
  const body = Buffer.from(form.body);
  body.writeBigUInt64BE(BigInt(++stamps), form.stampAt);
  return { ...form, body };
}

/** A graphql-multipart-request body, built once per image so clients spend no CPU on it. */
function multipartForm(file: Buffer, filename: string): MultipartForm {
  const boundary = `----lockframe-bench-${randomBytes(8).toString('hex')}`;
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head =
    field('operations', JSON.stringify({ query: UPLOAD_MUTATION, variables: { file: null } })) +
    field('map', JSON.stringify({ 0: ['variables.file'] })) +
    `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="${filename}"\r\nContent-Type: image/jpeg\r\n\r\n`;
  const stamped = file[2] === 0xff && file[3] === 0xfe && file.readUInt16BE(4) === 0x0a;
  const headBytes = Buffer.from(head);
  return {
    boundary,
    body: Buffer.concat([headBytes, file, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    stampAt: stamped ? headBytes.length + STAMP_OFFSET : -1,
  };
}

// ─── test images ─────────────────────────────────────────────────────────────────────────────

interface TestImages {
  photos: Buffer[];
  /** Exactly MAX_UPLOAD_BYTES: the largest upload the server accepts. */
  fiveMiB: Buffer;
  files: string[];
}

async function makeImages(dir: string): Promise<TestImages> {
  note(`generating ${PHOTO_QUALITIES.length} distinct 12 MP JPEGs and one of exactly 5 MiB`);
  const photos: Buffer[] = [];
  for (const quality of PHOTO_QUALITIES) photos.push(withStamp(await largeJpeg({ megapixels: 12, quality })));
  let big = await largeJpeg({ megapixels: 12, quality: 94 });
  for (let quality = 93; big.length > 5 * MiB - 16 - STAMP_SEGMENT; quality--) big = await largeJpeg({ megapixels: 12, quality });
  const fiveMiB = withStamp(padJpeg(big, 5 * MiB - STAMP_SEGMENT));
  const files: string[] = [];
  for (const [i, photo] of photos.entries()) {
    const file = path.join(dir, `photo-${i}.jpg`);
    await writeFile(file, photo);
    files.push(file);
  }
  return { photos, fiveMiB, files };
}

// ─── watching the server process ─────────────────────────────────────────────────────────────

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
function machineBusySeconds(): number {
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
class ProcessWatch {
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

const mib = (bytes: number) => Math.round(bytes / MiB);

// ─── database ────────────────────────────────────────────────────────────────────────────────

interface BenchDatabase {
  kind: 'mysql' | 'sqlite';
  label: string;
  url: string | undefined;
  fallbackReason?: string;
  drop(): Promise<void>;
}

async function createDatabase(options: Options): Promise<BenchDatabase> {
  const sqlite = (reason?: string): BenchDatabase => ({
    kind: 'sqlite',
    label: 'SQLite (embedded)',
    url: undefined,
    ...(reason ? { fallbackReason: reason } : {}),
    drop: async () => undefined,
  });
  if (options.sqlite) return sqlite();
  const base = new URL(MYSQL_BASE_URL);
  if (base.hostname !== '127.0.0.1' && base.hostname !== 'localhost') {
    throw new Error(`BENCH_MYSQL_URL must point at 127.0.0.1, not ${base.hostname}`);
  }
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({ uri: MYSQL_BASE_URL, connectTimeout: 3000 });
  } catch (error) {
    return sqlite(`${MYSQL_BASE_URL} is unreachable (${error instanceof Error ? error.message : String(error)})`);
  }
  const name = `lf_bench_${randomBytes(6).toString('hex')}`;
  const [rows] = await conn.query('select version() as v');
  const version = String((rows as Array<{ v: string }>)[0]?.v ?? '?');
  await conn.query(`create database \`${name}\` character set utf8mb4`);
  await conn.end();
  const flavour = /mariadb/i.test(version) ? 'MariaDB' : 'MySQL';
  return {
    kind: 'mysql',
    label: `${flavour} ${version.replace(/-.*/, '')} (database ${name})`,
    url: `${MYSQL_BASE_URL.replace(/\/+$/, '')}/${name}`,
    async drop() {
      const c = await mysql.createConnection({ uri: MYSQL_BASE_URL, connectTimeout: 3000 });
      await c.query(`drop database if exists \`${name}\``);
      await c.end();
    },
  };
}

// ─── the in-process ceiling ──────────────────────────────────────────────────────────────────

/** A sealed store like the server's: blobs under DATA_DIR, data keys wrapped by `masterKey`. */
async function sealedStore(blobDir: string, dataDir: string, masterKey: string): Promise<SealedStore> {
  const blobs = new LocalBlobStore(blobDir);
  await blobs.init();
  return new SealedStore(blobs, await KeyProvider.open({ masterKey, dataDir }));
}

/**
 * The ceiling: what the server does with an upload once its bytes are in memory, minus HTTP,
 * GraphQL and the database row. It calls the server's own pipeline (decode and make the
 * variants, read the metadata, make the data key, seal and write the three blobs, seal the text
 * fields), so the two cannot drift apart. No queue: the ceiling runs one job per CPU, as the
 * server's queue does by default.
 */
async function ceilingPipeline(store: SealedStore, bytes: Buffer): Promise<void> {
  const { processed, metadata } = await prepareImage(bytes, DEFAULT_IMAGE_LIMITS);
  await sealAndStore(store, { ownerId: randomUUID(), bytes, filename: 'photo.jpg', processed, metadata });
}

interface CeilingResult {
  concurrency: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
  cpuSecondsPerImage: number;
  /** Share of all CPUs other processes used meanwhile (the bench itself waits). */
  otherProcesses: number;
  latency: Latency;
  peakRssMiB?: number;
}

/** Runs inside the worker process: concurrency = CPU count, over the benchmark's photos. */
async function ceilingWorker(config: { files: string[]; dataDir: string; seconds: number }): Promise<void> {
  const photos = await Promise.all(config.files.map((file) => readFile(file)));
  const store = await sealedStore(path.join(config.dataDir, 'blobs'), config.dataDir, randomBytes(32).toString('base64'));
  const concurrency = availableParallelism();
  // Warm-up: one image per slot, so start-up costs are not counted.
  await Promise.all(photos.slice(0, concurrency).map((photo) => ceilingPipeline(store, photo)));

  const samples: number[] = [];
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const machineBefore = machineBusySeconds();
  const started = performance.now();
  const deadline = started + config.seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const photo = photos[next++ % photos.length]!;
        const t = performance.now();
        await ceilingPipeline(store, photo);
        samples.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const other = machineBusySeconds() - machineBefore - (cpu.user + cpu.system) / 1e6;
  const result: CeilingResult = {
    concurrency,
    images: samples.length,
    seconds: round2(seconds),
    imagesPerSecond: round2(samples.length / seconds),
    cpuSecondsPerImage: Math.round((cpu.user + cpu.system) / 1e3 / samples.length) / 1000,
    otherProcesses: round2(Math.max(0, other) / (seconds * availableParallelism())),
    latency: latency(samples),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Starts the ceiling in its own process, with the server's runtime settings, and watches its memory. */
async function runCeiling(files: string[], dataDir: string, seconds: number, extraEnv: Record<string, string>): Promise<CeilingResult> {
  const config = JSON.stringify({ files, dataDir, seconds });
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', BENCH_FILE, '--ceiling-worker', config], {
    cwd: SERVER_DIR,
    env: { ...process.env, ...RUNTIME_ENV, ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const watch = new ProcessWatch(child.pid!);
  watch.start();
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const peak = watch.peak();
  watch.stop();
  if (code !== 0) throw new Error(`the ceiling worker failed (exit ${code}):\n${out}`);
  const result = JSON.parse(out.trim().split('\n').at(-1)!) as CeilingResult;
  return { ...result, peakRssMiB: mib(peak) };
}

// ─── accounts ────────────────────────────────────────────────────────────────────────────────

interface Account {
  id: string;
  username: string;
  password: string;
  token: string;
}

/** Distinct users for the logins under load (the server's registration limit allows 10 an hour per address). */
const LOGIN_ACCOUNTS = 4;
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { token user { id } } }';

async function createAccount(client: LoopbackClient, orm: Orm, label: string): Promise<Account> {
  const username = `bench_${label}_${randomBytes(3).toString('hex')}`;
  const password = `Bench-${randomBytes(12).toString('base64url')}-7q!`;
  const reg = await client.gql('mutation($input: RegisterInput!) { register(input: $input) { id } }', {
    input: { username, email: `${username}@example.com`, password },
  });
  if (reg.errors) throw new Error(`register failed: ${reg.raw}`);
  let login = await client.gql<{ login: { token: string; user: { id: string } } }>(LOGIN, { input: { username, password } });
  if (errorCode(login) === 'EMAIL_NOT_VERIFIED') {
    // Nobody reads the bench's mail: mark the address verified, as clicking the link would.
    await orm.em.fork().nativeUpdate(User, { username }, { emailVerified: true });
    login = await client.gql(LOGIN, { input: { username, password } });
  }
  if (!login.data?.login) throw new Error(`login failed: ${login.raw}`);
  return { id: login.data.login.user.id, username, password, token: login.data.login.token };
}

/**
 * Starts `job(k)` at a steady rate until stopped: open loop, so a slow answer does not delay the
 * next one (users do not wait for each other), and the jobs' own CPU stays a small, known share
 * instead of competing with the uploads as hard as it can.
 */
async function steadily(perSecond: number, stop: { done: boolean }, job: (k: number) => Promise<void>): Promise<void> {
  const inFlight: Array<Promise<void>> = [];
  const t0 = performance.now();
  for (let k = 0; !stop.done; k++) {
    const wait = t0 + (k * 1000) / perSecond - performance.now();
    if (wait > 0) await sleep(wait);
    if (stop.done) break;
    inFlight.push(job(k));
  }
  await Promise.all(inFlight);
}

/** The accounts take turns: the server throttles parallel attempts on one account, and that limiter is not what is measured. */
function loginLoop(
  client: LoopbackClient,
  accounts: Account[],
  perSecond: number,
  stop: { done: boolean },
  samples: number[],
  errors: Map<string, number>,
): Promise<void> {
  return steadily(perSecond, stop, async (k) => {
    const account = accounts[k % accounts.length]!;
    const t = performance.now();
    const res = await client.gql<{ login: { token: string } }>(LOGIN, {
      input: { username: account.username, password: account.password },
    });
    if (res.data?.login) samples.push(performance.now() - t);
    else count(errors, errorCode(res));
  });
}

/**
 * The cheapest GraphQL request there is (no token, so no database): its latency is the time a
 * request waits for the server's event loop, which every login step pays too.
 */
function probeLoop(client: LoopbackClient, perSecond: number, stop: { done: boolean }, samples: number[]): Promise<void> {
  return steadily(perSecond, stop, async () => {
    const t = performance.now();
    const res = await client.gql<{ __typename: string }>('{ __typename }', {});
    if (res.data?.__typename) samples.push(performance.now() - t);
  });
}

// ─── phases ──────────────────────────────────────────────────────────────────────────────────

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

interface UploadPhase {
  clients: number;
  uploads: number;
  seconds: number;
  uploadsPerSecond: number;
  latency: Latency;
  errors: Record<string, number>;
  busyRetries: number;
  peakRssMiB: number;
  serverCpuSecondsPerUpload: number;
  cpu: CpuShares;
  /** The second window: uploads go on while logins are timed. */
  underLogins: { seconds: number; uploads: number; uploadsPerSecond: number; cpu: CpuShares };
  login: Latency;
  loginErrors: Record<string, number>;
  /** `{ __typename }`: the wait for the event loop alone. */
  probe: Latency;
  ids: string[];
}

interface UploadLoad {
  samples: number[];
  ids: string[];
  errors: Map<string, number>;
  busyRetries: number;
}

/** `clients` uploaders, each sending its next photo as soon as the last one is answered, while `more()` says so. */
async function uploadLoad(
  client: LoopbackClient,
  uploader: Account,
  forms: MultipartForm[],
  clients: number,
  more: (started: number) => boolean,
  load: UploadLoad,
): Promise<void> {
  let started = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (more(started)) {
        const form = fresh(forms[started++ % forms.length]!);
        const t = performance.now();
        const res = await client.upload(form, uploader.token);
        const id = res.data?.uploadImage?.id;
        if (id) {
          load.samples.push(performance.now() - t);
          load.ids.push(id);
          continue;
        }
        const code = errorCode(res);
        if (code === 'SERVER_BUSY') {
          // Refused before any work: a client retries it, so it does not count as an upload.
          load.busyRetries++;
          started--;
          await sleep(1000 * Number(res.errors?.[0]?.extensions?.retryAfterSeconds ?? 2));
          continue;
        }
        count(load.errors, code);
        if (++failures > 20) {
          throw new Error(`uploads keep failing: ${res.raw.slice(0, 500)}`);
        }
      }
    }),
  );
}

/**
 * Two windows. First the throughput: N clients upload and nothing else happens, as in the
 * ceiling, so the two rates compare like for like. Then the uploads go on while one more client
 * logs in over and over: the login latency while uploads saturate the CPU.
 */
async function uploadPhase(
  client: LoopbackClient,
  watch: ProcessWatch,
  uploader: Account,
  loginAccounts: Account[],
  forms: MultipartForm[],
  options: Options,
): Promise<UploadPhase> {
  const load: UploadLoad = { samples: [], ids: [], errors: new Map(), busyRetries: 0 };
  const loginSamples: number[] = [];
  const loginErrors = new Map<string, number>();
  const probeSamples: number[] = [];
  let window = 'throughput';
  let t0 = performance.now();
  let doneBefore = 0;
  const stopTicker = ticker(
    () =>
      `uploads (${window}): ${load.samples.length - doneBefore} done, ` +
      `${((load.samples.length - doneBefore) / ((performance.now() - t0) / 1000)).toFixed(2)}/s, ` +
      `${loginSamples.length} logins, server RSS ${mib(watch.rss())} MiB`,
  );
  try {
    watch.mark();
    const deadline = t0 + options.seconds * 1000;
    await uploadLoad(
      client,
      uploader,
      forms,
      options.clients,
      (started) => (options.uploads !== undefined ? started < options.uploads : performance.now() < deadline),
      load,
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = watch.cpuSinceMark();
    const shares = watch.shares();
    const uploads = load.samples.length;
    const throughput = {
      clients: options.clients,
      uploads,
      seconds: round2(seconds),
      uploadsPerSecond: round2(uploads / seconds),
      latency: latency(load.samples),
      serverCpuSecondsPerUpload: Math.round((1000 * cpu) / Math.max(1, uploads)) / 1000,
      cpu: shares,
    };

    window = 'with logins';
    doneBefore = uploads;
    const peakSoFar = watch.peak();
    watch.mark();
    t0 = performance.now();
    const loginDeadline = t0 + options.loginSeconds * 1000;
    const stopLogins = { done: false };
    const logins = loginLoop(client, loginAccounts, options.loginRate, stopLogins, loginSamples, loginErrors);
    const probes = probeLoop(client, 5, stopLogins, probeSamples);
    try {
      await uploadLoad(client, uploader, forms, options.clients, () => performance.now() < loginDeadline, load);
    } finally {
      stopLogins.done = true;
      await Promise.all([logins, probes]);
    }
    const loginWindow = (performance.now() - t0) / 1000;
    const uploadsUnderLogins = load.samples.length - uploads;
    return {
      ...throughput,
      errors: Object.fromEntries(load.errors),
      busyRetries: load.busyRetries,
      peakRssMiB: mib(Math.max(peakSoFar, watch.peak())),
      underLogins: {
        seconds: round2(loginWindow),
        uploads: uploadsUnderLogins,
        uploadsPerSecond: round2(uploadsUnderLogins / loginWindow),
        cpu: watch.shares(),
      },
      login: latency(loginSamples),
      loginErrors: Object.fromEntries(loginErrors),
      probe: latency(probeSamples),
      ids: load.ids,
    };
  } finally {
    stopTicker();
  }
}

interface BurstPhase {
  uploads: number;
  fileBytes: number;
  ok: number;
  busyRetries: number;
  errors: Record<string, number>;
  seconds: number;
  peakRssMiB: number;
  idleRssMiB: number;
}

/** `n` uploads of exactly 5 MiB sent at the same moment; SERVER_BUSY is retried as a client would. */
async function burstPhase(client: LoopbackClient, watch: ProcessWatch, account: Account, file: Buffer, n: number): Promise<BurstPhase> {
  const form = multipartForm(file, 'five-mib.jpg');
  const errors = new Map<string, number>();
  let ok = 0;
  let busyRetries = 0;
  await sleep(500);
  const idle = watch.rss();
  watch.mark();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async () => {
      const mine = fresh(form);
      for (let attempt = 0; attempt < 30; attempt++) {
        const res = await client.upload(mine, account.token);
        if (res.data?.uploadImage?.id) return void ok++;
        const code = errorCode(res);
        if (code !== 'SERVER_BUSY') return void count(errors, code);
        busyRetries++;
        await sleep(1000 * Number(res.errors?.[0]?.extensions?.retryAfterSeconds ?? 2));
      }
      count(errors, 'GAVE_UP_BUSY');
    }),
  );
  return {
    uploads: n,
    fileBytes: file.length,
    ok,
    busyRetries,
    errors: Object.fromEntries(errors),
    seconds: round2((performance.now() - t0) / 1000),
    peakRssMiB: mib(watch.peak()),
    idleRssMiB: mib(idle),
  };
}

/** A filler for a column galleryRow does not know yet, from its type. */
function plausibleValue(prop: EntityProperty<Image>): unknown {
  switch (prop.runtimeType) {
    case 'number':
      return 0;
    case 'bigint':
      return 0n;
    case 'boolean':
      return false;
    case 'Date':
      return new Date();
    case 'Buffer':
      return randomBytes(Math.min(prop.length ?? 32, 64));
    case 'object':
    case 'any':
      return {};
    default:
      return randomBytes(8).toString('hex').slice(0, Math.max(1, Math.min(prop.length ?? 16, 16)));
  }
}

/**
 * One image row as an upload would leave it — rows only, no blobs. Sealed fields are sealed for
 * real under a fresh data key wrapped by the server's master key, so the gallery opens them
 * exactly as it opens uploaded images. Built from the entity's metadata so it keeps up with new
 * columns: known ones get plausible values, nullable ones null, the rest a filler of their type.
 */
async function galleryRow(
  meta: EntityMetadata<Image>,
  store: SealedStore,
  ownerId: string,
  i: number,
  newest: number,
): Promise<RequiredEntityData<Image>> {
  const id = randomUUID();
  const filename = `IMG_${String(20_000 + i)}.jpg`;
  const key = await store.newImageKey(id, ownerId);
  const search: SearchDoc = { n: filename.toLowerCase(), c: 'lockframe bench camera', t: null };
  const known: Record<string, unknown> = {
    id,
    owner: ownerId,
    filenameSealed: store.sealField(key.dek, id, 'filename', filename),
    metadataSealed: null,
    searchSealed: store.sealField(key.dek, id, 'search', JSON.stringify(search)),
    wrappedKey: key.wrappedKey,
    keyId: key.keyId,
    mimeType: 'image/jpeg',
    width: 4000,
    height: 3000,
    frames: 1,
    byteSize: 3_000_000 + ((i * 7919) % 2_000_000),
    storageId: randomUUID(),
    displayMimeType: 'image/jpeg',
    thumbnailMimeType: 'image/webp',
    // One photo a minute going back from now: distinct times, as real uploads have.
    createdAt: new Date(newest - i * 60_000),
  };
  const row: Record<string, unknown> = {};
  for (const prop of meta.props) {
    if (prop.persist === false || prop.formula) continue;
    if (prop.name in known) {
      row[prop.name] = known[prop.name];
      continue;
    }
    if (prop.kind !== 'scalar') {
      if (prop.kind === 'm:1' && !prop.nullable) throw new Error(`bench: no value for the new relation Image.${prop.name}`);
      continue;
    }
    if (prop.nullable) row[prop.name] = null;
    else if (prop.default === undefined && !prop.onCreate) row[prop.name] = plausibleValue(prop);
  }
  return row as RequiredEntityData<Image>;
}

interface GalleryPhase {
  rows: number;
  insertSeconds: number;
  firstPage: Latency;
  cursorPages: Latency;
  totalCount: number;
  serverCpuMsPerQuery: number;
  cpu: CpuShares;
  /** images(filter: { filename }) over the same rows: the first opens the search index, then it is cached. */
  searchColdMs: number;
  searchWarm: Latency;
}

const GALLERY_QUERY = `query Gallery($first: Int, $after: String) {
  images(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id filename mimeType width height byteSize createdAt url thumbnailUrl originalUrl }
  }
}`;

const SEARCH_QUERY = `query Search($filter: ImageFilter) {
  images(first: 24, filter: $filter) { totalCount nodes { id filename } }
}`;
/** galleryRow names its images IMG_20000.jpg, IMG_20001.jpg, …: this matches IMG_29990 to IMG_29999. */
const SEARCH_TEXT = 'img_2999';

interface GalleryData {
  images: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: unknown[] };
}

async function galleryPhase(
  client: LoopbackClient,
  watch: ProcessWatch,
  orm: Orm,
  store: SealedStore,
  owner: Account,
  options: Options,
): Promise<GalleryPhase> {
  const meta = orm.getMetadata().get(Image);
  const em = orm.em.fork();
  const newest = Date.now() - 60_000;
  const t0 = performance.now();
  const CHUNK = 1000;
  for (let start = 0; start < options.galleryRows; start += CHUNK) {
    const rows: RequiredEntityData<Image>[] = [];
    for (let i = start; i < Math.min(start + CHUNK, options.galleryRows); i++) {
      rows.push(await galleryRow(meta, store, owner.id, i, newest));
    }
    await em.insertMany(Image, rows);
  }
  const insertSeconds = round2((performance.now() - t0) / 1000);
  note(`inserted ${options.galleryRows} image rows in ${insertSeconds} s; timing gallery pages`);

  const page = async (after: string | null) => {
    const t = performance.now();
    const res = await client.gql<GalleryData>(GALLERY_QUERY, { first: 24, after }, owner.token);
    const ms = performance.now() - t;
    if (!res.data?.images || res.data.images.nodes.length === 0 || res.errors) {
      throw new Error(`gallery query failed: ${res.raw.slice(0, 500)}`);
    }
    if (res.raw.includes('failed integrity check')) throw new Error('gallery rows do not open: the bench sealed them wrongly');
    return { ms, images: res.data.images };
  };
  const search = async () => {
    const t = performance.now();
    const res = await client.gql<{ images: { totalCount: number; nodes: Array<{ filename: string }> } }>(
      SEARCH_QUERY,
      { filter: { filename: SEARCH_TEXT } },
      owner.token,
    );
    const ms = performance.now() - t;
    const names = res.data?.images.nodes.map((n) => n.filename) ?? [];
    if (res.errors || res.data?.images.totalCount !== 10 || !names.every((n) => n.toLowerCase().startsWith(SEARCH_TEXT))) {
      throw new Error(`search answered wrongly: ${res.raw.slice(0, 500)}`);
    }
    return ms;
  };
  const searchColdMs = await search();
  const searchWarm: number[] = [];
  for (let i = 0; i < 50; i++) searchWarm.push(await search());

  for (let i = 0; i < 20; i++) await page(null); // warm-up

  const first: number[] = [];
  let totalCount = 0;
  watch.mark();
  for (let i = 0; i < options.galleryQueries; i++) {
    const { ms, images } = await page(null);
    first.push(ms);
    totalCount = images.totalCount;
  }
  const paged: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < options.galleryQueries; i++) {
    const { ms, images } = await page(cursor);
    if (cursor !== null) paged.push(ms);
    else i--; // the first page of each walk is not a cursor query
    cursor = images.pageInfo.hasNextPage ? images.pageInfo.endCursor : null;
  }
  return {
    rows: options.galleryRows,
    insertSeconds,
    firstPage: latency(first),
    cursorPages: latency(paged),
    totalCount,
    serverCpuMsPerQuery: round2((1000 * watch.cpuSinceMark()) / (first.length + paged.length)),
    cpu: watch.shares(),
    searchColdMs: Math.round(searchColdMs),
    searchWarm: latency(searchWarm),
  };
}

interface ThumbnailPhase {
  clients: number;
  images: number;
  requests: number;
  seconds: number;
  perSecond: number;
  latency: Latency;
  errors: Record<string, number>;
  serverCpuMsPerRequest: number;
  cpu: CpuShares;
}

async function thumbnailPhase(
  client: LoopbackClient,
  watch: ProcessWatch,
  account: Account,
  ids: string[],
  options: Options,
): Promise<ThumbnailPhase> {
  const targets = ids.slice(0, 50);
  const headers = { authorization: `Bearer ${account.token}` };
  const probe = await client.request('GET', `/media/${targets[0]}/thumbnail`, headers);
  if (probe.status !== 200 || probe.bytes === 0) throw new Error(`thumbnail GET answered ${probe.status}`);
  const samples: number[] = [];
  const errors = new Map<string, number>();
  let next = 0;
  watch.mark();
  const t0 = performance.now();
  const deadline = t0 + options.thumbSeconds * 1000;
  const requestFor = (id: string) =>
    Buffer.from(`GET /media/${id}/thumbnail HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${headers.authorization}\r\n\r\n`, 'latin1');
  const requests = targets.map(requestFor);
  await Promise.all(
    Array.from({ length: options.thumbClients }, () =>
      rawGetLoop(client.port, () => requests[next++ % requests.length]!, deadline, (status, ms) => {
        if (status === 200) samples.push(ms);
        else count(errors, `HTTP_${status}`);
      }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = watch.cpuSinceMark();
  return {
    clients: options.thumbClients,
    serverCpuMsPerRequest: round2((1000 * serverCpu) / Math.max(1, samples.length)),
    cpu: watch.shares(),
    images: targets.length,
    requests: samples.length,
    seconds: round2(seconds),
    perSecond: Math.round(samples.length / seconds),
    latency: latency(samples),
    errors: Object.fromEntries(errors),
  };
}

/**
 * GETs over one keep-alive connection until the deadline, as cheaply as a client can: the request
 * bytes are made once and the answer is parsed only for its status and Content-Length. Node's
 * http client costs ~0.5 ms of CPU per request, which on a small machine takes CPU the server
 * being measured would otherwise have.
 */
function rawGetLoop(
  port: number,
  nextRequest: () => Buffer,
  deadline: number,
  onAnswer: (status: number, ms: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    let sentAt = 0;
    const send = () => {
      if (performance.now() >= deadline) {
        socket.end();
        return resolve();
      }
      sentAt = performance.now();
      socket.write(nextRequest());
    };
    socket.on('connect', send);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        const headerEnd = pending.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const head = pending.toString('latin1', 0, headerEnd);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (!length) {
          socket.destroy();
          return reject(new Error(`thumbnail answer without Content-Length (status ${status})`));
        }
        const total = headerEnd + 4 + Number(length[1]);
        if (pending.length < total) return;
        pending = pending.subarray(total);
        onAnswer(status, performance.now() - sentAt);
        if (/\r\nconnection:\s*close/i.test(head)) {
          socket.destroy();
          return resolve();
        }
        send();
      }
    });
    socket.on('error', reject);
  });
}

function uploadSummary(u: Omit<UploadPhase, 'ids'>, ceiling: CeilingResult | null): NonNullable<Report['uploads']> {
  return {
    ...u,
    ratioToCeiling: ceiling ? round2(u.uploadsPerSecond / ceiling.imagesPerSecond) : null,
    cpuEfficiencyToCeiling: ceiling ? round2(ceiling.cpuSecondsPerImage / u.serverCpuSecondsPerUpload) : null,
  };
}

// ─── report ──────────────────────────────────────────────────────────────────────────────────

interface Target {
  name: string;
  value: number | null;
  unit: string;
  target: string;
  /** null when the phase did not run. */
  pass: boolean | null;
}

interface Report {
  when: string;
  environment: {
    cpus: number;
    cpuModel: string;
    node: string;
    loadAverageAtStart: number[];
    database: string;
    databaseFallback?: string;
    serverEnv: Record<string, string>;
    serverNodeFlags: string[];
    images: { count: number; megapixels: number; sizesMB: number[] };
  };
  startRssMiB: number;
  loginRate: number;
  loginIdle: Latency;
  /** Server CPU per login, measured on the idle logins. */
  loginCpuMs: number;
  ceiling: CeilingResult | null;
  uploads:
    | (Omit<UploadPhase, 'ids'> & {
        ratioToCeiling: number | null;
        /** Ceiling CPU per image ÷ server CPU per upload: the ratio the throughputs would have on an idle machine. */
        cpuEfficiencyToCeiling: number | null;
      })
    | null;
  burst: BurstPhase | null;
  gallery: GalleryPhase | null;
  thumbnails: ThumbnailPhase | null;
  shutdown: Shutdown;
  serverLog: { warnings: number; errors: number };
  targets: Target[];
}

interface Shutdown {
  seconds: number;
  /** null when it had to be killed. */
  exitCode: number | null;
}

const TARGET = {
  throughput: 'Upload throughput ≥ 0.9 × in-process ceiling',
  rss: 'Peak RSS, concurrent 5 MiB uploads',
  login: 'Login p99 under upload load',
  gallery: 'Gallery page p99',
  thumbnails: 'Thumbnail GETs',
} as const;

function targetsOf(r: Omit<Report, 'targets'>): Target[] {
  const floor = r.ceiling ? 0.9 * r.ceiling.imagesPerSecond : null;
  const galleryP99 = r.gallery ? Math.max(r.gallery.firstPage.p99, r.gallery.cursorPages.p99) : null;
  const check = (value: number | null | undefined, ok: (v: number) => boolean) =>
    value === null || value === undefined ? null : ok(value);
  return [
    {
      name: TARGET.throughput,
      value: r.uploads?.uploadsPerSecond ?? null,
      unit: 'uploads/s',
      target: floor === null ? '≥ 0.9 × ceiling' : `≥ ${floor.toFixed(2)}/s`,
      pass: floor === null ? null : check(r.uploads?.uploadsPerSecond, (v) => v >= floor),
    },
    {
      name: TARGET.rss,
      value: r.burst?.peakRssMiB ?? null,
      unit: 'MiB',
      target: '≤ 512 MiB',
      pass: check(r.burst?.peakRssMiB, (v) => v <= 512 && r.burst!.ok === r.burst!.uploads),
    },
    {
      name: TARGET.login,
      value: r.uploads?.login.p99 ?? null,
      unit: 'ms',
      target: '≤ 250 ms',
      pass: check(r.uploads?.login.p99, (v) => r.uploads!.login.count > 0 && v <= 250),
    },
    { name: TARGET.gallery, value: galleryP99, unit: 'ms', target: '≤ 25 ms', pass: check(galleryP99, (v) => v <= 25) },
    {
      name: TARGET.thumbnails,
      value: r.thumbnails?.perSecond ?? null,
      unit: '/s',
      target: '≥ 1,500/s',
      pass: check(r.thumbnails?.perSecond, (v) => v >= 1500),
    },
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  return rows
    .map((row, i) => {
      const line = row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
      return i === 0 ? `${line}\n${widths.map((w) => '─'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

const fmt = (v: number, digits = 0) =>
  Number.isFinite(v) ? v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–';
const ms = (l: Latency) => `${fmt(l.p50)} / ${fmt(l.p99)} ms`;
const cpuText = (c: CpuShares) =>
  `server ${Math.round(c.server * 100)}%, db ${Math.round(c.database * 100)}%, bench ${Math.round(c.benchClient * 100)}%, other ${Math.round(c.otherProcesses * 100)}%`;
const errorsText = (e: Record<string, number>) =>
  Object.keys(e).length ? Object.entries(e).map(([k, v]) => `${k}×${v}`).join(', ') : '';
const join = (...parts: Array<string | false | undefined>) => parts.filter(Boolean).join('; ');

/** Phases during which other processes took this share of the CPUs or more are flagged. */
const NOISY = 0.15;

function render(r: Report): string {
  const noisy: Record<string, boolean> = {
    [TARGET.throughput]: (r.ceiling?.otherProcesses ?? 0) >= NOISY || (r.uploads?.cpu.otherProcesses ?? 0) >= NOISY,
    [TARGET.login]: (r.uploads?.cpu.otherProcesses ?? 0) >= NOISY,
    [TARGET.gallery]: (r.gallery?.cpu.otherProcesses ?? 0) >= NOISY,
    [TARGET.thumbnails]: (r.thumbnails?.cpu.otherProcesses ?? 0) >= NOISY,
  };
  const verdict = (name: string) => {
    const t = r.targets.find((x) => x.name === name)!;
    const result = t.pass === null ? 'skipped' : t.pass ? 'PASS' : 'MISS';
    return [t.target, noisy[name] && t.pass !== null ? `${result} (noisy)` : result];
  };
  const rows: string[][] = [['Figure', 'Value', 'Target', 'Result', 'Notes']];
  const c = r.ceiling;
  if (c) {
    rows.push([
      'In-process ceiling (process + metadata + seal + 3 writes)',
      `${fmt(c.imagesPerSecond, 2)} images/s`,
      '',
      '',
      join(
        `concurrency ${c.concurrency}, ${c.images} images, ${fmt(c.cpuSecondsPerImage, 3)} CPU-s/image, latency p50 ${fmt(c.latency.p50)} ms, peak RSS ${c.peakRssMiB} MiB`,
        c.otherProcesses >= 0.05 && `other processes ${Math.round(c.otherProcesses * 100)}%`,
      ),
    ]);
  }
  const u = r.uploads;
  if (u) {
    rows.push(
      [
        `HTTP uploads, ${u.clients} clients`,
        `${fmt(u.uploadsPerSecond, 2)} uploads/s`,
        ...verdict(TARGET.throughput),
        join(
          `${u.uploads} in ${fmt(u.seconds, 1)} s`,
          `${fmt(u.serverCpuSecondsPerUpload, 3)} server CPU-s/upload`,
          u.busyRetries > 0 && `${u.busyRetries} SERVER_BUSY retried`,
          errorsText(u.errors) && `errors ${errorsText(u.errors)}`,
        ),
      ],
      [
        '  ratio HTTP / in-process',
        u.ratioToCeiling === null ? '–' : fmt(u.ratioToCeiling, 2),
        '≥ 0.90',
        '',
        u.cpuEfficiencyToCeiling === null ? '' : `CPU per image: ceiling / HTTP = ${fmt(u.cpuEfficiencyToCeiling, 2)}`,
      ],
      ['  CPU use during uploads', cpuText(u.cpu), '', '', 'shares of all CPUs'],
      ['  upload latency p50 / p99', ms(u.latency), '', '', `max ${fmt(u.latency.max)} ms`],
      ['  server peak RSS during uploads', `${u.peakRssMiB} MiB`, '', '', `${r.startRssMiB} MiB after start`],
      [
        '  uploads while logins are timed',
        `${fmt(u.underLogins.uploadsPerSecond, 2)} uploads/s`,
        '',
        '',
        join(`${u.underLogins.uploads} in ${fmt(u.underLogins.seconds, 1)} s`, cpuText(u.underLogins.cpu)),
      ],
    );
  }
  const b = r.burst;
  if (b) {
    rows.push([
      `Peak RSS, ${b.uploads} × 5 MiB at once`,
      `${b.peakRssMiB} MiB`,
      ...verdict(TARGET.rss),
      join(
        `${b.idleRssMiB} MiB just before`,
        `${b.ok}/${b.uploads} stored in ${fmt(b.seconds, 1)} s`,
        b.busyRetries > 0 && `${b.busyRetries} SERVER_BUSY retried`,
        errorsText(b.errors) && `errors ${errorsText(b.errors)}`,
      ),
    ]);
  }
  rows.push(['Login p50 / p99, idle', ms(r.loginIdle), '', '', `${r.loginIdle.count} logins, ${fmt(r.loginCpuMs)} server CPU-ms each`]);
  if (u) {
    rows.push([
      'Login p50 / p99 under upload load',
      ms(u.login),
      ...verdict(TARGET.login),
      join(`${u.login.count} logins at ${r.loginRate}/s, max ${fmt(u.login.max)} ms`, errorsText(u.loginErrors) && `errors ${errorsText(u.loginErrors)}`),
    ]);
    rows.push(['  { __typename } p50 / p99, same time', ms(u.probe), '', '', 'no database, no argon2: the wait for the event loop']);
  }
  const g = r.gallery;
  if (g) {
    rows.push(
      [
        'Gallery first page p50 / p99',
        ms(g.firstPage),
        ...verdict(TARGET.gallery),
        `${g.firstPage.count} × images(first: 24), totalCount ${g.totalCount.toLocaleString('en')}, max ${fmt(g.firstPage.max, 1)} ms`,
      ],
      [
        'Gallery cursor pages p50 / p99',
        ms(g.cursorPages),
        '',
        '',
        `${g.cursorPages.count} paged queries, max ${fmt(g.cursorPages.max, 1)} ms`,
      ],
      ['  CPU use during gallery queries', cpuText(g.cpu), '', '', `${fmt(g.serverCpuMsPerQuery, 1)} server CPU-ms/query`],
      [
        `Search by file name, ${g.rows.toLocaleString('en')} images`,
        `${fmt(g.searchColdMs)} ms cold`,
        '',
        '',
        `the first search opens the user's index; then p50 / p99 ${ms(g.searchWarm)} (${g.searchWarm.count} searches)`,
      ],
    );
  }
  const t = r.thumbnails;
  if (t) {
    rows.push(
      [
        'Thumbnail GETs',
        `${fmt(t.perSecond)}/s`,
        ...verdict(TARGET.thumbnails),
        join(
          `${t.clients} concurrent, ${t.images} images, p50 / p99 ${ms(t.latency)}`,
          errorsText(t.errors) && `errors ${errorsText(t.errors)}`,
        ),
      ],
      ['  CPU use during GETs', cpuText(t.cpu), '', '', `${fmt(t.serverCpuMsPerRequest, 2)} server CPU-ms/GET`],
    );
  }
  const e = r.environment;
  const header = [
    `Lockframe benchmark — ${r.when}`,
    `${e.cpus} CPUs (${e.cpuModel}), Node ${e.node}, load average at start ${e.loadAverageAtStart.join(' ')}, ${e.database}`,
    ...(e.databaseFallback ? [`NOTE: MySQL was not used — ${e.databaseFallback}; this run is on SQLite.`] : []),
    `Server env: ${Object.entries(e.serverEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}; node flags: ${e.serverNodeFlags.join(' ') || 'none'}`,
    `Photos: ${e.images.count} × ${e.images.megapixels} MP JPEG (${e.images.sizesMB.join(', ')} MB) + one of exactly 5 MiB`,
    ...(r.serverLog.errors ? [`The server logged ${r.serverLog.errors} error line(s) during the run.`] : []),
  ];
  const down = r.shutdown;
  const shutdownLine =
    down.exitCode === 0 && down.seconds < 5
      ? `Graceful shutdown: ${fmt(down.seconds, 1)} s, exit 0.`
      : `Graceful shutdown did not complete cleanly: SIGTERM → ${down.exitCode === null ? 'killed' : `exit ${down.exitCode}`} after ${fmt(down.seconds, 1)} s.`;
  const ran = r.targets.filter((x) => x.pass !== null);
  const misses = ran.filter((x) => !x.pass).length;
  const summary = misses ? `${misses} of ${ran.length} targets missed.` : `All ${ran.length} targets met.`;
  const other = Object.values(noisy).some(Boolean)
    ? `\n(noisy): other processes on this machine took ${NOISY * 100}% of the CPUs or more during that phase ("other" above), so its figure is unreliable.`
    : '';
  return `${header.join('\n')}\n\n${table(rows)}\n\n${summary}${other}\n${shutdownLine}\n`;
}

/** Waits until other processes use under 15% of the CPUs for five seconds running, or gives up. */
async function waitForQuiet(seconds: number): Promise<void> {
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

// ─── main ────────────────────────────────────────────────────────────────────────────────────

const PHASES = ['ceiling', 'uploads', 'burst', 'gallery', 'thumbnails'] as const;
type Phase = (typeof PHASES)[number];

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2));
  if (!ProcessWatch.available()) throw new Error('the benchmark reads /proc and needs Linux');
  const runs = (phase: Phase) => options.only.includes(phase);
  const loadAverageAtStart = loadavg().map((v) => round2(v));
  const cleanups: Array<() => Promise<unknown>> = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const step of cleanups.reverse()) await step().catch((error: unknown) => note(`cleanup: ${String(error)}`));
    })());
  const abort = (why: string, code: number) => {
    note(why);
    void cleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted; cleaning up', 130));
  process.once('SIGTERM', () => abort('terminated; cleaning up', 143));
  const watchdog = setTimeout(() => abort(`the run exceeded --max-seconds ${options.maxSeconds}; stopping`, 1), options.maxSeconds * 1000);
  watchdog.unref();

  try {
    if (options.waitQuiet > 0) await waitForQuiet(options.waitQuiet);
    const workDir = await mkdtemp(path.join(tmpdir(), 'lockframe-bench-'));
    cleanups.push(() => rm(workDir, { recursive: true, force: true }));
    const images = await makeImages(workDir);
    const forms = images.photos.map((photo, i) => multipartForm(photo, `photo-${i}.jpg`));

    let ceiling: CeilingResult | null = null;
    if (runs('ceiling')) {
      note(`in-process ceiling: the upload pipeline without HTTP or database, concurrency ${availableParallelism()}, ${options.ceilingSeconds} s`);
      const ceilingDir = path.join(workDir, 'ceiling');
      await mkdir(ceilingDir);
      ceiling = await runCeiling(images.files, ceilingDir, options.ceilingSeconds, options.env);
      await rm(ceilingDir, { recursive: true, force: true });
      note(`ceiling: ${ceiling.imagesPerSecond} images/s`);
    }

    const db = await createDatabase(options);
    cleanups.push(() => db.drop());
    if (db.fallbackReason) note(`MySQL unavailable, falling back to SQLite: ${db.fallbackReason}`);
    const dataDir = path.join(workDir, 'data');
    const masterKey = randomBytes(32).toString('base64');
    const shownEnv = { ...RUNTIME_ENV, LOG_LEVEL: 'warn', NODE_ENV: 'production', ...options.env };
    const serverEnv: Record<string, string> = {
      ...shownEnv,
      DATA_DIR: dataDir,
      CLIENT_DIR: path.join(workDir, 'no-client'),
      LOCKFRAME_MASTER_KEY: masterKey,
      ...(db.url ? { DATABASE_URL: db.url } : {}),
      ...(options.cpuProf ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(options.cpuProf)}` } : {}),
    };
    note(`starting the server on ${db.label}`);
    const server: ServerProcess = await spawnServer(serverEnv, { nodeArgs: options.nodeFlags, built: true });
    let shutdown: Shutdown | undefined;
    const stopServer = async (): Promise<Shutdown> => {
      const t = performance.now();
      const code = await Promise.race([server.stop('SIGTERM'), sleep(15_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') await server.stop('SIGKILL');
      return (shutdown ??= { seconds: round2((performance.now() - t) / 1000), exitCode: code === 'timeout' ? null : code });
    };
    cleanups.push(stopServer);
    const client = new LoopbackClient(server.url);
    cleanups.push(async () => client.close());
    const watch = new ProcessWatch(server.child.pid!);
    watch.start();
    cleanups.push(async () => watch.stop());
    const startRssMiB = mib(watch.rss());

    // The same database, opened the way the server opens it, for rows the bench inserts directly.
    const orm = await openDatabase(loadEnv({ DATA_DIR: dataDir, ...(db.url ? { DATABASE_URL: db.url } : {}) }));
    const closeOrm = once(() => orm.close(true));
    cleanups.push(closeOrm);

    const uploader = await createAccount(client, orm, 'up');
    const loginUsers: Account[] = [];
    for (let i = 0; i < LOGIN_ACCOUNTS; i++) loginUsers.push(await createAccount(client, orm, `login${i}`));
    const loginUser = loginUsers[0]!;

    note('login latency, idle');
    const idleLogins: number[] = [];
    for (let i = 0; i < 30; i++) {
      if (i === 5) watch.mark(); // the first few warm up
      const t = performance.now();
      const res = await client.gql(LOGIN, { input: { username: loginUser.username, password: loginUser.password } });
      if (!res.data) throw new Error(`login failed: ${res.raw}`);
      idleLogins.push(performance.now() - t);
    }
    const loginIdle = latency(idleLogins.slice(5));
    const loginCpuMs = round2((1000 * watch.cpuSinceMark()) / loginIdle.count);

    // Warm-up: the first uploads pay for lazy initialisation in the server.
    const uploadedIds: string[] = [];
    for (const form of forms) {
      const res = await client.upload(fresh(form), uploader.token);
      if (!res.data?.uploadImage) throw new Error(`warm-up upload failed: ${res.raw}`);
      uploadedIds.push(res.data.uploadImage.id);
    }

    let uploads: UploadPhase | null = null;
    if (runs('uploads')) {
      note(
        `upload phase: ${options.clients} clients, ${options.uploads !== undefined ? `${options.uploads} uploads` : `${options.seconds} s`}, ${options.loginRate} logins/s alongside`,
      );
      uploads = await uploadPhase(client, watch, uploader, loginUsers, forms, options);
      uploadedIds.push(...uploads.ids);
      note(`uploads: ${uploads.uploadsPerSecond}/s; login p99 ${uploads.login.p99} ms`);
    }

    let burst: BurstPhase | null = null;
    if (runs('burst')) {
      note(`burst: ${options.burst} uploads of 5 MiB at once`);
      burst = await burstPhase(client, watch, uploader, images.fiveMiB, options.burst);
      note(`burst: peak RSS ${burst.peakRssMiB} MiB`);
    }

    let gallery: GalleryPhase | null = null;
    if (runs('gallery')) {
      note(`gallery: inserting ${options.galleryRows} rows`);
      const galleryOwner = await createAccount(client, orm, 'gallery');
      // Sealed like the server seals, with its master key, into a blob folder of our own (rows only).
      const store = await sealedStore(path.join(workDir, 'bench-blobs'), workDir, masterKey);
      gallery = await galleryPhase(client, watch, orm, store, galleryOwner, options);
    }

    let thumbnails: ThumbnailPhase | null = null;
    if (runs('thumbnails')) {
      note(`thumbnails: ${options.thumbClients} concurrent GETs for ${options.thumbSeconds} s`);
      thumbnails = await thumbnailPhase(client, watch, uploader, uploadedIds, options);
    }

    // Stopped before the report, so a slow or failed graceful shutdown shows in it.
    await closeOrm();
    client.close();
    note('stopping the server (SIGTERM)');
    const stopped = await stopServer();
    if (options.serverLog) await writeFile(options.serverLog, server.output());
    const logLines = server.output().split('\n');
    const uploadFigures = uploads ? (({ ids: _ids, ...rest }: UploadPhase) => rest)(uploads) : null;
    const partial: Omit<Report, 'targets'> = {
      when: new Date().toISOString(),
      environment: {
        cpus: availableParallelism(),
        cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
        node: process.version,
        loadAverageAtStart,
        database: db.label,
        ...(db.fallbackReason ? { databaseFallback: db.fallbackReason } : {}),
        serverEnv: shownEnv,
        serverNodeFlags: [...NODE_FLAGS, ...options.nodeFlags],
        images: { count: images.photos.length, megapixels: 12, sizesMB: images.photos.map((p) => round2(p.length / 1e6)) },
      },
      startRssMiB,
      loginRate: options.loginRate,
      loginIdle,
      loginCpuMs,
      ceiling,
      uploads: uploadFigures ? uploadSummary(uploadFigures, ceiling) : null,
      burst,
      gallery,
      thumbnails,
      shutdown: stopped,
      serverLog: {
        warnings: logLines.filter((l) => /"level":40/.test(l)).length,
        errors: logLines.filter((l) => /"level":(50|60)/.test(l)).length,
      },
    };
    const report: Report = { ...partial, targets: targetsOf(partial) };
    const text = render(report);
    if (options.json) {
      process.stderr.write(`\n${text}`);
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      process.stdout.write(`\n${text}`);
    }
    if (report.serverLog.errors) {
      note(`first server errors:\n${logLines.filter((l) => /"level":(50|60)/.test(l)).slice(0, 3).join('\n')}`);
    }
    if (options.cpuProf) note(`the server's CPU profile is written to ${path.resolve(options.cpuProf)} when it stops`);
    return options.strict && report.targets.some((x) => x.pass === false) ? 1 : 0;
  } finally {
    note('cleaning up (server, database, temp files)');
    await cleanup();
    clearTimeout(watchdog);
  }
}

if (process.argv[2] === '--ceiling-worker') {
  ceilingWorker(JSON.parse(process.argv[3] ?? '{}') as { files: string[]; dataDir: string; seconds: number }).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(2);
      }
      note(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
