import { Field, ObjectType } from 'type-graphql';

@ObjectType('TotpSetup', { description: 'A new authenticator seed; two-factor sign-in is on once enableTotp accepts a code from it.' })
export class TotpSetupType {
  @Field(() => String, { description: 'The seed in base32, for typing into an app by hand.' }) secret!: string;
  @Field(() => String, { description: 'otpauth:// URI, for a QR code (draw it locally: it carries the seed).' }) otpauthUri!: string;
}

export function mapTotpSetup(setup: { secret: string; otpauthUri: string }): TotpSetupType {
  return Object.assign(new TotpSetupType(), { secret: setup.secret, otpauthUri: setup.otpauthUri });
}
