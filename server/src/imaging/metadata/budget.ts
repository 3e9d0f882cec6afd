/** Keeping the assembled result within `MetadataLimits`. */
import { FORBIDDEN_KEYS } from './text.js';
import type { ImageMetadata, MetadataLimits } from './types.js';

/** The smallest useful result, `format` and `size`, always fits. */
const MIN_TOTAL_BYTES = 512;

/** Invalid limits are a configuration bug, so they throw (nothing in a file ever does). */
export function assertLimits(limits: MetadataLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`MetadataLimits.${name} must be a positive integer`);
  }
  if (limits.maxTotalBytes < MIN_TOTAL_BYTES) throw new TypeError(`MetadataLimits.maxTotalBytes must be at least ${MIN_TOTAL_BYTES}`);
}

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Adds entries while they fit the byte budget and the entry limit; an entry that does not fit is skipped. */
export function fill<T extends string | number | boolean | string[]>(
  target: Record<string, T>,
  entries: Iterable<readonly [string, T]>,
  budget: { left: number },
  maxEntries: number,
): void {
  let count = Object.keys(target).length;
  for (const [key, value] of entries) {
    if (count >= maxEntries) return;
    if (FORBIDDEN_KEYS.has(key) || Object.hasOwn(target, key)) continue;
    const cost = jsonBytes(key) + jsonBytes(value) + 2; // colon and comma
    if (cost > budget.left) continue;
    budget.left -= cost;
    target[key] = value;
    count++;
  }
}

/** Optional parts, least useful first, removed if even the core is over the byte limit. */
export function shrinkToFit(result: ImageMetadata, maxBytes: number): void {
  const removals: Array<() => void> = [
    () => delete result.animation?.delays,
    () => delete result.icc,
    () => delete result.camera,
    () => delete result.exposure,
    () => delete result.png,
    () => delete result.location,
    () => delete result.capturedAt,
    () => delete result.animation,
    () => delete result.orientation,
  ];
  for (const remove of removals) {
    if (jsonBytes(result) <= maxBytes) return;
    remove();
  }
}
