import { ERROR_CODES } from '@lockframe/common';
import { CombinedError } from '@urql/core';
import { describe, expect, it } from 'vitest';
import { AppError, formatWait, fromGraphQLError, fromHttpStatus, NETWORK_MESSAGE, toAppError } from './errors.ts';

describe('fromGraphQLError', () => {
  it('keeps the server message and code', () => {
    const error = fromGraphQLError({ message: 'Image not found.', extensions: { code: 'NOT_FOUND' } });
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('Image not found.');
  });

  it.each(ERROR_CODES)('knows the server code %s, with a default message for it', (code) => {
    expect(fromGraphQLError({ message: 'Said by the server.', extensions: { code } }).code).toBe(code);
    expect(fromGraphQLError({ extensions: { code } }).message).not.toBe(fromGraphQLError({}).message);
  });

  it('carries the field of a BAD_USER_INPUT error', () => {
    const error = fromGraphQLError({ message: 'That username is taken.', extensions: { code: 'BAD_USER_INPUT', field: 'username' } });
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.field).toBe('username');
    expect(error.message).toBe('That username is taken.');
  });

  it('adds the wait to a rate limit when the message does not say it', () => {
    const error = fromGraphQLError({ message: 'Too many login attempts.', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 90 } });
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBe(90);
    expect(error.message).toBe('Too many login attempts. Try again in 2 minutes.');
  });

  it('does not repeat a wait the message already states', () => {
    const error = fromGraphQLError({ message: 'Try again in 30 seconds.', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 30 } });
    expect(error.message).toBe('Try again in 30 seconds.');
  });

  it('falls back to a default message when the server sent none', () => {
    expect(fromGraphQLError({ extensions: { code: 'FILE_TOO_LARGE' } }).message).toBe('This file is too large. The limit is 5 MiB.');
    expect(fromGraphQLError({ message: '   ', extensions: { code: 'INVALID_IMAGE' } }).message).toMatch(/not a valid image/);
  });

  it('turns schema mismatches into a reload hint instead of a parser message', () => {
    const error = fromGraphQLError({ message: 'Cannot query field "x" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/Reload the page/);
  });

  it('maps the multipart parser\'s PAYLOAD_TOO_LARGE to FILE_TOO_LARGE', () => {
    expect(fromGraphQLError({ message: 'The request body is too large.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }).code).toBe('FILE_TOO_LARGE');
  });

  it('does not show raw messages of errors without a code', () => {
    const error = fromGraphQLError({ message: 'TypeError: Cannot read properties of undefined' });
    expect(error.code).toBe('UNKNOWN');
    expect(error.message).toBe('Something went wrong. Please try again.');
  });

  it('does not show absurdly long messages', () => {
    expect(fromGraphQLError({ message: 'x'.repeat(5000), extensions: { code: 'INVALID_IMAGE' } }).message).toMatch(/not a valid image/);
  });
});

describe('toAppError', () => {
  it('reads urql CombinedErrors with GraphQL errors', () => {
    const combined = new CombinedError({
      graphQLErrors: [{ message: 'You need to log in first.', extensions: { code: 'UNAUTHENTICATED' } }],
    });
    const error = toAppError(combined);
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.message).toBe('You need to log in first.');
  });

  it('prefers the first error with a known code', () => {
    const error = toAppError([{ message: 'odd' }, { message: 'Wrong username, e-mail or password.', extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(error.code).toBe('UNAUTHENTICATED');
  });

  it('says "could not reach the server" for network failures', () => {
    const combined = new CombinedError({ networkError: new TypeError('Failed to fetch') });
    expect(toAppError(combined).code).toBe('NETWORK_ERROR');
    expect(toAppError(combined).message).toBe(NETWORK_MESSAGE);
    expect(NETWORK_MESSAGE).toMatch(/Could not reach the server/);
    expect(toAppError(new TypeError('Failed to fetch')).code).toBe('NETWORK_ERROR');
  });

  it('uses the HTTP status when a response came back without GraphQL errors', () => {
    const combined = new CombinedError({ networkError: new Error('Bad Gateway'), response: { status: 502 } });
    expect(toAppError(combined).code).toBe('SERVER_BUSY');
  });

  it('reads raw response bodies', () => {
    expect(toAppError({ errors: [{ message: 'Image not found.', extensions: { code: 'NOT_FOUND' } }] }).code).toBe('NOT_FOUND');
  });

  it('passes AppErrors through and hides unknown exceptions', () => {
    const original = new AppError('INVALID_IMAGE');
    expect(toAppError(original)).toBe(original);
    expect(toAppError(new Error('secret internals')).message).toBe('Something went wrong. Please try again.');
    expect(toAppError(undefined).code).toBe('UNKNOWN');
  });
});

describe('fromHttpStatus', () => {
  it.each([
    [0, 'NETWORK_ERROR'],
    [401, 'UNAUTHENTICATED'],
    [413, 'FILE_TOO_LARGE'],
    [415, 'UNSUPPORTED_MEDIA_TYPE'],
    [429, 'RATE_LIMITED'],
    [503, 'SERVER_BUSY'],
    [500, 'INTERNAL_SERVER_ERROR'],
    [400, 'BAD_REQUEST'],
  ] as const)('%d → %s', (status, code) => {
    expect(fromHttpStatus(status).code).toBe(code);
  });
});

describe('formatWait', () => {
  it.each([
    [0.2, '1 second'],
    [1, '1 second'],
    [45, '45 seconds'],
    [60, '1 minute'],
    [61, '2 minutes'],
    [900, '15 minutes'],
  ])('%d s → %s', (seconds, text) => {
    expect(formatWait(seconds)).toBe(text);
  });
});

describe('rate limits and password rules', () => {
  it('knows a lockout from a slow-down', () => {
    const locked = fromGraphQLError({
      message: 'Too many failed attempts: this is locked for 15 minutes. You can reset your password to get back in now.',
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 900, locked: true },
    });
    expect(locked.locked).toBe(true);
    expect(locked.retryAfterSeconds).toBe(900);
    const slow = fromGraphQLError({ message: 'Too many attempts. Try again in 8 seconds.', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 8, locked: false } });
    expect(slow.locked).toBe(false);
    expect(fromGraphQLError({ message: 'x', extensions: { code: 'NOT_FOUND', locked: true } }).locked).toBe(false);
  });

  it('carries the password rule a new password broke', () => {
    const error = fromGraphQLError({ message: 'That password is one of the most common passwords.', extensions: { code: 'BAD_USER_INPUT', field: 'newPassword', rule: 'common' } });
    expect(error.field).toBe('newPassword');
    expect(error.rule).toBe('common');
  });
});
