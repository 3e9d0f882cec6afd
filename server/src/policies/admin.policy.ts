import { AppError, forbidden } from '../errors.js';
import type { Account, Scope, SignedInScope } from '../scope.js';

/**
 * What an administrator may do, and the one check for it.
 *
 * Rule: an admin manages accounts and never reads photos.
 * - Admin permissions are about accounts only: list them, disable, set a quota, delete. None of
 *   them reaches an image, its file name, its metadata or its bytes, and the admin API's types
 *   (AdminUser) carry counts and sizes only.
 * - No image permission is granted by role: policies/image.policy.ts gives access through grants
 *   (the owner grant, later shares) and no grant looks at a role, so `image(id)` and the media
 *   routes answer an admin NOT_FOUND for someone else's image, like anyone else.
 * - An admin acts on other accounts: never their own (disable, demote, delete), so an admin can't
 *   lock everyone out by accident; and the last active admin can't be taken away.
 * Tests: test/integration/admin-api.test.ts ("admin manages accounts, never reads photos").
 */
export type AdminPermission = 'account.list' | 'account.disable' | 'account.quota' | 'account.delete' | 'account.role';

export class AdminPolicy {
  /** The acting admin, or FORBIDDEN for everyone else (the edge has already refused anonymous callers). */
  require(scope: SignedInScope, _permission: AdminPermission): Account {
    const actor = scope.viewer.user;
    if (actor.role !== 'ADMIN') throw forbidden();
    return actor;
  }

  /** FORBIDDEN when an admin would act on their own account with a change that takes their power or access away. */
  requireOther(actor: Account | null, targetId: string, what: string): void {
    if (actor && actor.id === targetId) throw new AppError('FORBIDDEN', `You cannot ${what} your own account.`);
  }
}

/** Actions by the command line (an operator with the server's configuration) have no acting account. */
export function actorOf(scope: Scope): Account | null {
  return scope.viewer?.user ?? null;
}
