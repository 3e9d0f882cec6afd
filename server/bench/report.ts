/** The report: targets, and the table printed at the end. */
import type { BurstPhase } from './burst.js';
import type { CeilingResult } from './ceiling.js';
import type { GalleryPhase } from './gallery.js';
import type { CpuShares, Latency } from './measure.js';
import type { ThumbnailPhase } from './thumbnails.js';
import type { UploadSummary } from './uploads.js';

export interface Target {
  name: string;
  value: number | null;
  unit: string;
  target: string;
  /** null when the phase did not run. */
  pass: boolean | null;
}

export interface Report {
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
  uploads: UploadSummary | null;
  burst: BurstPhase | null;
  gallery: GalleryPhase | null;
  thumbnails: ThumbnailPhase | null;
  shutdown: Shutdown;
  serverLog: { warnings: number; errors: number };
  targets: Target[];
}

export interface Shutdown {
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

export function targetsOf(r: Omit<Report, 'targets'>): Target[] {
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

export function render(r: Report): string {
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
