import { describe, expect, it } from 'vitest';
import { EMAIL_MAX, isValidEmail, normalizeEmail, normalizeUsername, USERNAME_CHARACTERS, USERNAME_PATTERN } from '../src/index.js';

describe('usernames', () => {
  it('are trimmed and lower-cased', () => {
    expect(normalizeUsername('  Alice_01 ')).toBe('alice_01');
  });

  it.each([
    ['abc', true],
    ['a'.repeat(32), true],
    ['ab', false],
    ['a'.repeat(33), false],
    ['a.b-c_9', true],
    ['Alice', false],
    ['al ice', false],
    ['alice@example.com', false],
    ['ålice', false],
  ])('%j valid: %s', (username, valid) => {
    expect(USERNAME_PATTERN.test(username)).toBe(valid);
  });

  it('checks the characters apart from the length', () => {
    expect(USERNAME_CHARACTERS.test('ab')).toBe(true);
    expect(USERNAME_CHARACTERS.test('a b')).toBe(false);
  });
});

describe('e-mail addresses', () => {
  it('are trimmed and lower-cased, as the server stores them', () => {
    expect(normalizeEmail('  Alice@Example.COM ')).toBe('alice@example.com');
  });

  it.each([
    ['alice@example.com', true],
    ['a.b+tag@mail.example.co', true],
    ['alice@example', false],
    ['alice@example.c', false],
    ['alice example@example.com', false],
    ['<alice@example.com>', false],
    ['alice@@example.com', false],
    [`${'a'.repeat(64)}@example.com`, true],
    [`${'a'.repeat(65)}@example.com`, false],
  ])('%j valid: %s', (email, valid) => {
    expect(isValidEmail(email)).toBe(valid);
  });

  it(`refuses more than ${EMAIL_MAX} characters`, () => {
    const domain = `${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(63)}.com`;
    const fits = `${'a'.repeat(EMAIL_MAX - domain.length - 1)}@${domain}`;
    expect(fits).toHaveLength(EMAIL_MAX);
    expect(isValidEmail(fits)).toBe(true);
    expect(isValidEmail(`a${fits}`)).toBe(false);
  });
});
