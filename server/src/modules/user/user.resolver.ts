import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import type { AuthService } from '../session/auth.service.js';
import { AuthPayloadType, LoginInput, mapUser, RegisterInput, UserType } from './user.types.js';

@Resolver()
export class UserResolver {
  constructor(private readonly auth: AuthService) {}

  @Query(() => UserType, { nullable: true, description: 'The logged-in user, or null.' })
  me(@Ctx() ctx: GraphQLContext): UserType | null {
    return ctx.viewer ? mapUser(ctx.viewer.user) : null;
  }

  @Mutation(() => UserType)
  async register(@Ctx() ctx: GraphQLContext, @Arg('input', () => RegisterInput) input: RegisterInput): Promise<UserType> {
    return mapUser(await this.auth.register(ctx, input));
  }

  @Mutation(() => AuthPayloadType)
  async login(@Ctx() ctx: GraphQLContext, @Arg('input', () => LoginInput) input: LoginInput): Promise<AuthPayloadType> {
    const { user, token } = await this.auth.login(ctx, input);
    return Object.assign(new AuthPayloadType(), { user: mapUser(user), token });
  }

  @Mutation(() => Boolean, { description: 'Ends the current session (cookie or bearer token).' })
  async logout(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    return this.auth.logout(ctx);
  }
}
