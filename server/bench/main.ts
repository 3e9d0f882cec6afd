/**
 * Lockframe benchmark: the real server as its own process on a fresh MySQL/MariaDB database,
 * driven over real HTTP from this process, next to the same image pipeline run without HTTP,
 * GraphQL or a database as the ceiling the server can hope to reach. A benchmark, not a test:
 * it prints figures and targets, and stops by itself. See USAGE in options.ts (`npm run bench -- --help`).
 *
 * This file runs the phases in order and prints the table; each phase has its own file, and
 * what they all measure with is in measure.ts. Starting the server, accounts, multipart bodies
 * and the photos come from the tests' support (test/support, test/fixtures).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { loadEnv } from '../src/config/env.js';
import { NODE_FLAGS, RUNTIME_ENV } from '../src/config/runtime.js';
import { openDatabase } from '../src/db/orm.js';
import { spawnServer, type ServerProcess } from '../test/support/process.js';
import { burstPhase, type BurstPhase } from './burst.js';
import { ceilingWorker, runCeiling, sealedStore, type CeilingResult } from './ceiling.js';
import { createDatabase } from './database.js';
import { galleryPhase, type GalleryPhase } from './gallery.js';
import { fresh, LoopbackClient, multipartForm } from './http.js';
import { createAccount, idleLogins, LOGIN_ACCOUNTS, type Account } from './logins.js';
import { mib, note, once, ProcessWatch, round2, sleep, waitForQuiet } from './measure.js';
import { readOptions, UsageError, type Phase } from './options.js';
import { makeImages } from './photos.js';
import { render, targetsOf, type Report, type Shutdown } from './report.js';
import { thumbnailPhase, type ThumbnailPhase } from './thumbnails.js';
import { uploadPhase, uploadSummary, type UploadPhase } from './uploads.js';

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
    // Every upload is still counted against the upload rate limits (their cost is measured); the
    // quotas are lifted because every client here is one address, and a long run would pass 600 an hour.
    const shownEnv = { ...RUNTIME_ENV, LOG_LEVEL: 'warn', NODE_ENV: 'production', UPLOADS_PER_HOUR: '1000000', UPLOADS_PER_IP_PER_HOUR: '1000000', ...options.env };
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

    const uploader = await createAccount(server.url, orm, 'up');
    const loginUsers: Account[] = [];
    for (let i = 0; i < LOGIN_ACCOUNTS; i++) loginUsers.push(await createAccount(server.url, orm, `login${i}`));
    const loginUser = loginUsers[0]!;

    note('login latency, idle');
    const { loginIdle, loginCpuMs } = await idleLogins(client, watch, loginUser);

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
      const galleryOwner = await createAccount(server.url, orm, 'gallery');
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
      uploads: uploads ? uploadSummary(uploads, ceiling) : null,
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
