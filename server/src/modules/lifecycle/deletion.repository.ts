import type { EntityManager } from '@mikro-orm/core';
import { db } from '../../db/database.js';
import { User } from '../user/user.entity.js';

/** The rows an account deletion walks through: the mark, the images' storage ids, then the rows. */
export class DeletionRepository {
  /** Marks the account as being deleted; false when it is missing or already marked. */
  async markDeleting(em: EntityManager, id: string): Promise<boolean> {
    return (await em.nativeUpdate(User, { id, deletingAt: null }, { deletingAt: new Date() })) > 0;
  }

  /** Accounts whose deletion started and did not finish (a crash, a restart). */
  async pending(em: EntityManager): Promise<string[]> {
    const rows = await db(em).selectFrom('users').select('id').where('deleting_at', 'is not', null).execute();
    return rows.map((r) => r.id);
  }

  async imageBatch(em: EntityManager, userId: string, limit: number): Promise<Array<{ id: string; storageId: string }>> {
    const rows = await db(em).selectFrom('images').select(['id', 'storage_id']).where('user_id', '=', userId).orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, storageId: r.storage_id }));
  }

  async deleteImages(em: EntityManager, userId: string, ids: readonly string[]): Promise<void> {
    if (ids.length) await db(em).deleteFrom('images').where('user_id', '=', userId).where('id', 'in', [...ids]).execute();
  }

  /** The account row; its sessions, tokens and e-mail tokens go with it (foreign keys cascade). */
  async deleteUser(em: EntityManager, id: string): Promise<void> {
    await db(em).deleteFrom('users').where('id', '=', id).execute();
  }
}
