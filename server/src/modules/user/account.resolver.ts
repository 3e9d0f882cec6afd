import { Arg, Authorized, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { RequestScope, ViewerScope } from '../../graphql/auth-checker.js';
import type { Scope, SignedInScope } from '../../scope.js';
import type { Services } from '../../services.js';
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
  private readonly accounts: AccountService;

  constructor(services: Services) {
    this.accounts = services.accounts;
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Requires the current password.' })
  changePassword(@ViewerScope() scope: SignedInScope, @Arg('input', () => ChangePasswordInput) input: ChangePasswordInput): Promise<boolean> {
    return this.accounts.changePassword(scope, input);
  }

  @Mutation(() => UserType, { description: 'Confirms the e-mail address with the token from the verification mail.' })
  async verifyEmail(@RequestScope() scope: Scope, @Arg('token', () => String) token: string): Promise<UserType> {
    return mapUser(await this.accounts.verifyEmail(scope, token));
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Sends the verification mail again.' })
  resendVerificationEmail(@ViewerScope() scope: SignedInScope): Promise<boolean> {
    return this.accounts.resendVerification(scope);
  }

  @Mutation(() => Boolean, { description: 'Always true, whether or not the address has an account.' })
  requestPasswordReset(@RequestScope() scope: Scope, @Arg('email', () => String) email: string): Promise<boolean> {
    return this.accounts.requestPasswordReset(scope, email);
  }

  @Mutation(() => Boolean, { description: 'Sets a new password from a reset link; ends every session and API token.' })
  resetPassword(@RequestScope() scope: Scope, @Arg('input', () => ResetPasswordInput) input: ResetPasswordInput): Promise<boolean> {
    return this.accounts.resetPassword(scope, input.token, input.newPassword);
  }

  @Authorized()
  @Query(() => [SessionInfoType], { description: 'Your active sessions.' })
  async sessions(@ViewerScope() scope: SignedInScope): Promise<SessionInfoType[]> {
    const { sessions, currentId } = await this.accounts.listSessions(scope);
    return sessions.map((s) => mapSession(s, currentId));
  }

  @Authorized()
  @Mutation(() => Boolean)
  revokeSession(@ViewerScope() scope: SignedInScope, @Arg('id', () => ID) id: string): Promise<boolean> {
    return this.accounts.revokeSession(scope, id);
  }

  @Authorized()
  @Mutation(() => Int, { description: 'Ends every session but this one; returns how many ended.' })
  revokeOtherSessions(@ViewerScope() scope: SignedInScope): Promise<number> {
    return this.accounts.revokeOtherSessions(scope);
  }

  @Authorized()
  @Query(() => [ApiTokenType], { description: 'Your API tokens (never their secrets).' })
  async apiTokens(@ViewerScope() scope: SignedInScope): Promise<ApiTokenType[]> {
    return (await this.accounts.listApiTokens(scope)).map(mapApiToken);
  }

  @Authorized()
  @Mutation(() => CreatedApiTokenType)
  async createApiToken(
    @ViewerScope() scope: SignedInScope,
    @Arg('input', () => CreateApiTokenInput) input: CreateApiTokenInput,
  ): Promise<CreatedApiTokenType> {
    const { token, secret } = await this.accounts.createApiToken(scope, input);
    return Object.assign(new CreatedApiTokenType(), { token: mapApiToken(token), secret });
  }

  @Authorized()
  @Mutation(() => Boolean)
  revokeApiToken(@ViewerScope() scope: SignedInScope, @Arg('id', () => ID) id: string): Promise<boolean> {
    return this.accounts.revokeApiToken(scope, id);
  }

  @Authorized()
  @Query(() => [SecurityEventType], { description: 'Your recent security activity, newest first.' })
  async securityEvents(
    @ViewerScope() scope: SignedInScope,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
  ): Promise<SecurityEventType[]> {
    return (await this.accounts.securityEvents(scope, first ?? 50)).map(mapAuditEvent);
  }
}
