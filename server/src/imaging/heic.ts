import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * HEIC (HEVC in HEIF) decoding. sharp's prebuilt libvips reads a HEIC's header (sizes, EXIF) but
 * has no HEVC decoder, so the pixels come from libheif built to WebAssembly (libheif-js), run in
 * a worker thread: the decode is synchronous WASM and would otherwise block the event loop.
 * Each decode gets its own worker, so a time limit can end it (terminate) and a hostile file
 * can corrupt nothing but a heap that is thrown away.
 */

export interface HeicLimits {
  /** Width × height of the primary image, checked from its header before any pixel is decoded. */
  maxPixels: number;
  /** Top-level images in the file: each one is parsed, even though only the primary is decoded. */
  maxImages: number;
  /** Wall-clock milliseconds before the worker is terminated. */
  timeoutMs: number;
  /** The worker's JavaScript heap, in MiB (resourceLimits). The WASM heap is bounded by maxPixels. */
  maxHeapMb: number;
}

export interface DecodedHeic {
  /** Interleaved RGBA, upright: libheif applies the `irot`/`imir` transforms while decoding. */
  data: Buffer;
  width: number;
  height: number;
}

/** Why a decode failed, for processing to turn into the user's error. */
export class HeicDecodeError extends Error {
  constructor(
    readonly reason: 'damaged' | 'too-many-pixels' | 'too-many-images' | 'timeout',
    message = reason,
  ) {
    super(message);
  }
}

const LIBHEIF = createRequire(import.meta.url).resolve('libheif-js/wasm-bundle');

// CommonJS run with `eval`, so it needs no build step of its own under tsc, tsx or vitest.
// libheif-js reports failures by console.log and empty results; the worker's output is discarded.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { libheif: path, bytes, maxPixels, maxImages } = workerData;
function fail(reason) { parentPort.postMessage({ error: reason }); }
(async () => {
  const libheif = require(path);
  const decoder = new libheif.HeifDecoder();
  const images = decoder.decode(new Uint8Array(bytes));
  if (!images || images.length === 0) return fail('damaged');
  if (images.length > maxImages) return fail('too-many-images');
  const image = images.find((i) => i.is_primary()) || images[0];
  const width = image.get_width();
  const height = image.get_height();
  if (!(width > 0 && height > 0)) return fail('damaged');
  if (width * height > maxPixels) return fail('too-many-pixels');
  const data = new Uint8ClampedArray(width * height * 4);
  const out = await new Promise((resolve) => image.display({ data, width, height }, resolve));
  if (!out) return fail('damaged');
  parentPort.postMessage({ width, height, data: data.buffer }, [data.buffer]);
})().catch(() => fail('damaged'));
`;

export function decodeHeic(input: Buffer, limits: HeicLimits): Promise<DecodedHeic> {
  // A copy the worker owns: the upload's own buffer stays whole for storing the original.
  const bytes = new Uint8Array(input).buffer;
  return new Promise<DecodedHeic>((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { libheif: LIBHEIF, bytes, maxPixels: limits.maxPixels, maxImages: limits.maxImages },
      transferList: [bytes],
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: 16 },
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      outcome();
    };
    const timer = setTimeout(() => finish(() => reject(new HeicDecodeError('timeout'))), limits.timeoutMs);
    worker.on('message', (message: { error?: HeicDecodeError['reason']; width?: number; height?: number; data?: ArrayBuffer }) => {
      const { error, width, height, data } = message;
      if (error || !width || !height || !data || data.byteLength !== width * height * 4) {
        finish(() => reject(new HeicDecodeError(error ?? 'damaged')));
        return;
      }
      finish(() => resolve({ data: Buffer.from(data), width, height }));
    });
    // A crash, an out-of-memory kill or an exit without an answer: the file is refused, never the process.
    worker.on('error', (cause) => finish(() => reject(Object.assign(new HeicDecodeError('damaged'), { cause }))));
    worker.on('exit', () => finish(() => reject(new HeicDecodeError('damaged'))));
  });
}
