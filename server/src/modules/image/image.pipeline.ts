import { randomUUID } from 'node:crypto';
import { DEFAULT_METADATA_LIMITS, extractMetadata, type ImageMetadata } from '../../imaging/metadata/index.js';
import { inspectImage, processImage, type ImageLimits, type ProcessedImage } from '../../imaging/process.js';
import type { WorkQueue } from '../../imaging/queue.js';
import type { NewImageKey, SealedStore } from '../../storage/sealed-store.js';
import type { SearchDoc } from './image.search.js';

/**
 * The upload pipeline between "bytes in memory" and "row to commit": decode and make the
 * variants, read the metadata, make the image's data key, seal and write the blobs, seal the
 * text fields. ImageService runs it per upload; the benchmark runs it bare for its ceiling.
 */
export interface SealedImage {
  imageId: string;
  storageId: string;
  key: NewImageKey;
  processed: ProcessedImage;
  metadata: ImageMetadata;
  filenameSealed: string;
  metadataSealed: string;
  searchSealed: string;
  /** What searchSealed holds, for answering the upload without opening it again. */
  search: SearchDoc;
}

export async function prepareImage(
  bytes: Buffer,
  limits: ImageLimits,
  queue?: WorkQueue,
): Promise<{ processed: ProcessedImage; metadata: ImageMetadata }> {
  // The header alone says what decoding will cost; an image over the work limit is refused here.
  const inspected = await inspectImage(bytes, limits);
  // Decoding is the expensive part: bounded by the queue, by count and by decoded bytes, so a
  // burst gets "busy" and heavy animations take turns instead of exhausting memory together.
  const decode = () => processImage(bytes, limits, inspected);
  const processed = await (queue ? queue.run(decode, inspected.work.memoryBytes) : decode());
  // Starts from the header processImage read: libvips parses the metadata blocks once.
  const metadata = await extractMetadata(bytes, processed, METADATA_LIMITS);
  return { processed, metadata };
}

/** Sealed and base64-encoded, 40 KiB of JSON stays under the 64 KiB of a MySQL TEXT column. */
const METADATA_LIMITS = { ...DEFAULT_METADATA_LIMITS, maxTotalBytes: 40 * 1024 };

/**
 * The capture time to search by. EXIF times without an offset are camera wall-clock time: they
 * are compared as written (read as UTC, like the filter's dates), never in the server's zone.
 */
function captureTime(iso: string): number | null {
  const time = Date.parse(/(?:Z|[+-]\d{2}:\d{2})$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(time) ? null : time;
}

/** Seals and writes every variant; on failure removes what it wrote and rethrows. */
export async function sealAndStore(
  store: SealedStore,
  input: { ownerId: string; bytes: Buffer; filename: string; processed: ProcessedImage; metadata: ImageMetadata },
): Promise<SealedImage> {
  const { ownerId, bytes, filename, processed, metadata } = input;
  const imageId = randomUUID();
  const storageId = randomUUID();
  const key = await store.newImageKey(imageId, ownerId);
  const search: SearchDoc = {
    n: filename.toLowerCase(),
    c: [metadata.camera?.make, metadata.camera?.model].filter(Boolean).join(' ').toLowerCase(),
    t: metadata.capturedAt ? captureTime(metadata.capturedAt) : null,
  };
  try {
    await store.put(storageId, 'original', imageId, key.dek, bytes);
    await store.put(storageId, 'display', imageId, key.dek, processed.display.data);
    await store.put(storageId, 'thumbnail', imageId, key.dek, processed.thumbnail.data);
  } catch (error) {
    await store.delete(storageId).catch(() => undefined);
    throw error;
  }
  return {
    imageId,
    storageId,
    key,
    processed,
    metadata,
    search,
    filenameSealed: store.sealField(key.dek, imageId, 'filename', filename),
    metadataSealed: store.sealField(key.dek, imageId, 'metadata', JSON.stringify(metadata)),
    searchSealed: store.sealField(key.dek, imageId, 'search', JSON.stringify(search)),
  };
}
