import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { ViewerScope } from '../../graphql/auth-checker.js';
import type { GraphQLContext } from '../../graphql/context.js';
import type { SignedInScope } from '../../scope.js';
import type { Services } from '../../services.js';
import type { DeletionService } from './deletion.service.js';

@Resolver()
export class DeletionResolver {
  private readonly deletions: DeletionService;

  constructor(services: Services) {
    this.deletions = services.deletions;
  }

  @Authorized('ADMIN')
  @Mutation(() => Boolean, { description: 'Deletes the account, its photos and every stored file at once. Never your own.' })
  async adminDeleteUser(@ViewerScope() scope: SignedInScope, @Arg('id', () => ID) id: string): Promise<boolean> {
    await this.deletions.deleteByAdmin(scope, id);
    return true;
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Deletes your account, your photos and every stored file at once; confirm with your password.' })
  async deleteAccount(@ViewerScope() scope: SignedInScope, @Ctx() ctx: GraphQLContext, @Arg('password', () => String) password: string): Promise<boolean> {
    await this.deletions.deleteOwn(scope, password);
    ctx.session.end();
    return true;
  }
}
