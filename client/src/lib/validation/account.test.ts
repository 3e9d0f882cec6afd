import { describe, expect, it } from 'vitest';
import {
  checkRegistration,
  emailProblem,
  passwordProblem as problemUnder,
  passwordProblems as problemsUnder,
  passwordRules,
  passwordSummary,
  usernameProblem,
} from './account.ts';

describe('password rules, classic policy (the default)', () => {
  const passwordProblem = (password: string) => problemUnder(password, 'classic');
  const passwordProblems = (password: string) => problemsUnder(password, 'classic');

  it('accepts a password that meets every rule', () => {
    expect(passwordProblem('Correct-Horse-9-Battery')).toBeNull();
    expect(passwordProblems('Aa1!aaaaaaaa')).toEqual([]);
  });

  it.each([
    ['', 'Password must be at least 12 characters.'],
    ['Short-1a', 'Password must be at least 12 characters.'],
    ['ALLUPPERCASE-1', 'Password must contain a lower-case letter (a–z).'],
    ['alllowercase-1', 'Password must contain an upper-case letter (A–Z).'],
    ['NoDigitsHere-x', 'Password must contain a digit (0–9).'],
    ['NoSymbols12345', 'Password must contain a symbol, such as ! ? # or -.'],
  ])('%j → %s', (password, problem) => {
    expect(passwordProblem(password)).toBe(problem);
  });

  it('takes 12 characters exactly and refuses 11', () => {
    expect(passwordProblem('Abcdefgh-1x')).toMatch(/at least 12/);
    expect(passwordProblem('Abcdefgh-12x')).toBeNull();
  });

  it('takes 128 characters and refuses 129, before anything else', () => {
    const base = 'Aa1!';
    expect(passwordProblem(base + 'a'.repeat(124))).toBeNull();
    expect(passwordProblem(base + 'a'.repeat(125))).toBe('Password must be at most 128 characters.');
  });

  it('judges characters by Unicode class, like the server: a space is a symbol, é is a letter', () => {
    expect(passwordProblem('Correct horse 9')).toBeNull();
    expect(passwordProblems('Correctéhorse9')[0]?.id).toBe('symbol');
    expect(passwordProblems('ÉCOLE-ÉTÉ-2026')[0]?.id).toBe('lowercase');
    // Length counts characters, not UTF-16 units.
    expect(passwordProblems('Aa1!📷📷📷📷📷📷📷')[0]?.id).toBe('too_short');
  });

  it('lists every broken rule in order', () => {
    expect(passwordProblems('abc').map((rule) => rule.id)).toEqual(['too_short', 'uppercase', 'digit', 'symbol']);
    expect(passwordRules('classic').map((rule) => rule.id)).toEqual(['too_long', 'too_short', 'lowercase', 'uppercase', 'digit', 'symbol']);
  });

  it('sums the rules up in one sentence', () => {
    expect(passwordSummary('classic')).toBe('Use at least 12 characters with upper and lower case, a digit and a symbol.');
  });
});

describe('password rules, nist policy', () => {
  it('has only the length rules', () => {
    expect(passwordRules('nist').map((rule) => rule.id)).toEqual(['too_long', 'too_short']);
    expect(passwordRules('nist').map((rule) => rule.label)).toEqual(['At most 128 characters', 'At least 15 characters']);
  });

  it('takes 15 characters exactly and refuses 14, with no composition rules', () => {
    expect(problemUnder('a'.repeat(14), 'nist')).toBe('Password must be at least 15 characters.');
    expect(problemUnder('a'.repeat(15), 'nist')).toBeNull();
    expect(problemUnder('correct horse battery staple', 'nist')).toBeNull();
    expect(problemsUnder('', 'nist').map((rule) => rule.id)).toEqual(['too_short']);
  });

  it('takes 128 characters and refuses 129', () => {
    expect(problemUnder('a'.repeat(128), 'nist')).toBeNull();
    expect(problemUnder('a'.repeat(129), 'nist')).toBe('Password must be at most 128 characters.');
  });

  it('refuses what classic takes when it is too short, and takes what classic refuses when it is long', () => {
    expect(problemUnder('Aa1!aaaaaaaa', 'classic')).toBeNull();
    expect(problemUnder('Aa1!aaaaaaaa', 'nist')).toMatch(/at least 15/);
    expect(problemUnder('alllowercasewords', 'classic')).toMatch(/upper-case/);
    expect(problemUnder('alllowercasewords', 'nist')).toBeNull();
  });

  it('sums the rules up without composition rules', () => {
    expect(passwordSummary('nist')).toBe('Use at least 15 characters. A few unrelated words make a good one.');
  });
});

describe('usernames', () => {
  it.each([
    ['alice', null],
    ['a_b.c-d9', null],
    ['abc', null],
    ['a'.repeat(32), null],
    ['', 'Choose a username.'],
    ['ab', 'Username must be at least 3 characters.'],
    ['a'.repeat(33), 'Username must be at most 32 characters.'],
    ['alice smith', 'Username may only use letters a–z, digits, "_", "." and "-".'],
    ['élise', 'Username may only use letters a–z, digits, "_", "." and "-".'],
    ['<script>', 'Username may only use letters a–z, digits, "_", "." and "-".'],
  ])('%j → %s', (username, problem) => {
    expect(usernameProblem(username)).toBe(problem);
  });
});

describe('e-mail addresses', () => {
  it.each(['alice@example.com', 'a.b+tag@mail.example.org'])('accepts %s', (email) => {
    expect(emailProblem(email)).toBeNull();
  });

  it.each(['', 'alice', 'alice@', '@example.com', 'alice@example', 'al ice@example.com', 'a@b@example.com', `${'a'.repeat(250)}@example.com`])(
    'refuses %j',
    (email) => {
      expect(emailProblem(email)).not.toBeNull();
    },
  );
});

describe('checkRegistration', () => {
  it('normalizes and reports one problem per field', () => {
    const { input, problems } = checkRegistration({ username: ' Alice ', email: ' alice@example.com ', password: 'weak' }, 'classic');
    expect(input).toEqual({ username: 'alice', email: 'alice@example.com', password: 'weak' });
    expect(problems).toEqual({ password: 'Password must be at least 12 characters.' });
  });

  it('lower-cases the e-mail address, as the server stores it', () => {
    expect(checkRegistration({ username: 'alice', email: ' Alice@Example.COM ', password: '' }, 'classic').input.email).toBe('alice@example.com');
  });

  it('returns no problems for good input', () => {
    expect(checkRegistration({ username: 'alice', email: 'alice@example.com', password: 'Correct-Horse-9-Battery' }, 'classic').problems).toEqual({});
  });

  it('checks the password under the given policy', () => {
    const raw = { username: 'alice', email: 'alice@example.com', password: 'Short-Pass-1a' };
    expect(checkRegistration(raw, 'classic').problems).toEqual({});
    expect(checkRegistration(raw, 'nist').problems).toEqual({ password: 'Password must be at least 15 characters.' });
    expect(checkRegistration({ ...raw, password: 'purple monkey dishwasher' }, 'nist').problems).toEqual({});
  });
});
