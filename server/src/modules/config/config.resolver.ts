import { PASSWORD_MIN, PASSWORD_POLICIES, type PasswordPolicyName } from '@lockframe/common';
import { Field, Int, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import type { Services } from '../../services.js';

/** GraphQL names the policies CLASSIC and NIST; the server's own value is 'classic' or 'nist'. */
export const PasswordPolicyEnum = Object.fromEntries(PASSWORD_POLICIES.map((p) => [p.toUpperCase(), p])) as {
  [P in PasswordPolicyName as Uppercase<P>]: P;
};
registerEnumType(PasswordPolicyEnum, {
  name: 'PasswordPolicy',
  description: 'The rules new passwords must meet (PASSWORD_POLICY).',
  valuesConfig: {
    CLASSIC: { description: `At least ${PASSWORD_MIN.classic} characters with lower and upper case letters, a digit and a symbol.` },
    NIST: { description: `At least ${PASSWORD_MIN.nist} characters, no composition rules (NIST SP 800-63B).` },
  },
});

/** What a client needs to pre-check input the way the server will: limits and policies, nothing secret. */
@ObjectType('ServerConfig')
export class ServerConfigType {
  @Field(() => Int, { description: 'Largest accepted upload in bytes (inclusive).' }) maxUploadBytes!: number;
  @Field(() => Int, { description: 'Largest accepted image in pixels, every animation frame counted.' }) maxImagePixels!: number;
  @Field(() => PasswordPolicyEnum) passwordPolicy!: PasswordPolicyName;
  @Field(() => Boolean, { description: 'Whether an account must confirm its e-mail address before uploading.' })
  emailVerificationRequired!: boolean;
}

@Resolver()
export class ConfigResolver {
  private readonly config: ServerConfigType;

  constructor(services: Services) {
    this.config = Object.assign(new ServerConfigType(), services.config);
  }

  @Query(() => ServerConfigType, { description: 'Public limits and policies of this server.' })
  serverConfig(): ServerConfigType {
    return this.config;
  }
}
