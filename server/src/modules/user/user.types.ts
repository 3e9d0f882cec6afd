import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { ROLES, type Account, type Role } from '../../scope.js';

export const RoleEnum = Object.fromEntries(ROLES.map((r) => [r, r])) as { [R in Role]: R };
registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'USER is everyone; ADMIN also manages accounts, and never sees anyone else\'s photos.',
});

@ObjectType('User')
export class UserType {
  @Field(() => ID) id!: string;
  @Field(() => String) username!: string;
  @Field(() => String) email!: string;
  @Field(() => Boolean) emailVerified!: boolean;
  @Field(() => RoleEnum) role!: Role;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType('AuthPayload')
export class AuthPayloadType {
  @Field(() => UserType) user!: UserType;
  @Field(() => String, { description: 'Bearer token for scripts; the same login also sets an HttpOnly session cookie.' })
  token!: string;
}

@InputType('RegisterInput')
export class RegisterInput {
  @Field(() => String) username!: string;
  @Field(() => String) email!: string;
  @Field(() => String) password!: string;
}

@InputType('LoginInput')
export class LoginInput {
  @Field(() => String, { description: 'Username or e-mail address.' }) username!: string;
  @Field(() => String) password!: string;
  @Field(() => String, { nullable: true, description: 'With two-factor sign-in on: a 6-digit TOTP code, or one recovery code.' })
  otp?: string | null;
}

/** The only way a User leaves the server: no hash, no internal columns. */
export function mapUser(user: Account): UserType {
  return Object.assign(new UserType(), {
    id: user.id,
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    role: user.role,
    createdAt: user.createdAt,
  });
}
