import { GraphQLSafeInt } from 'graphql-scalars';
import { FieldResolver, Resolver, Root } from 'type-graphql';
import { RequestScope } from '../../graphql/auth-checker.js';
import type { Scope } from '../../scope.js';
import type { Services } from '../../services.js';
import { UserType } from '../user/user.types.js';
import type { QuotaService } from './quota.service.js';

type Usage = { storageBytes: number; quotaBytes: number | null };
const NONE: Usage = { storageBytes: 0, quotaBytes: null };

/**
 * User.storageBytes / quotaBytes, for the signed-in viewer's own account. Any other User a
 * response carries (what `register` answers, before anyone is signed in) shows 0 and null, so the
 * answer can't tell a new account from one that already existed.
 */
@Resolver(() => UserType)
export class StorageResolver {
  private readonly quota: QuotaService;
  private readonly loaded = new WeakMap<UserType, Promise<Usage>>();

  constructor(services: Services) {
    this.quota = services.quota;
  }

  private usage(scope: Scope, user: UserType): Promise<Usage> {
    if (scope.viewer?.user.id !== user.id) return Promise.resolve(NONE);
    let found = this.loaded.get(user);
    if (!found) this.loaded.set(user, (found = this.quota.usage(scope, user.id).then((u) => u ?? NONE)));
    return found;
  }

  @FieldResolver(() => GraphQLSafeInt, { description: 'Bytes you store: originals plus their display images and thumbnails.' })
  async storageBytes(@RequestScope() scope: Scope, @Root() user: UserType): Promise<number> {
    return (await this.usage(scope, user)).storageBytes;
  }

  @FieldResolver(() => GraphQLSafeInt, { nullable: true, description: 'Most bytes you may store; null: no quota.' })
  async quotaBytes(@RequestScope() scope: Scope, @Root() user: UserType): Promise<number | null> {
    return (await this.usage(scope, user)).quotaBytes;
  }
}
