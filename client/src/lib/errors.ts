import { ACCEPTED_FORMATS_TEXT, DEFAULT_MAX_UPLOAD_BYTES, type ErrorCode as ServerErrorCode } from '@lockframe/common';
import { formatBytes } from './format.ts';

/**
 * Turns anything that went wrong — a urql CombinedError, a raw GraphQL response, a failed
 * XMLHttpRequest, a thrown exception — into one shape with a message a person understands.
 * The server writes its messages for people, so they are shown as they are; the defaults
 * below only cover what the server did not say.
 */

/** The server's codes (@lockframe/common), and what only the client can tell: a request it could not send or read. */
export type ErrorCode = ServerErrorCode | 'BAD_REQUEST' | 'NETWORK_ERROR' | 'UNKNOWN';

export interface GraphQLErrorLike {
  message?: unknown;
  extensions?: Record<string, unknown> | null;
}

export const NETWORK_MESSAGE = 'Could not reach the server. Check your connection and try again.';

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  UNAUTHENTICATED: 'Please log in to continue.',
  MFA_REQUIRED: 'Enter the 6-digit code from your authenticator app, or a recovery code.',
  FORBIDDEN: 'You are not allowed to do this.',
  BAD_USER_INPUT: 'Some of what you entered is not valid. Please check it and try again.',
  NOT_FOUND: 'We could not find that. It may have been deleted.',
  FILE_TOO_LARGE: `This file is too large. The limit is ${formatBytes(DEFAULT_MAX_UPLOAD_BYTES)}.`,
  UNSUPPORTED_MEDIA_TYPE: `This file type is not supported. Use ${ACCEPTED_FORMATS_TEXT}.`,
  INVALID_IMAGE: 'This file is not a valid image, or it is damaged.',
  RATE_LIMITED: 'Too many attempts. Please wait a little and try again.',
  EMAIL_NOT_VERIFIED: 'Please verify your e-mail address first: check your inbox for the link.',
  ACCOUNT_DISABLED: 'This account has been disabled by an administrator.',
  QUOTA_EXCEEDED: 'Your storage quota is full, so nothing was saved. Delete some photos or ask an administrator for more space.',
  SERVER_BUSY: 'The server is busy right now. Please try again in a moment.',
  INTEGRITY_ERROR: 'This photo failed its integrity check, so it is not shown.',
  QUERY_TOO_COMPLEX: 'This page asked the server for too much at once. Reload the page and try again.',
  REQUEST_TIMEOUT: 'The upload stalled and was stopped. Check your connection and try again.',
  STORAGE_FULL: "The server's storage is full, so nothing was saved. Try again later.",
  SERVICE_UNAVAILABLE: 'The server cannot reach its database right now. Please try again in a few seconds.',
  INTERNAL_SERVER_ERROR: 'Something went wrong on the server. Please try again.',
  BAD_REQUEST: 'The server could not read this request. Reload the page and try again.',
  NETWORK_ERROR: NETWORK_MESSAGE,
  UNKNOWN: 'Something went wrong. Please try again.',
};

/** Server codes that mean "this app sent something the schema does not know": a bug or a stale tab. */
const REQUEST_SHAPE_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE']);

const KNOWN_CODES = new Set<string>(Object.keys(DEFAULT_MESSAGES));

/** Longest server message shown as is; anything longer is not meant for people. */
const MAX_MESSAGE_LENGTH = 500;

export interface AppErrorOptions {
  field?: string | undefined;
  retryAfterSeconds?: number | undefined;
  locked?: boolean;
  rule?: string | undefined;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  /** The input the error is about (BAD_USER_INPUT), e.g. "password". */
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  /** RATE_LIMITED: the account is locked out (not just slowed down); a password reset gets back in. */
  readonly locked: boolean;
  /** BAD_USER_INPUT on a new password: the policy rule it broke, e.g. "common". */
  readonly rule: string | undefined;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? DEFAULT_MESSAGES[code]);
    this.name = 'AppError';
    this.code = code;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.locked = options.locked ?? false;
    this.rule = options.rule;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function usableMessage(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed && trimmed.length <= MAX_MESSAGE_LENGTH ? trimmed : undefined;
}

/** "30 seconds", "1 minute", "5 minutes". */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return s === 1 ? '1 second' : `${s} seconds`;
  const m = Math.ceil(s / 60);
  return m === 1 ? '1 minute' : `${m} minutes`;
}

function retryAfterOf(extensions: Record<string, unknown>): number | undefined {
  const raw = extensions.retryAfterSeconds ?? extensions.retryAfter;
  const n = typeof raw === 'string' ? Number(raw) : raw;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Maps one GraphQL error (as the server formats it) to an AppError. */
export function fromGraphQLError(error: GraphQLErrorLike): AppError {
  const extensions = isRecord(error.extensions) ? error.extensions : {};
  const rawCode = typeof extensions.code === 'string' ? extensions.code : '';
  const field = typeof extensions.field === 'string' ? extensions.field : undefined;
  const rule = typeof extensions.rule === 'string' ? extensions.rule : undefined;

  if (REQUEST_SHAPE_CODES.has(rawCode)) {
    return new AppError('BAD_REQUEST', 'This page sent a request the server did not understand. Reload the page and try again.');
  }
  const code: ErrorCode = KNOWN_CODES.has(rawCode) ? (rawCode as ErrorCode) : rawCode === 'PAYLOAD_TOO_LARGE' ? 'FILE_TOO_LARGE' : 'UNKNOWN';
  let message = usableMessage(error.message) ?? DEFAULT_MESSAGES[code];
  // An unknown code with a message from a server error that was not formatted for people: keep it generic.
  if (code === 'UNKNOWN' && !rawCode) message = DEFAULT_MESSAGES.UNKNOWN;

  const retryAfterSeconds = code === 'RATE_LIMITED' || code === 'SERVER_BUSY' ? retryAfterOf(extensions) : undefined;
  if (retryAfterSeconds !== undefined && !/\b(second|minute|hour)s?\b/i.test(message)) {
    message = `${message.replace(/\s*$/, '')} Try again in ${formatWait(retryAfterSeconds)}.`;
  }
  const locked = code === 'RATE_LIMITED' && extensions.locked === true;
  return new AppError(code, message, { field, retryAfterSeconds, locked, rule });
}

/** Picks the error worth showing from a list: the first one with a code we know. */
export function fromGraphQLErrors(errors: readonly GraphQLErrorLike[]): AppError {
  const mapped = errors.map(fromGraphQLError);
  return mapped.find((e) => e.code !== 'UNKNOWN') ?? mapped[0] ?? new AppError('UNKNOWN');
}

/** For a response that carried no GraphQL errors we could read: judge by the HTTP status alone. */
export function fromHttpStatus(status: number): AppError {
  if (status === 0) return new AppError('NETWORK_ERROR');
  if (status === 401) return new AppError('UNAUTHENTICATED');
  if (status === 404) return new AppError('NOT_FOUND');
  if (status === 413) return new AppError('FILE_TOO_LARGE');
  if (status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE');
  if (status === 429) return new AppError('RATE_LIMITED');
  if (status === 502 || status === 503 || status === 504) return new AppError('SERVER_BUSY', 'The server is not responding right now. Please try again in a moment.');
  if (status >= 500) return new AppError('INTERNAL_SERVER_ERROR');
  if (status >= 400) return new AppError('BAD_REQUEST');
  return new AppError('UNKNOWN');
}

function statusOf(response: unknown): number | undefined {
  return isRecord(response) && typeof response.status === 'number' ? response.status : undefined;
}

/**
 * Anything → AppError. Understands AppError, urql's CombinedError ({ graphQLErrors, networkError,
 * response }), a GraphQL response body ({ errors }), a bare list of GraphQL errors, and thrown values.
 */
export function toAppError(input: unknown): AppError {
  if (input instanceof AppError) return input;
  if (Array.isArray(input)) return fromGraphQLErrors(input.filter(isRecord));
  if (isRecord(input)) {
    const graphQLErrors = input.graphQLErrors;
    if (Array.isArray(graphQLErrors) && graphQLErrors.length > 0) return fromGraphQLErrors(graphQLErrors.filter(isRecord));
    const errors = input.errors;
    if (Array.isArray(errors) && errors.length > 0) return fromGraphQLErrors(errors.filter(isRecord));
    if ('networkError' in input && input.networkError) {
      const status = statusOf(input.response);
      // A response arrived (e.g. a proxy's 502): say what kind of failure; none: we could not connect.
      return status && status >= 400 ? fromHttpStatus(status) : new AppError('NETWORK_ERROR');
    }
  }
  // fetch() rejects with a TypeError when the network is down or the server is unreachable.
  if (input instanceof TypeError) return new AppError('NETWORK_ERROR');
  return new AppError('UNKNOWN');
}
