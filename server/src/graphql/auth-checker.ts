import { createParameterDecorator, type AuthChecker } from 'type-graphql';
import { forbidden, unauthenticated } from '../errors.js';
import { signedIn, type Role } from '../scope.js';
import type { GraphQLContext } from './context.js';

/**
 * `@Authorized()` fields need a signed-in viewer (UNAUTHENTICATED otherwise); `@Authorized('ADMIN')`
 * also needs that role (FORBIDDEN otherwise). Checked before the resolver runs.
 */
export const authChecker: AuthChecker<GraphQLContext, Role> = ({ context }, roles) => {
  const { viewer } = context.scope;
  if (!viewer) throw unauthenticated();
  if (roles.length && !roles.includes(viewer.user.role)) throw forbidden();
  return true;
};

/** The request's scope, whoever is asking. */
export function RequestScope() {
  return createParameterDecorator<GraphQLContext>(({ context }) => context.scope);
}

/** The request's scope as signed in, for fields under `@Authorized()`. */
export function ViewerScope() {
  return createParameterDecorator<GraphQLContext>(({ context }) => signedIn(context.scope));
}
