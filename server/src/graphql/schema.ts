import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import { ConfigResolver } from '../modules/config/config.resolver.js';
import { ImageResolver } from '../modules/image/image.resolver.js';
import { AccountResolver } from '../modules/user/account.resolver.js';
import { UserResolver } from '../modules/user/user.resolver.js';

export const resolverClasses = [UserResolver, AccountResolver, ImageResolver, ConfigResolver] as const;
type ResolverClass = (typeof resolverClasses)[number];

/**
 * Builds the schema. Resolver instances are made by createApp with their services, so tests
 * and the app share one wiring; the schema dump only needs the shapes, not the instances.
 */
export function buildGraphQLSchema(instances: Map<ResolverClass, object> = new Map()): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: resolverClasses,
    container: {
      get: (cls: ResolverClass) => {
        const instance = instances.get(cls);
        if (!instance) throw new Error(`No instance for resolver ${cls.name}`);
        return instance;
      },
    },
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
  });
}
