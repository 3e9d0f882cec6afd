import { AppError, notFound } from '../../errors.js';
import type { AdminPolicy } from '../../policies/admin.policy.js';
import type { Scope, SignedInScope } from '../../scope.js';
import type { SealedStore } from '../../storage/sealed-store.js';
import type { AdminRepository } from '../admin/admin.repository.js';
import type { AuditService } from '../audit/audit.service.js';
import type { RateLimitService } from '../ratelimit/rate-limit.service.js';
import type { SessionService } from '../session/session.service.js';
import type { ApiTokenService } from '../token/api-token.service.js';
import type { UserRepository } from '../user/user.repository.js';
import { DeletionRepository } from './deletion.repository.js';
import { confirmPassword } from './password-confirmation.js';

export interface DeletionServiceDeps {
  accounts: AdminRepository;
  users: UserRepository;
  policy: AdminPolicy;
  store: SealedStore;
  sessions: SessionService;
  apiTokens: ApiTokenService;
  limits: RateLimitService;
  audit: AuditService;
  rows?: DeletionRepository;
}

const BATCH = 200;
const lastAdmin = () => new AppError('FORBIDDEN', 'This is the last active administrator: promote another account first.');

/**
 * Deleting an account, by an admin or by its owner, crash-safe:
 * 1. the account is marked `deleting_at`: from then on no credential, login or listing sees it;
 * 2. its stored files are removed, image by image, each batch's rows after its files;
 * 3. the account row goes, and every row that hangs off it with it.
 * A crash anywhere leaves the mark, and the `account-deletions` task (run at every start)
 * resumes from step 2; removing a file twice is harmless. Once the row is gone the address and
 * the username can register again. The audit trail (no foreign key) keeps the deletion.
 */
export class DeletionService {
  private readonly rows: DeletionRepository;

  constructor(private readonly deps: DeletionServiceDeps) {
    this.rows = deps.rows ?? new DeletionRepository();
  }

  async deleteByAdmin(scope: SignedInScope, id: string): Promise<void> {
    const actor = this.deps.policy.require(scope, 'account.delete');
    this.deps.policy.requireOther(actor, id, 'delete');
    const target = await this.deps.accounts.findById(scope.em, id);
    if (!target) throw notFound('Account');
    if (target.role === 'ADMIN' && !target.disabled && !(await this.deps.accounts.withdrawAdmin(scope.em, target.id, 'demote'))) throw lastAdmin();
    await this.run(scope, target.id, { by: 'admin', adminId: actor.id, admin: actor.username });
  }

  /** The owner deletes their own account, confirming with their password (throttled like logins). */
  async deleteOwn(scope: SignedInScope, password: string): Promise<void> {
    const { user } = scope.viewer;
    await confirmPassword(scope, password, this.deps);
    if (user.role === 'ADMIN' && !(await this.deps.accounts.withdrawAdmin(scope.em, user.id, 'demote'))) throw lastAdmin();
    await this.run(scope, user.id, { by: 'owner' });
  }

  /** Finishes every deletion a crash or restart cut short (a maintenance task, also at start). */
  async resume(scope: Scope): Promise<number> {
    const pending = await this.rows.pending(scope.em);
    for (const id of pending) await this.finish(scope, id);
    if (pending.length) scope.log.warn({ accounts: pending.length }, 'finished account deletions that were interrupted');
    return pending.length;
  }

  private async run(scope: Scope, id: string, details: Record<string, unknown>): Promise<void> {
    if (!(await this.rows.markDeleting(scope.em, id))) throw notFound('Account');
    // The mark already refuses every credential; the rows go now so nothing lingers even for a moment.
    await this.deps.sessions.revokeAll(scope, id);
    await this.deps.apiTokens.revokeAll(scope, id);
    await this.deps.audit.record(scope, 'account.delete', id, details);
    await this.finish(scope, id);
  }

  private async finish(scope: Scope, id: string): Promise<void> {
    for (;;) {
      const batch = await this.rows.imageBatch(scope.em, id, BATCH);
      if (!batch.length) break;
      for (const image of batch) await this.deps.store.delete(image.storageId);
      await this.rows.deleteImages(scope.em, id, batch.map((b) => b.id));
    }
    await this.rows.deleteUser(scope.em, id);
  }
}

