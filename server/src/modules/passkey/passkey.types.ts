import { Field, ID, ObjectType } from 'type-graphql';
import type { PasskeyRecord } from './passkey.repository.js';

@ObjectType('Passkey')
export class PasskeyType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
}

/** No credential id, no public key: only what the owner needs to tell passkeys apart. */
export function mapPasskey(passkey: PasskeyRecord): PasskeyType {
  return Object.assign(new PasskeyType(), { id: passkey.id, name: passkey.name, createdAt: passkey.createdAt, lastUsedAt: passkey.lastUsedAt });
}
