import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { RequestScope, ViewerScope } from '../../graphql/auth-checker.js';
import type { GraphQLContext } from '../../graphql/context.js';
import type { Scope, SignedInScope } from '../../scope.js';
import type { Services } from '../../services.js';
import type { AuthService } from '../session/auth.service.js';
import { AuthPayloadType, LoginInput, mapUser, RegisterInput, UserType } from './user.types.js';

@Resolver()
export class UserResolver {
  private readonly auth: AuthService;

  constructor(services: Services) {
    this.auth = services.auth;
  }

  @Query(() => UserType, { nullable: true, description: 'The logged-in user, or null.' })
  me(@RequestScope() scope: Scope): UserType | null {
    return scope.viewer ? mapUser(scope.viewer.user) : null;
  }

  @Mutation(() => UserType)
  async register(@RequestScope() scope: Scope, @Arg('input', () => RegisterInput) input: RegisterInput): Promise<UserType> {
    return mapUser(await this.auth.register(scope, input));
  }

  @Mutation(() => AuthPayloadType)
  async login(
    @RequestScope() scope: Scope,
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => LoginInput) input: LoginInput,
  ): Promise<AuthPayloadType> {
    const { user, token, deviceToken } = await this.auth.login(scope, input, ctx.device.token);
    ctx.session.start(token);
    ctx.device.remember(deviceToken);
    return Object.assign(new AuthPayloadType(), { user: mapUser(user), token });
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends the current session (cookie or bearer token).' })
  async logout(@ViewerScope() scope: SignedInScope, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await this.auth.logout(scope);
    ctx.session.end();
    return true;
  }
}
