import { AppError } from '../../errors.js';
import type { Scope } from '../../scope.js';
import { QuotaRepository } from './quota.repository.js';

/** Storage held for an upload in flight: kept once its image row commits, released otherwise. */
export interface StorageReservation {
  readonly bytes: number;
  release(): Promise<void>;
}

function quotaExceeded(bytes: number, usage: { storageBytes: number; quotaBytes: number | null } | null): AppError {
  const quota = usage?.quotaBytes ?? 0;
  const free = Math.max(0, quota - (usage?.storageBytes ?? 0));
  return new AppError('QUOTA_EXCEEDED', 'This upload does not fit in your storage quota. Delete some photos or ask an administrator for more space.', {
    quotaBytes: quota,
    freeBytes: free,
    neededBytes: bytes,
  });
}

/**
 * Storage quotas. An upload reserves its bytes (original plus display image and thumbnail)
 * before anything is written; the reservation is the account's counter itself, so parallel
 * uploads, other server processes included, see each other.
 */
export class QuotaService {
  constructor(private readonly quotas = new QuotaRepository()) {}

  /** QUOTA_EXCEEDED when `bytes` more would not fit; nothing is changed then. */
  async reserve(scope: Scope, userId: string, bytes: number): Promise<StorageReservation> {
    // Its own fork: the counter changes at once, outside whatever the request's EntityManager is doing.
    const em = scope.em.fork();
    if (!(await this.quotas.reserve(em, userId, bytes))) throw quotaExceeded(bytes, await this.quotas.usage(em, userId));
    let released = false;
    return {
      bytes,
      release: async () => {
        if (released) return;
        released = true;
        await this.quotas.release(scope.em.fork(), userId, bytes);
      },
    };
  }

  usage(scope: Scope, userId: string): Promise<{ storageBytes: number; quotaBytes: number | null } | null> {
    return this.quotas.usage(scope.em, userId);
  }
}
