import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from '../logger.js';
import { Image } from '../modules/image/image.entity.js';
import type { BlobStore } from './blob-store.js';

/**
 * Start-up sweep after a crash: blobs written by an upload whose row was never committed (or
 * left by a delete that removed its row first) are removed. Blobs younger than `graceMs` stay:
 * another server process may be between writing them and committing its row.
 */
export async function sweepOrphanBlobs(
  blobs: BlobStore,
  em: EntityManager,
  log: Logger,
  graceMs: number,
): Promise<number> {
  const cutoff = Date.now() - graceMs;
  const candidates = new Set<string>();
  for await (const blob of blobs.list()) {
    if (blob.mtimeMs <= cutoff) candidates.add(blob.storageId);
  }
  let removed = 0;
  const ids = [...candidates];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await em.find(Image, { storageId: { $in: chunk } }, { fields: ['storageId'] });
    const known = new Set(rows.map((r) => r.storageId));
    for (const storageId of chunk) {
      if (known.has(storageId)) continue;
      await blobs.delete(storageId);
      removed++;
    }
  }
  if (removed) log.warn({ removed }, 'removed stored files that belonged to no image (left by an interrupted upload or delete)');
  return removed;
}
