import type { FailOnOptions, Metadata, OutputInfo, Sharp } from 'sharp';
import { AppError } from '../errors.js';
import { decodeHeic, HeicDecodeError } from './heic.js';
import { headerBlocks, type HeaderBlocks } from './metadata/index.js';
import sharp from './sharp.js';
import { MIME_TYPES, sniffImageFormat, unsupportedMediaType, type ImageFormat } from './sniff.js';

export interface ImageLimits {
  /** Width × height × frames: every animation frame is decoded, so every frame counts. */
  maxPixels: number;
  maxFrames: number;
  /** Long edge of the display variant. */
  displayMaxEdge: number;
  /** Long edge of the thumbnail. */
  thumbnailMaxEdge: number;
  /**
   * Whole seconds of libvips work one image may take, all its pipelines together; past it the
   * upload is refused. Pixel limits bound memory; this bounds CPU (a 12 MP photo takes well
   * under a second). Default 30.
   */
  timeoutSeconds?: number;
  /**
   * Most pixel operations one image may need (see estimateWork): pixels bound what one frame
   * costs, this bounds frames × pixels × passes. Default: WORK_PER_PIXEL_LIMIT × maxPixels,
   * which any still image within maxPixels stays well under.
   */
  maxWork?: number;
}

const DEFAULT_TIMEOUT_SECONDS = 30;
/** The default work limit, in passes over the largest image allowed. */
export const WORK_PER_PIXEL_LIMIT = 6;

export const DEFAULT_IMAGE_LIMITS: ImageLimits = Object.freeze({
  maxPixels: 40_000_000,
  maxFrames: 200,
  displayMaxEdge: 2560,
  thumbnailMaxEdge: 512,
  timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
});

/**
 * What an image will cost to process, from its header alone. Units are calibrated on this
 * machine's measurements (scripts/animation-cost.ts): decoding and resizing pass once each over
 * every decoded pixel; encoding a still passes twice over the display pixels, while animation
 * encoders (libwebp's frame trials, GIF palettes and frame diffs) cost about four times that per
 * pixel; turning an animation frame by frame goes twice more over the display pixels (out to raw,
 * each frame turned and copied back).
 */
export interface WorkEstimate {
  /** Pixel operations, compared with ImageLimits.maxWork. */
  pixelOps: number;
  /** Bytes of decoded pixels held at once, the weight the image queue admits by. */
  memoryBytes: number;
}

export interface ImageShape {
  /** One frame's stored size. */
  width: number;
  height: number;
  frames: number;
  channels: number;
  orientation: number;
}

const STILL_ENCODE_PASSES = 2;
const ANIMATION_ENCODE_PASSES = 8;
const ORIENT_PASSES = 2;
/** libvips keeps about two copies of an animation's decoded frames between its loader and encoder (measured 4–7.5 bytes per RGBA pixel). */
const ANIMATION_COPIES = 2;
const RGBA = 4;

/** sharp.timeout's own ceiling. */
const MAX_TIMEOUT_SECONDS = 3600;

export interface ImageVariant {
  data: Buffer;
  mimeType: string;
  width: number;
  height: number;
}

export interface ProcessedImage {
  format: ImageFormat;
  mimeType: string;
  /** Upright size (EXIF orientation applied); for an animation, the size of one frame. */
  width: number;
  height: number;
  frames: number;
  /** For animations: frame delays in ms (bounded) and the loop count (0 = forever), from the header. */
  animation?: { delays?: number[]; loop?: number };
  display: ImageVariant;
  thumbnail: ImageVariant;
  /** The EXIF, ICC, IPTC and XMP libvips found reading the header, for metadata extraction to start from. */
  blocks: HeaderBlocks;
}

/**
 * 'error' refuses truncated and corrupt pixel data. 'warning' (sharp's default) would also
 * refuse files that browsers show fine, such as JPEGs from some Samsung phones ("Invalid SOS
 * parameters") or with a few stray bytes before a marker.
 */
const FAIL_ON: FailOnOptions = 'error';
const JPEG_QUALITY = 85;
const WEBP_QUALITY = 80;
const THUMBNAIL_QUALITY = 80;

function damaged(cause?: unknown): AppError {
  const error = new AppError('INVALID_IMAGE', 'The file is damaged or not a complete image.');
  // For the server log only: libvips' text must never reach the user.
  if (cause !== undefined) error.cause = cause;
  return error;
}

function tookTooLong(timeoutSeconds: number, cause?: unknown): AppError {
  const error = new AppError(
    'INVALID_IMAGE',
    `The image took too long to process (over ${timeoutSeconds} second${timeoutSeconds === 1 ? '' : 's'}). Try a smaller or simpler image.`,
    { timeoutSeconds },
  );
  if (cause !== undefined) error.cause = cause;
  return error;
}

/** libvips reports its kill as "timeout: N% complete", followed by the write errors it caused. */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && /^timeout: /.test(error.message);
}

function formatMegapixels(pixels: number): string {
  return String(Number((pixels / 1_000_000).toPrecision(3)));
}

function tooManyPixels(maxPixels: number): AppError {
  return new AppError(
    'INVALID_IMAGE',
    `Image is too large: at most ${formatMegapixels(maxPixels)} megapixels (all animation frames counted).`,
    { maxPixels },
  );
}

function tooMuchWork(maxWork: number, image: InspectedImage): AppError {
  const what =
    image.frames > 1
      ? `The animation is too much work to process: ${image.frames} frames of ${image.width}×${image.height} pixels`
      : `The image is too much work to process: ${image.width}×${image.height} pixels`;
  return new AppError(
    'INVALID_IMAGE',
    `${what} come to ${formatMegapixels(image.work.pixelOps)} million pixel operations, over the limit of ${formatMegapixels(maxWork)} million. Try fewer or smaller frames.`,
    { maxWork, work: image.work.pixelOps },
  );
}

function tooManyFrames(maxFrames: number): AppError {
  return new AppError('INVALID_IMAGE', `The animation has too many frames: at most ${maxFrames} are allowed.`, {
    maxFrames,
  });
}

/** A bad limit is a configuration bug; sharp would even read a pixel limit of 0 as "no limit". */
function assertLimits(limits: ImageLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if ((name === 'timeoutSeconds' || name === 'maxWork') && value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`ImageLimits.${name} must be a positive integer`);
  }
  if ((limits.timeoutSeconds ?? 0) > MAX_TIMEOUT_SECONDS) {
    throw new TypeError(`ImageLimits.timeoutSeconds must be at most ${MAX_TIMEOUT_SECONDS}`);
  }
}

/** Header only: libvips reads sizes and frame counts without decoding any pixels. */
async function readHeader(input: Buffer, format: ImageFormat): Promise<Metadata> {
  try {
    // No pixel limit here: this call decodes nothing, and we want the sizes to explain a refusal.
    // The same failOn as the decode, as some JPEG warnings are raised while reading the header.
    const animated = ANIMATED_FORMATS.has(format);
    return await sharp(input, { animated, limitInputPixels: false, failOn: FAIL_ON }).metadata();
  } catch (error) {
    throw damaged(error);
  }
}

/**
 * Per EXIF orientation, the sharp operations that make the stored pixels upright. With both a
 * turn and a mirror, sharp mirrors first (its docs suggest otherwise); the unit tests check
 * every entry against sharp's own autoOrient.
 */
const ORIENTATIONS: Record<number, { angle: number; flip?: boolean; flop?: boolean }> = {
  1: { angle: 0 },
  2: { angle: 0, flop: true },
  3: { angle: 180 },
  4: { angle: 0, flip: true },
  5: { angle: 90, flip: true },
  6: { angle: 90 },
  7: { angle: 90, flop: true },
  8: { angle: 270 },
};

/**
 * The format of an upload's display variant: its own, except AVIF's, which is served as WebP.
 * (HEIC's: JPEG.) Every current browser shows AVIF, but libaom's encoder costs several seconds of CPU for a
 * 2560-pixel image on this machine where libwebp takes a fraction of one, and WebP keeps alpha.
 */
export type DisplayFormat = Exclude<ImageFormat, 'avif' | 'heic'>;
export function displayFormatOf(format: ImageFormat): DisplayFormat {
  // HEIC is shown by Safari alone; a phone photo has no alpha, so JPEG, the cheapest to encode.
  if (format === 'heic') return 'jpeg';
  return format === 'avif' ? 'webp' : format;
}

/** Formats whose every frame is decoded; from an AVIF only the primary image is (frames = 1). */
const ANIMATED_FORMATS: ReadonlySet<ImageFormat> = new Set(['gif', 'webp']);

/** What libvips reports for each sniffed format: AVIF is HEIF with AV1 inside, HEIC with HEVC. */
function libvipsAgrees(format: ImageFormat, header: Metadata): boolean {
  if (format === 'avif') return header.format === 'heif' && header.compression === 'av1';
  if (format === 'heic') return header.format === 'heif' && header.compression === 'hevc';
  return header.format === format;
}

function encode(pipeline: Sharp, format: DisplayFormat, animation?: { loop?: number; delay?: number[] }): Sharp {
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg({ quality: JPEG_QUALITY });
    case 'png':
      return pipeline.png();
    case 'gif':
      return pipeline.gif({ ...animation });
    case 'webp':
      return pipeline.webp({ quality: WEBP_QUALITY, ...animation });
  }
}

function variant(data: Buffer, info: OutputInfo, format: DisplayFormat, frames: number): ImageVariant {
  const height = frames > 1 ? (info.pageHeight ?? info.height / frames) : info.height;
  return { data, mimeType: MIME_TYPES[format], width: info.width, height };
}

/** One frame's size once fitted inside `maxEdge` (never enlarged), as sharp's resize rounds it. */
function fitted(width: number, height: number, maxEdge: number): { width: number; height: number } {
  const scale = Math.min(1, maxEdge / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export function estimateWork(shape: ImageShape, limits: Pick<ImageLimits, 'displayMaxEdge' | 'thumbnailMaxEdge'>): WorkEstimate {
  const { width, height, frames, channels, orientation } = shape;
  const decoded = width * height * frames;
  const frame = fitted(width, height, limits.displayMaxEdge);
  const display = frame.width * frame.height * frames;
  const thumb = fitted(frame.width, frame.height, limits.thumbnailMaxEdge);
  const thumbnail = thumb.width * thumb.height * STILL_ENCODE_PASSES;
  if (frames === 1) {
    return {
      pixelOps: 2 * decoded + STILL_ENCODE_PASSES * display + thumbnail,
      memoryBytes: (decoded + display) * channels,
    };
  }
  const turned = orientation !== 1;
  return {
    pixelOps: 2 * decoded + ANIMATION_ENCODE_PASSES * display + (turned ? ORIENT_PASSES * display : 0) + thumbnail,
    // Turning adds the raw strip of display frames, and one turned frame at a time.
    memoryBytes: ANIMATION_COPIES * decoded * RGBA + (turned ? (display + frame.width * frame.height) * RGBA : 0),
  };
}

/** What processImage needs from an upload's header, read before it queues for a decode. */
export interface InspectedImage {
  format: ImageFormat;
  frames: number;
  /** One frame's stored size. */
  width: number;
  height: number;
  orientation: number;
  header: Metadata;
  work: WorkEstimate;
}

interface Inspected extends InspectedImage {
  limits: ImageLimits;
  timeoutSeconds: number;
  /** performance.now() past which no more libvips work may start. */
  deadline: number;
}

/**
 * Gives a pipeline what is left of the image's time budget. sharp counts whole seconds from
 * when libvips starts on the pipeline (not while it waits for a thread) and then kills it;
 * between pipelines (display, thumbnail, each frame of a turned animation) the deadline is
 * checked here, so the budget covers the image, not each step.
 */
function timed(pipeline: Sharp, d: Inspected): Sharp {
  const left = Math.ceil((d.deadline - performance.now()) / 1000);
  if (left < 1) throw tookTooLong(d.timeoutSeconds);
  return pipeline.timeout({ seconds: left });
}

function fitInside(maxEdge: number) {
  return { width: maxEdge, height: maxEdge, fit: 'inside', withoutEnlargement: true } as const;
}

/** What sharp decodes: the upload, or (HEIC) the pixels libheif decoded from it. */
interface PixelSource {
  data: Buffer;
  raw?: { width: number; height: number; channels: 4 };
}

async function makeDisplay(source: PixelSource, d: Inspected): Promise<ImageVariant> {
  const animated = d.frames > 1;
  const format = displayFormatOf(d.format);
  const pipeline = sharp(source.data, { animated, limitInputPixels: d.limits.maxPixels, failOn: FAIL_ON, raw: source.raw })
    .resize(fitInside(d.limits.displayMaxEdge))
    .toColourspace('srgb');

  if (!animated) {
    // autoOrient happens before the resize whatever the call order; the box is square anyway.
    const { data, info } = await timed(encode(pipeline.autoOrient(), format), d).toBuffer({ resolveWithObject: true });
    return variant(data, info, format, 1);
  }
  if (d.orientation === 1) {
    const { data, info } = await timed(encode(pipeline, format), d).toBuffer({ resolveWithObject: true });
    return variant(data, info, format, d.frames);
  }
  return orientAnimation(pipeline, d);
}

/**
 * libvips refuses to rotate multi-page images, so an animation with an EXIF orientation (an
 * animated WebP can carry one) is turned frame by frame on the already-resized pixels.
 */
async function orientAnimation(pipeline: Sharp, d: Inspected): Promise<ImageVariant> {
  const { data: strip, info } = await timed(pipeline.raw(), d).toBuffer({ resolveWithObject: true });
  const frameHeight = info.pageHeight ?? info.height / d.frames;
  const frameBytes = info.width * frameHeight * info.channels;
  const { angle, flip = false, flop = false } = ORIENTATIONS[d.orientation]!;
  let width = info.width;
  let height = frameHeight;
  for (let i = 0; i < d.frames; i++) {
    const frame = strip.subarray(i * frameBytes, (i + 1) * frameBytes);
    const out = await timed(
      sharp(frame, { raw: { width: info.width, height: frameHeight, channels: info.channels } })
        .rotate(angle)
        .flip(flip)
        .flop(flop)
        .raw(),
      d,
    ).toBuffer({ resolveWithObject: true });
    // A turned frame has the same bytes as the frame it came from, and that frame's pipeline is
    // done: written back in place, the strip becomes the turned animation without a second copy
    // of every frame (and a third when joining them), which tripled the memory of this path.
    out.data.copy(strip, i * frameBytes);
    width = out.info.width;
    height = out.info.height;
  }
  const raw = { width, height: height * d.frames, channels: info.channels, pageHeight: height };
  const { data, info: outInfo } = await timed(
    encode(sharp(strip, { raw }), displayFormatOf(d.format), { loop: d.header.loop, delay: d.header.delay }),
    d,
  ).toBuffer({ resolveWithObject: true });
  return variant(data, outInfo, displayFormatOf(d.format), d.frames);
}

/**
 * Made from the display variant when that is at least thumbnail-sized: it is already upright,
 * sRGB and a fraction of the original's size, so decoding it again costs about a third of
 * decoding the upload (a 12 MP JPEG: ≈40 ms of CPU instead of ≈60). The upload itself was fully
 * decoded, and so validated, for the display variant.
 */
async function makeThumbnail(upload: PixelSource, display: ImageVariant, d: Inspected): Promise<ImageVariant> {
  const source = d.limits.displayMaxEdge >= d.limits.thumbnailMaxEdge ? { data: display.data } : upload;
  // Without `animated`, libvips loads only the first frame.
  const pipeline = sharp(source.data, { limitInputPixels: d.limits.maxPixels, failOn: FAIL_ON, raw: source.raw })
    .autoOrient()
    .resize(fitInside(d.limits.thumbnailMaxEdge))
    .toColourspace('srgb')
    .webp({ quality: THUMBNAIL_QUALITY });
  const { data, info } = await timed(pipeline, d).toBuffer({ resolveWithObject: true });
  return { data, mimeType: MIME_TYPES.webp, width: info.width, height: info.height };
}

/** Top-level images a HEIC may hold (a phone's has one; bursts and edits a few more). */
const MAX_HEIC_IMAGES = 16;
/** RGBA-sized buffers a HEIC decode holds besides libvips' own: libheif's decoded image and the copy handed over. */
const HEIC_DECODE_COPIES = 2;
/** The decode worker's JavaScript heap; the pixels live in the WASM heap, bounded by maxPixels. */
const HEIC_WORKER_HEAP_MB = 64;

/** The primary image's upright RGBA, which must be the size libvips read from the header. */
async function heicPixels(input: Buffer, d: Inspected): Promise<PixelSource> {
  const decoded = await decodeHeic(input, {
    maxPixels: d.limits.maxPixels,
    maxImages: MAX_HEIC_IMAGES,
    timeoutMs: Math.max(1, d.deadline - performance.now()),
    maxHeapMb: HEIC_WORKER_HEAP_MB,
  });
  if (decoded.width !== d.width || decoded.height !== d.height) throw damaged();
  return { data: decoded.data, raw: { width: decoded.width, height: decoded.height, channels: 4 } };
}

function heicRefusal(error: HeicDecodeError, d: Inspected): AppError {
  switch (error.reason) {
    case 'timeout':
      return tookTooLong(d.timeoutSeconds, error);
    case 'too-many-pixels':
      return tooManyPixels(d.limits.maxPixels);
    case 'too-many-images':
      return new AppError('INVALID_IMAGE', `The file holds too many images: at most ${MAX_HEIC_IMAGES} are allowed.`, {
        maxImages: MAX_HEIC_IMAGES,
      });
    case 'damaged':
      return damaged(error);
  }
}

/**
 * Reads an upload's header and refuses it, before any pixel is decoded, when it is not one of
 * the allowed formats or would cost more than the limits allow; otherwise says what decoding it
 * will cost, so a queue can admit it by that.
 */
export async function inspectImage(input: Buffer, limits: ImageLimits): Promise<InspectedImage> {
  assertLimits(limits);
  const format = sniffImageFormat(input);
  if (!format) throw unsupportedMediaType();

  const header = await readHeader(input, format);
  const animated = ANIMATED_FORMATS.has(format);
  const frames = animated ? (header.pages ?? 1) : 1;
  const width = header.width;
  const height = animated ? (header.pageHeight ?? header.height / frames) : header.height;
  // libvips picked its loader from the bytes too; both must agree on what this is.
  if (!libvipsAgrees(format, header)) throw damaged();
  if (!(width > 0 && height > 0 && Number.isInteger(height) && frames >= 1)) throw damaged();
  if (frames > limits.maxFrames) throw tooManyFrames(limits.maxFrames);
  if (width * height * frames > limits.maxPixels) throw tooManyPixels(limits.maxPixels);

  const orientation = header.orientation !== undefined && ORIENTATIONS[header.orientation] ? header.orientation : 1;
  const channels = header.channels ?? RGBA;
  const estimate = estimateWork({ width, height, frames, channels, orientation }, limits);
  // A HEIC's pixels are decoded in WebAssembly first: libheif's planes and the RGBA copy handed to
  // sharp are held on top of what libvips holds.
  const work = format === 'heic' ? { ...estimate, memoryBytes: estimate.memoryBytes + HEIC_DECODE_COPIES * width * height * RGBA } : estimate;
  const image: InspectedImage = { format, frames, width, height, orientation, header, work };
  const maxWork = limits.maxWork ?? WORK_PER_PIXEL_LIMIT * limits.maxPixels;
  if (work.pixelOps > maxWork) throw tooMuchWork(maxWork, image);
  return image;
}

/**
 * Validates an upload from its bytes alone and makes its two derived variants: a display copy
 * (same format, upright, sRGB, no metadata, long edge capped) and a small WebP thumbnail.
 * Sizes and work are checked from the header before anything is decoded (inspectImage; pass
 * its answer when the caller already has it).
 */
export async function processImage(input: Buffer, limits: ImageLimits, inspectedImage?: InspectedImage): Promise<ProcessedImage> {
  const image = inspectedImage ?? (await inspectImage(input, limits));
  const timeoutSeconds = limits.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const deadline = performance.now() + timeoutSeconds * 1000;
  const { format, frames, header, orientation } = image;
  const frameWidth = image.width;
  const frameHeight = image.height;
  const inspected: Inspected = { ...image, limits, timeoutSeconds, deadline };
  let display: ImageVariant;
  let thumbnail: ImageVariant;
  try {
    const source = format === 'heic' ? await heicPixels(input, inspected) : { data: input };
    // One after the other, so at most one decode is in memory at a time.
    display = await makeDisplay(source, inspected);
    thumbnail = await makeThumbnail(source, display, inspected);
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof HeicDecodeError) throw heicRefusal(error, inspected);
    // libvips reports a killed pipeline as "timeout: …" or, at times, as "VipsImage: killed …" or
    // the error of whichever operation it stopped: past the deadline, any failure is the timeout.
    throw isTimeout(error) || performance.now() >= deadline ? tookTooLong(timeoutSeconds, error) : damaged(error);
  }

  const sideways = orientation >= 5;
  return {
    format,
    mimeType: MIME_TYPES[format],
    width: sideways ? frameHeight : frameWidth,
    height: sideways ? frameWidth : frameHeight,
    frames,
    ...(frames > 1
      ? {
          animation: {
            ...(Array.isArray(header.delay) ? { delays: header.delay.slice(0, 1000) } : {}),
            ...(typeof header.loop === 'number' ? { loop: header.loop } : {}),
          },
        }
      : {}),
    display,
    thumbnail,
    blocks: headerBlocks(header),
  };
}
