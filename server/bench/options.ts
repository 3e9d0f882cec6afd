/** The benchmark's command line: what it runs, and for how long. */
import { parseArgs } from 'node:util';

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

export interface Options {
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

export class UsageError extends Error {}

export function readOptions(argv: string[]): Options {
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

export const PHASES = ['ceiling', 'uploads', 'burst', 'gallery', 'thumbnails'] as const;
export type Phase = (typeof PHASES)[number];
