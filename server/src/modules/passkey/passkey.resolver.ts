import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { RequestScope, ViewerScope } from '../../graphql/auth-checker.js';
import type { GraphQLContext } from '../../graphql/context.js';
import type { Scope, SignedInScope } from '../../scope.js';
import type { Services } from '../../services.js';
import type { AuthService } from '../session/auth.service.js';
import { AuthPayloadType, mapUser } from '../user/user.types.js';
import type { PasskeyService } from './passkey.service.js';
import { mapPasskey, PasskeyType } from './passkey.types.js';

/** Passkeys: registering and removing them (signed in), and signing in with one. */
@Resolver()
export class PasskeyResolver {
  private readonly service: PasskeyService;
  private readonly auth: AuthService;

  constructor(services: Services) {
    this.service = services.passkeys;
    this.auth = services.auth;
  }

  @Authorized()
  @Query(() => [PasskeyType])
  async passkeys(@ViewerScope() scope: SignedInScope): Promise<PasskeyType[]> {
    return (await this.service.list(scope)).map(mapPasskey);
  }

  @Authorized()
  @Mutation(() => GraphQLJSON, { description: 'WebAuthn creation options for navigator.credentials.create (user verification required).' })
  passkeyRegistrationOptions(@ViewerScope() scope: SignedInScope): Promise<unknown> {
    return this.service.registrationOptions(scope);
  }

  @Authorized()
  @Mutation(() => PasskeyType, { description: 'Registers the passkey the browser created from passkeyRegistrationOptions.' })
  async registerPasskey(
    @ViewerScope() scope: SignedInScope,
    @Arg('response', () => GraphQLJSON) response: unknown,
    @Arg('name', () => String) name: string,
  ): Promise<PasskeyType> {
    return mapPasskey(await this.service.register(scope, response, name));
  }

  @Authorized()
  @Mutation(() => Boolean)
  deletePasskey(@ViewerScope() scope: SignedInScope, @Arg('id', () => ID) id: string): Promise<boolean> {
    return this.service.delete(scope, id);
  }

  @Mutation(() => GraphQLJSON, { description: 'WebAuthn request options; without a username, any passkey of this site (discoverable).' })
  passkeyLoginOptions(@RequestScope() scope: Scope, @Arg('username', () => String, { nullable: true }) username?: string | null): Promise<unknown> {
    return this.service.loginOptions(scope, username);
  }

  @Mutation(() => AuthPayloadType, { description: 'Signs in with a passkey assertion; it satisfies two-factor sign-in on its own.' })
  async loginWithPasskey(
    @RequestScope() scope: Scope,
    @Ctx() ctx: GraphQLContext,
    @Arg('response', () => GraphQLJSON) response: unknown,
  ): Promise<AuthPayloadType> {
    const { user, token, deviceToken } = await this.auth.loginWithPasskey(scope, response, ctx.device.token);
    ctx.session.start(token);
    ctx.device.remember(deviceToken);
    return Object.assign(new AuthPayloadType(), { user: mapUser(user), token });
  }
}
