import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import { modules } from '../modules/index.js';
import type { ResolverClass } from '../modules/module.js';
import type { Services } from '../services.js';
import { authChecker } from './auth-checker.js';
import { UploadedFile, UploadScalar } from './upload.js';

export const resolverClasses = modules.flatMap((m) => m.resolvers ?? []);

/**
 * Builds the schema from the modules' resolvers, each made once with the app's services. The
 * schema dump (emit-schema.ts) needs only the shapes and passes no services.
 */
export function buildGraphQLSchema(services?: Services): Promise<GraphQLSchema> {
  const instances = new Map<ResolverClass, object>();
  return buildSchema({
    resolvers: resolverClasses as [ResolverClass, ...ResolverClass[]],
    container: {
      get: (cls: ResolverClass) => {
        if (!services) throw new Error('buildGraphQLSchema: no services, so no resolver can run');
        let instance = instances.get(cls);
        if (!instance) instances.set(cls, (instance = new cls(services)));
        return instance;
      },
    },
    authChecker,
    // UNAUTHENTICATED / FORBIDDEN come from the auth checker itself; this only applies when it returns false.
    authMode: 'error',
    scalarsMap: [
      { type: Date, scalar: DateTimeResolver },
      { type: UploadedFile, scalar: UploadScalar },
    ],
    validate: false,
  });
}
