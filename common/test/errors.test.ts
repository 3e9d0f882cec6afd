import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from '../src/index.js';

describe('error codes', () => {
  it('are the stable list clients switch on', () => {
    expect(ERROR_CODES).toEqual([
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'BAD_USER_INPUT',
      'NOT_FOUND',
      'FILE_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
      'INVALID_IMAGE',
      'RATE_LIMITED',
      'EMAIL_NOT_VERIFIED',
      'SERVER_BUSY',
      'INTEGRITY_ERROR',
      'QUERY_TOO_COMPLEX',
      'INTERNAL_SERVER_ERROR',
    ]);
  });

  it('recognise only listed codes', () => {
    expect(isErrorCode('NOT_FOUND')).toBe(true);
    expect(isErrorCode('GRAPHQL_PARSE_FAILED')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
  });
});
