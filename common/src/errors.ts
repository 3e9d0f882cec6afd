/**
 * The server's stable error codes (GraphQL extensions.code). Clients switch on these: never
 * rename one, and add one here first so the client's handling is checked for it.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'MFA_REQUIRED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'FILE_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_IMAGE',
  'RATE_LIMITED',
  'EMAIL_NOT_VERIFIED',
  'ACCOUNT_DISABLED',
  'QUOTA_EXCEEDED',
  'SERVER_BUSY',
  'INTEGRITY_ERROR',
  'QUERY_TOO_COMPLEX',
  'REQUEST_TIMEOUT',
  'STORAGE_FULL',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
