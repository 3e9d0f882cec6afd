import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { infrastructureError } from '../db/failures.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Codes Apollo and graphql-js produce for malformed requests; their messages are safe to show. */
const REQUEST_ERROR_CODES = new Set<string>([
  ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
  ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.BAD_USER_INPUT,
  ApolloServerErrorCode.BAD_REQUEST,
  ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
]);

/** graphql-js quotes the rejected input in its messages: a long value is shown by its start only. */
const LONG_QUOTED = /"((?:[^"\\]|\\.){60})(?:[^"\\]|\\.)+"/g;

function requestErrorMessage(message: string): string {
  return message.replace(LONG_QUOTED, '"$1…"');
}

/**
 * Errors are data: AppErrors keep their code and message; request errors keep theirs; anything
 * else is logged with the request id and replaced by a generic message. Never a stack trace.
 */
export function formatGraphQLError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    // Plugins throw GraphQLErrors; an AppError inside one is still ours to show.
    const original = unwrapped instanceof GraphQLError && unwrapped.originalError instanceof AppError ? unwrapped.originalError : unwrapped;
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
    if (original instanceof AppError) {
      return { ...base, message: original.message, extensions: { code: original.code, ...original.details } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
      return { ...base, message: requestErrorMessage(formatted.message), extensions: { code } };
    }
    // A GraphQLError without an original error is graphql-js rejecting the input (e.g. a bad variable).
    if (original instanceof GraphQLError && !original.originalError && !formatted.path) {
      return { ...base, message: requestErrorMessage(formatted.message), extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT } };
    }
    const infrastructure = infrastructureError(original);
    log.error({ err: original }, infrastructure ? `infrastructure failure: ${infrastructure.code}` : 'unexpected GraphQL error');
    if (infrastructure) return { ...base, message: infrastructure.message, extensions: { code: infrastructure.code, ...infrastructure.details } };
    return {
      message: 'Something went wrong on the server. Please try again.',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
