import { describe, expect, it } from 'vitest';
import {
  brokenPasswordRules,
  DEFAULT_PASSWORD_POLICY,
  firstBrokenPasswordRule,
  isPasswordPolicy,
  isTooLongPassword,
  meetsPasswordRule,
  PASSWORD_MAX,
  PASSWORD_MIN,
  passwordLength,
  passwordShapeRules,
} from '../src/index.js';

describe('password policies', () => {
  it('are classic (the default) and nist', () => {
    expect(DEFAULT_PASSWORD_POLICY).toBe('classic');
    expect(isPasswordPolicy('nist')).toBe(true);
    expect(isPasswordPolicy('NIST')).toBe(false);
    expect(isPasswordPolicy(undefined)).toBe(false);
    expect(isPasswordPolicy('')).toBe(false);
    expect(isPasswordPolicy(null)).toBe(false);
  });

  it('list their rules in the order they are checked', () => {
    expect(passwordShapeRules('classic')).toEqual(['too_long', 'too_short', 'lowercase', 'uppercase', 'digit', 'symbol']);
    expect(passwordShapeRules('nist')).toEqual(['too_long', 'too_short']);
  });
});

describe('classic', () => {
  it.each([
    ['Correct-Horse-9-Battery', null],
    ['Short-1a', 'too_short'],
    ['ALLUPPERCASE-1', 'lowercase'],
    ['alllowercase-1', 'uppercase'],
    ['NoDigitsHere-x', 'digit'],
    ['NoSymbols12345', 'symbol'],
  ])('%j breaks %s first', (password, rule) => {
    expect(firstBrokenPasswordRule(password, 'classic')).toBe(rule);
  });

  it(`takes ${PASSWORD_MIN.classic} characters and refuses one fewer`, () => {
    expect(firstBrokenPasswordRule('Abcdefgh-12x', 'classic')).toBeNull();
    expect(firstBrokenPasswordRule('Abcdefgh-1x', 'classic')).toBe('too_short');
  });

  it('judges characters by Unicode class: a space is a symbol, é a letter', () => {
    expect(firstBrokenPasswordRule('Correct horse 9', 'classic')).toBeNull();
    expect(firstBrokenPasswordRule('Correctéhorse9', 'classic')).toBe('symbol');
    expect(firstBrokenPasswordRule('ÉCOLE-ÉTÉ-2026', 'classic')).toBe('lowercase');
  });

  it('lists every broken rule', () => {
    expect(brokenPasswordRules('abc', 'classic')).toEqual(['too_short', 'uppercase', 'digit', 'symbol']);
    expect(brokenPasswordRules('', 'classic')).toEqual(['too_short', 'lowercase', 'uppercase', 'digit', 'symbol']);
  });
});

describe('nist', () => {
  it(`takes ${PASSWORD_MIN.nist} characters of any kind and refuses one fewer`, () => {
    expect(firstBrokenPasswordRule('a'.repeat(15), 'nist')).toBeNull();
    expect(firstBrokenPasswordRule('a'.repeat(14), 'nist')).toBe('too_short');
    expect(brokenPasswordRules('', 'nist')).toEqual(['too_short']);
  });
});

describe('length', () => {
  it('counts characters, not UTF-16 units', () => {
    expect(passwordLength('📷')).toBe(1);
    expect(firstBrokenPasswordRule('Aa1!📷📷📷📷📷📷📷', 'classic')).toBe('too_short');
  });

  it.each(['classic', 'nist'] as const)(`under %s, takes ${PASSWORD_MAX} characters and refuses one more, before anything else`, (policy) => {
    const max = `Aa1!${'x'.repeat(PASSWORD_MAX - 4)}`;
    expect(firstBrokenPasswordRule(max, policy)).toBeNull();
    expect(firstBrokenPasswordRule(`${max}x`, policy)).toBe('too_long');
    expect(firstBrokenPasswordRule('x'.repeat(PASSWORD_MAX + 1), policy)).toBe('too_long');
  });

  it(`takes ${PASSWORD_MAX} two-unit characters`, () => {
    expect(meetsPasswordRule('📷'.repeat(PASSWORD_MAX), 'too_long', 'nist')).toBe(true);
    expect(meetsPasswordRule('📷'.repeat(PASSWORD_MAX + 1), 'too_long', 'nist')).toBe(false);
    expect(isTooLongPassword('📷'.repeat(PASSWORD_MAX))).toBe(false);
    expect(isTooLongPassword(`${'📷'.repeat(PASSWORD_MAX)}x`)).toBe(true);
  });
});
