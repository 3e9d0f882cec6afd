import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { Role } from '../../scope.js';
import { PageInfoType } from '../image/image.types.js';
import { RoleEnum } from '../user/user.types.js';
import type { AdminAccountRecord, AdminActionRecord } from './admin.repository.js';
import type { AdminPage } from './admin.service.js';

/** An account as an administrator sees it: flags, counts and sizes; never a file name, metadata or bytes. */
@ObjectType('AdminUser')
export class AdminUserType {
  @Field(() => ID) id!: string;
  @Field(() => String) username!: string;
  @Field(() => String) email!: string;
  @Field(() => RoleEnum) role!: Role;
  @Field(() => Boolean) emailVerified!: boolean;
  @Field(() => Boolean) disabled!: boolean;
  @Field(() => Boolean, { description: 'Whether two-factor sign-in (TOTP) is on.' }) mfaEnabled!: boolean;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastLoginAt!: Date | null;
  @Field(() => Int) imageCount!: number;
  @Field(() => GraphQLSafeInt, { description: 'Bytes stored: originals plus their display images and thumbnails.' }) storageBytes!: number;
  @Field(() => GraphQLSafeInt, { nullable: true, description: 'Most bytes the account may store; null: no quota.' }) quotaBytes!: number | null;
}

@ObjectType('AdminUserConnection')
export class AdminUserConnectionType {
  @Field(() => [AdminUserType]) nodes!: AdminUserType[];
  @Field(() => Int) totalCount!: number;
  @Field(() => PageInfoType) pageInfo!: PageInfoType;
}

/** One admin action from the audit trail. */
@ObjectType('AdminAction')
export class AdminActionType {
  @Field(() => ID) id!: string;
  @Field(() => String) event!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => String, { nullable: true, description: 'The account acted on; null once it is deleted.' }) targetUsername!: string | null;
  @Field(() => String, { description: 'The admin by username, "command line", or "owner" (an account deleted by its owner).' }) actor!: string;
  @Field(() => GraphQLSafeInt, { nullable: true, description: 'The quota set (admin.quota).' }) quotaBytes!: number | null;
}

export function mapAdminAction(record: AdminActionRecord): AdminActionType {
  const details = record.details ?? {};
  const actor = details.by === 'admin' && typeof details.admin === 'string' ? details.admin : typeof details.by === 'string' ? details.by : 'unknown';
  return Object.assign(new AdminActionType(), {
    id: record.id,
    event: record.event,
    createdAt: record.createdAt,
    targetUsername: record.targetUsername,
    actor,
    quotaBytes: typeof details.quotaBytes === 'number' ? details.quotaBytes : null,
  });
}

export function mapAdminUser(record: AdminAccountRecord): AdminUserType {
  return Object.assign(new AdminUserType(), {
    id: record.id,
    username: record.username,
    email: record.email,
    role: record.role,
    emailVerified: record.emailVerified,
    disabled: record.disabled,
    mfaEnabled: record.mfaEnabled,
    createdAt: record.createdAt,
    lastLoginAt: record.lastLoginAt,
    imageCount: record.imageCount,
    storageBytes: record.storageBytes,
    quotaBytes: record.quotaBytes,
  });
}

export function mapAdminPage(page: AdminPage): AdminUserConnectionType {
  return Object.assign(new AdminUserConnectionType(), {
    nodes: page.nodes.map(mapAdminUser),
    totalCount: page.totalCount,
    pageInfo: Object.assign(new PageInfoType(), { hasNextPage: page.hasNextPage, endCursor: page.endCursor }),
  });
}
