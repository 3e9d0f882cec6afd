import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/index.js';

describe('error codes', () => {
  it('are unique and written as GraphQL extension codes are (UPPER_SNAKE)', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
  });

  it('keep the ones clients already switch on', () => {
    for (const code of ['UNAUTHENTICATED', 'BAD_USER_INPUT', 'NOT_FOUND', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR']) {
      expect(ERROR_CODES).toContain(code);
    }
  });
});
