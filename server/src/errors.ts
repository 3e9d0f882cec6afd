import type { ErrorCode } from '@lockframe/common';
import { GraphQLError } from 'graphql';

/** Stable, user-facing error codes, listed in @lockframe/common. Clients switch on these; never rename one. */
export type { ErrorCode };

const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  MFA_REQUIRED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  FILE_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_IMAGE: 422,
  RATE_LIMITED: 429,
  EMAIL_NOT_VERIFIED: 403,
  ACCOUNT_DISABLED: 403,
  QUOTA_EXCEEDED: 413,
  SERVER_BUSY: 503,
  INTEGRITY_ERROR: 500,
  QUERY_TOO_COMPLEX: 400,
  REQUEST_TIMEOUT: 408,
  STORAGE_FULL: 507,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * A failure the user caused or can act on. Its message is safe to show as is;
 * anything that is not an AppError is logged and replaced by a generic message.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  toGraphQLError(): GraphQLError {
    return new GraphQLError(this.message, { extensions: { code: this.code, ...this.details } });
  }
}

export const unauthenticated = () => new AppError('UNAUTHENTICATED', 'You need to log in first.');
export const forbidden = () => new AppError('FORBIDDEN', 'You are not allowed to do this.');
export const accountDisabled = () => new AppError('ACCOUNT_DISABLED', 'This account has been disabled by an administrator.');
export const notFound = (what = 'Image') => new AppError('NOT_FOUND', `${what} not found.`);
export const badInput = (message: string, field?: string, extra?: Record<string, unknown>) =>
  new AppError('BAD_USER_INPUT', message, field || extra ? { ...(field ? { field } : {}), ...extra } : undefined);

export function fileTooLarge(maxBytes: number): AppError {
  const mib = maxBytes / (1024 * 1024);
  const shown = Number.isInteger(mib) ? `${mib} MiB` : `${maxBytes} bytes`;
  return new AppError('FILE_TOO_LARGE', `The file is too large: the limit is ${shown}.`, { maxBytes });
}
