import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { notFound } from '../../errors.js';
import type { GraphQLContext } from '../../graphql/context.js';
import type { AuditService } from '../audit/audit.service.js';
import { requireViewer, type SessionService } from '../session/session.service.js';
import type { ApiTokenService } from '../token/api-token.service.js';
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
  constructor(
    private readonly accounts: AccountService,
    private readonly sessionService: SessionService,
    private readonly tokens: ApiTokenService,
    private readonly audit: AuditService,
  ) {}

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
    const { user, session } = requireViewer(ctx.viewer);
    return (await this.sessionService.list(ctx.em, user.id)).map((s) => mapSession(s, session?.id ?? null));
  }

  @Mutation(() => Boolean)
  async revokeSession(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    const { user } = requireViewer(ctx.viewer);
    if (!(await this.sessionService.revokeById(ctx.em, user.id, id))) throw notFound('Session');
    await this.audit.record(ctx.em, ctx.origin, 'session.revoke', user.id, { sessionId: id });
    return true;
  }

  @Mutation(() => Int, { description: 'Ends every session but this one; returns how many ended.' })
  async revokeOtherSessions(@Ctx() ctx: GraphQLContext): Promise<number> {
    const { user, session } = requireViewer(ctx.viewer);
    const ended = await this.sessionService.revokeAll(ctx.em, user.id, session?.id ?? null);
    await this.audit.record(ctx.em, ctx.origin, 'session.revoke', user.id, { ended });
    return ended;
  }

  @Query(() => [ApiTokenType], { description: 'Your API tokens (never their secrets).' })
  async apiTokens(@Ctx() ctx: GraphQLContext): Promise<ApiTokenType[]> {
    return (await this.tokens.list(ctx.em, requireViewer(ctx.viewer).user)).map(mapApiToken);
  }

  @Mutation(() => CreatedApiTokenType)
  async createApiToken(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => CreateApiTokenInput) input: CreateApiTokenInput,
  ): Promise<CreatedApiTokenType> {
    const { user } = requireViewer(ctx.viewer);
    const { token, secret } = await this.tokens.create(ctx.em, user, input);
    await this.audit.record(ctx.em, ctx.origin, 'token.create', user.id, { tokenId: token.id, name: token.name });
    return Object.assign(new CreatedApiTokenType(), { token: mapApiToken(token), secret });
  }

  @Mutation(() => Boolean)
  async revokeApiToken(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    const { user } = requireViewer(ctx.viewer);
    const token = await this.tokens.revoke(ctx.em, user, id);
    await this.audit.record(ctx.em, ctx.origin, 'token.revoke', user.id, { tokenId: token.id });
    return true;
  }

  @Query(() => [SecurityEventType], { description: 'Your recent security activity, newest first.' })
  async securityEvents(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
  ): Promise<SecurityEventType[]> {
    const { user } = requireViewer(ctx.viewer);
    const n = Math.min(Math.max(first ?? 50, 1), 200);
    return (await this.audit.list(ctx.em, user.id, n)).map(mapAuditEvent);
  }
}
