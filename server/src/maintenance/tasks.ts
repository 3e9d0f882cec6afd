import type { Env } from '../config/env.js';
import type { ImageRepository } from '../modules/image/image.repository.js';
import type { Services } from '../services.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { Scope } from '../scope.js';
import type { MaintenanceTask } from './scheduler.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SWEEP_CHUNK = 500;

/**
 * Blobs written by an upload whose row was never committed (or left by a delete that removed
 * its row first) are removed. Blobs younger than `graceMs` stay: an upload in flight (in this
 * or another server process) may be between writing them and committing its row.
 */
export async function sweepOrphanBlobs(scope: Scope, blobs: BlobStore, images: ImageRepository, graceMs: number): Promise<number> {
  const cutoff = Date.now() - graceMs;
  const candidates = new Set<string>();
  for await (const blob of blobs.list()) {
    if (blob.mtimeMs <= cutoff) candidates.add(blob.storageId);
  }
  const ids = [...candidates];
  let removed = 0;
  for (let i = 0; i < ids.length; i += SWEEP_CHUNK) {
    const chunk = ids.slice(i, i + SWEEP_CHUNK);
    const known = await images.knownStorageIds(scope.em, chunk);
    for (const storageId of chunk) {
      if (known.has(storageId)) continue;
      await blobs.delete(storageId);
      removed++;
    }
  }
  if (removed) scope.log.warn({ removed }, 'removed stored files that belonged to no image (left by an interrupted upload or delete)');
  return removed;
}

/** Images trashed more than `retentionDays` ago are deleted for good, rows first, then their files. */
export async function purgeTrash(scope: Scope, services: Services, retentionDays: number, now = Date.now()): Promise<number> {
  const purged = await services.images.purgeTrashedBefore(scope, new Date(now - retentionDays * DAY));
  if (purged) scope.log.info({ purged }, 'deleted images whose time in the trash ran out');
  return purged;
}

/** The periodic work of one server: the orphan sweep, the trash purge and the purges of expired rows. */
export function maintenanceTasks(services: Services, blobs: BlobStore, env: Pick<Env, 'orphanGraceMs' | 'trashRetentionDays'>): MaintenanceTask[] {
  return [
    { name: 'orphan-blobs', everyMs: 6 * HOUR, run: (scope) => sweepOrphanBlobs(scope, blobs, services.imageRepository, env.orphanGraceMs) },
    { name: 'trash-purge', everyMs: HOUR, run: (scope) => purgeTrash(scope, services, env.trashRetentionDays) },
    { name: 'expired-sessions', everyMs: HOUR, run: (scope) => services.sessions.purgeExpired(scope) },
    { name: 'old-rate-events', everyMs: HOUR, run: (scope) => services.limits.purge(scope) },
    { name: 'expired-webauthn-challenges', everyMs: HOUR, run: (scope) => services.passkeys.purgeChallenges(scope) },
    { name: 'old-audit-events', everyMs: 24 * HOUR, run: (scope) => services.audit.purge(scope) },
  ];
}
