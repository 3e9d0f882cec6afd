import { Arg, Authorized, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { RequestScope, ViewerScope } from '../../graphql/auth-checker.js';
import type { Scope, SignedInScope } from '../../scope.js';
import type { Services } from '../../services.js';
import { UserType } from '../user/user.types.js';
import type { MfaService } from './mfa.service.js';
import { mapTotpSetup, TotpSetupType } from './mfa.types.js';

/** Two-factor sign-in (TOTP and recovery codes) of the signed-in account. */
@Resolver(() => UserType)
export class MfaResolver {
  private readonly mfa: MfaService;

  constructor(services: Services) {
    this.mfa = services.mfa;
  }

  @FieldResolver(() => Boolean, { description: 'Whether sign-in needs a second factor (TOTP) besides the password.' })
  mfaEnabled(@Root() user: UserType, @RequestScope() scope: Scope): Promise<boolean> {
    return this.mfa.isEnabled(scope, user.id);
  }

  @Authorized()
  @Mutation(() => TotpSetupType, { description: 'A new seed for an authenticator app; replaces a setup not yet confirmed.' })
  async beginTotpSetup(@ViewerScope() scope: SignedInScope): Promise<TotpSetupType> {
    return mapTotpSetup(await this.mfa.beginTotpSetup(scope));
  }

  @Authorized()
  @Mutation(() => [String], { description: 'Turns two-factor sign-in on with a code from the new seed; returns 10 single-use recovery codes, shown once.' })
  enableTotp(@ViewerScope() scope: SignedInScope, @Arg('code', () => String) code: string): Promise<string[]> {
    return this.mfa.enableTotp(scope, code);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Turns two-factor sign-in off; needs the password and a code (or a recovery code).' })
  disableTotp(
    @ViewerScope() scope: SignedInScope,
    @Arg('password', () => String) password: string,
    @Arg('otp', () => String) otp: string,
  ): Promise<boolean> {
    return this.mfa.disableTotp(scope, password, otp);
  }

  @Authorized()
  @Mutation(() => [String], { description: 'Replaces the recovery codes with 10 new ones (shown once); needs a code.' })
  regenerateRecoveryCodes(@ViewerScope() scope: SignedInScope, @Arg('otp', () => String) otp: string): Promise<string[]> {
    return this.mfa.regenerateRecoveryCodes(scope, otp);
  }
}
