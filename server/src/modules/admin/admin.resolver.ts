import { GraphQLSafeInt } from 'graphql-scalars';
import { Arg, Authorized, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { ViewerScope } from '../../graphql/auth-checker.js';
import type { SignedInScope } from '../../scope.js';
import type { Services } from '../../services.js';
import type { AdminService } from './admin.service.js';
import { AdminActionType, AdminUserConnectionType, AdminUserType, mapAdminAction, mapAdminPage, mapAdminUser } from './admin.types.js';

/**
 * The admin API. `@Authorized('ADMIN')` refuses everyone else with FORBIDDEN before a resolver
 * runs (each field, so an alias is checked like the field itself); the service asks the admin
 * policy again, so no other caller of the service skips the rule.
 */
@Resolver()
export class AdminResolver {
  private readonly admin: AdminService;

  constructor(services: Services) {
    this.admin = services.admin;
  }

  @Authorized('ADMIN')
  @Query(() => AdminUserConnectionType, { description: 'Accounts, oldest first; `search` matches part of a username or e-mail address.' })
  async adminUsers(
    @ViewerScope() scope: SignedInScope,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('search', () => String, { nullable: true }) search: string | null,
  ): Promise<AdminUserConnectionType> {
    return mapAdminPage(await this.admin.list(scope, { first, after, search }));
  }

  @Authorized('ADMIN')
  @Query(() => [AdminActionType], { description: 'The latest admin actions (the audit trail), newest first.' })
  async adminActions(@ViewerScope() scope: SignedInScope, @Arg('first', () => Int, { defaultValue: 50 }) first: number): Promise<AdminActionType[]> {
    return (await this.admin.actions(scope, first)).map(mapAdminAction);
  }

  @Authorized('ADMIN')
  @Mutation(() => AdminUserType, { description: 'Disabling ends every session and API token of the account at once.' })
  async adminSetUserDisabled(
    @ViewerScope() scope: SignedInScope,
    @Arg('id', () => ID) id: string,
    @Arg('disabled', () => Boolean) disabled: boolean,
  ): Promise<AdminUserType> {
    return mapAdminUser(await this.admin.setDisabled(scope, id, disabled));
  }

  @Authorized('ADMIN')
  @Mutation(() => AdminUserType, { description: 'null: no quota.' })
  async adminSetUserQuota(
    @ViewerScope() scope: SignedInScope,
    @Arg('id', () => ID) id: string,
    @Arg('quotaBytes', () => GraphQLSafeInt, { nullable: true }) quotaBytes: number | null,
  ): Promise<AdminUserType> {
    return mapAdminUser(await this.admin.setQuota(scope, id, quotaBytes));
  }
}
