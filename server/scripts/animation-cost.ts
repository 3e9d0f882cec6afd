/**
 * What one upload costs the process, measured the way the audit did (issue 9): peak RSS above the
 * idle process and CPU seconds, for a 200-frame animated WebP with EXIF orientation 6 (alone and
 * two at once, through the server's image queue) and for a 12 MP photo. Each case runs in a fresh
 * child process with the server's runtime settings (MALLOC_ARENA_MAX …), so one case's heap does
 * not colour the next. The animations run twice: with the default limits (the work limit refuses
 * them from their header) and with the work limit lifted, to measure the decode path and the
 * image queue's memory budget themselves.
 *
 *   npx tsx scripts/animation-cost.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNTIME_ENV } from '../src/config/runtime.js';
import { DEFAULT_IMAGE_LIMITS } from '../src/imaging/process.js';
import { WorkQueue } from '../src/imaging/queue.js';
import { prepareImage } from '../src/modules/image/image.pipeline.js';
import { largeJpeg, png, webpAnimated } from '../test/fixtures/images.js';

const MiB = 1024 * 1024;

function statusKiB(field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

/** In the child: process `copies` uploads of the file at once, then print what it cost. */
async function child(file: string, copies: number, lifted: boolean): Promise<void> {
  const bytes = readFileSync(file);
  const limits = lifted ? { ...DEFAULT_IMAGE_LIMITS, maxWork: Number.MAX_SAFE_INTEGER } : DEFAULT_IMAGE_LIMITS;
  const queue = new WorkQueue({ concurrency: availableParallelism() });
  // Loads libvips and warms its threads, so the baseline is an idle server, not a bare node.
  await prepareImage(await png(), DEFAULT_IMAGE_LIMITS, queue);
  const baseline = statusKiB('VmRSS');
  // Reset the high-water mark to now (Linux: writing 5 to clear_refs).
  writeFileSync('/proc/self/clear_refs', '5');
  const cpu = process.cpuUsage();
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: copies }, () => prepareImage(bytes, limits, queue)));
  const used = process.cpuUsage(cpu);
  const outcome = results.map((r) => (r.status === 'fulfilled' ? 'ok' : ((r.reason as { code?: string }).code ?? 'error')));
  process.stdout.write(
    JSON.stringify({
      peakDeltaMiB: Math.round(((statusKiB('VmHWM') - baseline) * 1024) / MiB),
      cpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(2)),
      wallSeconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      outcome,
    }),
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lockframe-cost-'));
  try {
    const cases = [
      { name: 'animated WebP, 200 × 447×447, orientation 6', bytes: await webpAnimated({ frames: 200, width: 447, height: 447, orientation: 6 }), lift: true },
      { name: 'animated WebP, 200 × 447×447, upright', bytes: await webpAnimated({ frames: 200, width: 447, height: 447 }), lift: true },
      { name: 'animated WebP, 50 × 447×447, orientation 6', bytes: await webpAnimated({ frames: 50, width: 447, height: 447, orientation: 6 }), lift: false },
      { name: '12 MP JPEG photo', bytes: await largeJpeg({ megapixels: 12 }), lift: false },
    ];
    const script = fileURLToPath(import.meta.url);
    for (const [i, c] of cases.entries()) {
      const file = path.join(dir, `case-${i}`);
      writeFileSync(file, c.bytes);
      for (const lifted of c.lift ? [false, true] : [false]) {
        for (const copies of [1, 2]) {
          const out = execFileSync(process.execPath, [...process.execArgv, script, '--child', file, String(copies), String(lifted)], {
            env: { ...RUNTIME_ENV, ...process.env },
            encoding: 'utf8',
          });
          console.log(`${c.name} (${Math.round(c.bytes.length / 1024)} KiB), ${copies} at once${lifted ? ', work limit lifted' : ''}: ${out}`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [, , mode, file, copies, lifted] = process.argv;
await (mode === '--child' ? child(file!, Number(copies), lifted === 'true') : main());
