import { decodeTimeIdCursor, encodeTimeIdCursor } from '../../db/cursor.js';
import { AppError, badInput, notFound } from '../../errors.js';
import { actorOf, type AdminPolicy } from '../../policies/admin.policy.js';
import type { Account, Scope, SignedInScope } from '../../scope.js';
import type { AuditService } from '../audit/audit.service.js';
import type { SessionService } from '../session/session.service.js';
import type { ApiTokenService } from '../token/api-token.service.js';
import type { UserService } from '../user/user.service.js';
import type { AdminAccountRecord, AdminActionRecord, AdminRepository } from './admin.repository.js';

export interface AdminServiceDeps {
  accounts: AdminRepository;
  policy: AdminPolicy;
  users: UserService;
  sessions: SessionService;
  apiTokens: ApiTokenService;
  audit: AuditService;
}

export interface AdminPage {
  nodes: AdminAccountRecord[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

const MAX_PAGE = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const lastAdmin = () => new AppError('FORBIDDEN', 'This is the last active administrator: promote another account first.');

/**
 * Account management for administrators (GraphQL) and the operator (the command line, which has
 * no acting account). Every change is audited on the target account, so its owner sees it in
 * their security activity.
 */
export class AdminService {
  constructor(private readonly deps: AdminServiceDeps) {}

  async list(scope: SignedInScope, args: { first: number; after?: string | null; search?: string | null }): Promise<AdminPage> {
    this.deps.policy.require(scope, 'account.list');
    const { first } = args;
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badInput(`"first" must be between 1 and ${MAX_PAGE}.`, 'first');
    const search = args.search?.trim().toLowerCase() || null;
    if (search && search.length > 254) throw badInput('The search is too long.', 'search');
    const cursor = args.after ? decodeTimeIdCursor(args.after) : null;
    const [rows, totalCount] = await Promise.all([
      this.deps.accounts.page(scope.em, { cursor, limit: first + 1, search }),
      this.deps.accounts.count(scope.em, search),
    ]);
    const nodes = rows.slice(0, first);
    const last = nodes.at(-1);
    return { nodes, totalCount, hasNextPage: rows.length > first, endCursor: last ? encodeTimeIdCursor(last) : null };
  }

  async setDisabled(scope: SignedInScope, id: string, disabled: boolean): Promise<AdminAccountRecord> {
    const actor = this.deps.policy.require(scope, 'account.disable');
    if (disabled) this.deps.policy.requireOther(actor, id, 'disable');
    const target = await this.target(scope, id);
    if (disabled && !target.disabled) {
      if (target.role === 'ADMIN') {
        if (!(await this.deps.accounts.withdrawAdmin(scope.em, target.id, 'disable'))) throw lastAdmin();
      } else {
        await this.deps.accounts.setDisabled(scope.em, target.id, true);
      }
      // The flag already refuses every credential (the lookups check it); these rows go too.
      await this.deps.sessions.revokeAll(scope, target.id);
      await this.deps.apiTokens.revokeAll(scope, target.id);
    } else if (!disabled && target.disabled) {
      await this.deps.accounts.setDisabled(scope.em, target.id, false);
    }
    await this.deps.audit.record(scope, disabled ? 'admin.disable' : 'admin.enable', target.id, this.by(actor));
    return this.target(scope, id);
  }

  async setQuota(scope: SignedInScope, id: string, quotaBytes: number | null): Promise<AdminAccountRecord> {
    const actor = this.deps.policy.require(scope, 'account.quota');
    if (quotaBytes !== null && (!Number.isSafeInteger(quotaBytes) || quotaBytes < 0)) {
      throw badInput('The quota must be a whole number of bytes, 0 or more, or null for none.', 'quotaBytes');
    }
    const target = await this.target(scope, id);
    await this.deps.accounts.setQuota(scope.em, target.id, quotaBytes);
    await this.deps.audit.record(scope, 'admin.quota', target.id, { ...this.by(actor), quotaBytes });
    return this.target(scope, id);
  }

  /** The latest admin actions for the console: who did what to which account, and when. */
  async actions(scope: SignedInScope, first: number): Promise<AdminActionRecord[]> {
    this.deps.policy.require(scope, 'account.list');
    if (!Number.isInteger(first) || first < 1 || first > 200) throw badInput('"first" must be between 1 and 200.', 'first');
    return this.deps.accounts.actions(scope.em, first);
  }

  // ---- the command line (an operator, no acting account) ----

  /** A new administrator, its address taken as verified (the operator typed it). */
  async createAdmin(scope: Scope, data: { username: string; email: string; password: string }): Promise<AdminAccountRecord> {
    const { user, existing } = await this.deps.users.register(scope, data);
    if (existing) throw badInput('That e-mail address is already registered.', 'email');
    await this.deps.accounts.setRole(scope.em, user.id, 'ADMIN');
    await this.deps.accounts.markVerified(scope.em, user.id);
    await this.deps.audit.record(scope, 'admin.create', user.id, this.by(actorOf(scope)));
    return this.target(scope, user.id);
  }

  async promote(scope: Scope, username: string): Promise<AdminAccountRecord> {
    const target = await this.byUsername(scope, username);
    if (target.role !== 'ADMIN') {
      await this.deps.accounts.setRole(scope.em, target.id, 'ADMIN');
      await this.deps.audit.record(scope, 'admin.promote', target.id, this.by(actorOf(scope)));
    }
    return this.target(scope, target.id);
  }

  async demote(scope: Scope, username: string): Promise<AdminAccountRecord> {
    const target = await this.byUsername(scope, username);
    this.deps.policy.requireOther(actorOf(scope), target.id, 'demote');
    if (target.role === 'ADMIN') {
      // A disabled admin holds no power, so demoting one never needs another to remain.
      const done = target.disabled
        ? (await this.deps.accounts.setRole(scope.em, target.id, 'USER'), true)
        : await this.deps.accounts.withdrawAdmin(scope.em, target.id, 'demote');
      if (!done) throw lastAdmin();
      await this.deps.audit.record(scope, 'admin.demote', target.id, this.by(actorOf(scope)));
    }
    return this.target(scope, target.id);
  }

  listAll(scope: Scope): Promise<AdminAccountRecord[]> {
    return this.deps.accounts.all(scope.em);
  }

  private async target(scope: Scope, id: string): Promise<AdminAccountRecord> {
    const found = UUID.test(id) ? await this.deps.accounts.findById(scope.em, id) : null;
    if (!found) throw notFound('Account');
    return found;
  }

  private async byUsername(scope: Scope, username: string): Promise<AdminAccountRecord> {
    const found = await this.deps.accounts.findByUsername(scope.em, username.trim().toLowerCase());
    if (!found) throw notFound('Account');
    return found;
  }

  /** Who did it, as the target's security activity shows it. */
  private by(actor: Account | null): Record<string, unknown> {
    return actor ? { by: 'admin', adminId: actor.id, admin: actor.username } : { by: 'command line' };
  }
}
