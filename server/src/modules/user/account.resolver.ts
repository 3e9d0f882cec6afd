import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import type { AccountService } from './account.service.js';
import {
  ApiTokenType,
  ChangePasswordInput,
  CreateApiTokenInput,
  CreatedApiTokenType,
  mapApiToken,
  mapAuditEvent,
  mapSession,
  ResetPasswordInput,
  SecurityEventType,
  SessionInfoType,
} from './account.types.js';
import { mapUser, UserType } from './user.types.js';

/** Account security: password, e-mail links, sessions, API tokens and the user's security log. */
@Resolver()
export class AccountResolver {
  constructor(private readonly accounts: AccountService) {}

  @Mutation(() => Boolean, { description: 'Requires the current password.' })
  changePassword(@Ctx() ctx: GraphQLContext, @Arg('input', () => ChangePasswordInput) input: ChangePasswordInput): Promise<boolean> {
    return this.accounts.changePassword(ctx.em, ctx.origin, ctx.viewer, input);
  }

  @Mutation(() => UserType, { description: 'Confirms the e-mail address with the token from the verification mail.' })
  async verifyEmail(@Ctx() ctx: GraphQLContext, @Arg('token', () => String) token: string): Promise<UserType> {
    return mapUser(await this.accounts.verifyEmail(ctx.em, ctx.origin, token));
  }

  @Mutation(() => Boolean, { description: 'Sends the verification mail again.' })
  resendVerificationEmail(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    return this.accounts.resendVerification(ctx.em, ctx.viewer);
  }

  @Mutation(() => Boolean, { description: 'Always true, whether or not the address has an account.' })
  requestPasswordReset(@Ctx() ctx: GraphQLContext, @Arg('email', () => String) email: string): Promise<boolean> {
    return this.accounts.requestPasswordReset(ctx.em, ctx.origin, email);
  }

  @Mutation(() => Boolean, { description: 'Sets a new password from a reset link; ends every session and API token.' })
  resetPassword(@Ctx() ctx: GraphQLContext, @Arg('input', () => ResetPasswordInput) input: ResetPasswordInput): Promise<boolean> {
    return this.accounts.resetPassword(ctx.em, ctx.origin, input.token, input.newPassword);
  }

  @Query(() => [SessionInfoType], { description: 'Your active sessions.' })
  async sessions(@Ctx() ctx: GraphQLContext): Promise<SessionInfoType[]> {
    const { sessions, currentId } = await this.accounts.listSessions(ctx.em, ctx.viewer);
    return sessions.map((s) => mapSession(s, currentId));
  }

  @Mutation(() => Boolean)
  revokeSession(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return this.accounts.revokeSession(ctx.em, ctx.origin, ctx.viewer, id);
  }

  @Mutation(() => Int, { description: 'Ends every session but this one; returns how many ended.' })
  revokeOtherSessions(@Ctx() ctx: GraphQLContext): Promise<number> {
    return this.accounts.revokeOtherSessions(ctx.em, ctx.origin, ctx.viewer);
  }

  @Query(() => [ApiTokenType], { description: 'Your API tokens (never their secrets).' })
  async apiTokens(@Ctx() ctx: GraphQLContext): Promise<ApiTokenType[]> {
    return (await this.accounts.listApiTokens(ctx.em, ctx.viewer)).map(mapApiToken);
  }

  @Mutation(() => CreatedApiTokenType)
  async createApiToken(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => CreateApiTokenInput) input: CreateApiTokenInput,
  ): Promise<CreatedApiTokenType> {
    const { token, secret } = await this.accounts.createApiToken(ctx.em, ctx.origin, ctx.viewer, input);
    return Object.assign(new CreatedApiTokenType(), { token: mapApiToken(token), secret });
  }

  @Mutation(() => Boolean)
  revokeApiToken(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return this.accounts.revokeApiToken(ctx.em, ctx.origin, ctx.viewer, id);
  }

  @Query(() => [SecurityEventType], { description: 'Your recent security activity, newest first.' })
  async securityEvents(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
  ): Promise<SecurityEventType[]> {
    return (await this.accounts.securityEvents(ctx.em, ctx.viewer, first ?? 50)).map(mapAuditEvent);
  }
}
