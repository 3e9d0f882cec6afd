import { Arg, Authorized, Mutation, Resolver } from 'type-graphql';
import { RequestScope, ViewerScope } from '../../graphql/auth-checker.js';
import type { Scope, SignedInScope } from '../../scope.js';
import type { Services } from '../../services.js';
import { mapUser, UserType } from '../user/user.types.js';
import type { EmailChangeService } from './email-change.service.js';

@Resolver()
export class EmailChangeResolver {
  private readonly changes: EmailChangeService;

  constructor(services: Services) {
    this.changes = services.emailChanges;
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Sends a confirmation link to the new address and a notice to the old; switches once the link is opened.' })
  changeEmail(
    @ViewerScope() scope: SignedInScope,
    @Arg('newEmail', () => String) newEmail: string,
    @Arg('password', () => String) password: string,
  ): Promise<boolean> {
    return this.changes.request(scope, newEmail, password);
  }

  @Mutation(() => UserType, { description: 'Opens the link sent to the new address: the address switches now.' })
  async confirmEmailChange(@RequestScope() scope: Scope, @Arg('token', () => String) token: string): Promise<UserType> {
    return mapUser(await this.changes.confirm(scope, token));
  }
}
