/** Phase `ceiling`: the upload pipeline run bare, in its own process, as the most the server can reach. */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS, RUNTIME_ENV } from '../src/config/runtime.js';
import { KeyProvider } from '../src/crypto/key-provider.js';
import { DEFAULT_IMAGE_LIMITS } from '../src/imaging/process.js';
import { prepareImage, sealAndStore } from '../src/modules/image/image.pipeline.js';
import { LocalBlobStore } from '../src/storage/local-blob-store.js';
import { SealedStore } from '../src/storage/sealed-store.js';
import { latency, machineBusySeconds, mib, ProcessWatch, round2, type Latency } from './measure.js';

/**
 * The worker runs the benchmark's entry again (with --ceiling-worker), so it loads the same
 * modules as before the bench was split into files and its peak RSS stays comparable.
 */
const BENCH_ENTRY = fileURLToPath(new URL('./main.ts', import.meta.url));
const SERVER_DIR = path.resolve(path.dirname(BENCH_ENTRY), '..');

/** A sealed store like the server's: blobs under DATA_DIR, data keys wrapped by `masterKey`. */
export async function sealedStore(blobDir: string, dataDir: string, masterKey: string): Promise<SealedStore> {
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

export interface CeilingResult {
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
export async function ceilingWorker(config: { files: string[]; dataDir: string; seconds: number }): Promise<void> {
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
export async function runCeiling(files: string[], dataDir: string, seconds: number, extraEnv: Record<string, string>): Promise<CeilingResult> {
  const config = JSON.stringify({ files, dataDir, seconds });
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', BENCH_ENTRY, '--ceiling-worker', config], {
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
