import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { AuditRecord } from '../audit/audit.repository.js';
import type { SessionRecord } from '../session/session.repository.js';
import type { ApiTokenRecord } from '../token/api-token.repository.js';

@InputType('ChangePasswordInput')
export class ChangePasswordInput {
  @Field(() => String) currentPassword!: string;
  @Field(() => String) newPassword!: string;
  @Field(() => Boolean, { nullable: true, description: 'Also end every other session.' }) endOtherSessions?: boolean | null;
}

@InputType('ResetPasswordInput')
export class ResetPasswordInput {
  @Field(() => String, { description: 'The token from the reset link.' }) token!: string;
  @Field(() => String) newPassword!: string;
}

@InputType('CreateApiTokenInput')
export class CreateApiTokenInput {
  @Field(() => String) name!: string;
  @Field(() => Int, { nullable: true, description: 'Days until it expires; none for no expiry.' }) expiresInDays?: number | null;
}

@ObjectType('SessionInfo')
export class SessionInfoType {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true, description: 'The browser or client that logged in.' }) userAgent!: string | null;
  @Field(() => String, { nullable: true }) ip!: string | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) lastSeenAt!: Date;
  @Field(() => Date) expiresAt!: Date;
  @Field(() => Boolean, { description: 'The session making this request.' }) current!: boolean;
}

@ObjectType('ApiToken')
export class ApiTokenType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'The first characters of the secret.' }) prefix!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
}

@ObjectType('CreatedApiToken')
export class CreatedApiTokenType {
  @Field(() => ApiTokenType) token!: ApiTokenType;
  @Field(() => String, { description: 'The secret, shown this once. Use it as a bearer token.' }) secret!: string;
}

@ObjectType('SecurityEvent')
export class SecurityEventType {
  @Field(() => ID) id!: string;
  @Field(() => String) event!: string;
  @Field(() => String, { nullable: true }) ip!: string | null;
  @Field(() => String, { nullable: true }) userAgent!: string | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => GraphQLJSON, { nullable: true }) details!: unknown;
}

export function mapSession(session: SessionRecord, currentId: string | null): SessionInfoType {
  return Object.assign(new SessionInfoType(), {
    id: session.id,
    userAgent: session.userAgent,
    ip: session.ip,
    createdAt: session.createdAt,
    lastSeenAt: session.lastSeenAt,
    expiresAt: session.expiresAt,
    current: session.id === currentId,
  });
}

export function mapApiToken(token: ApiTokenRecord): ApiTokenType {
  return Object.assign(new ApiTokenType(), {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    expiresAt: token.expiresAt,
  });
}

export function mapAuditEvent(event: AuditRecord): SecurityEventType {
  return Object.assign(new SecurityEventType(), {
    id: event.id,
    event: event.event,
    ip: event.ip,
    userAgent: event.userAgent,
    createdAt: event.createdAt,
    details: event.details,
  });
}
