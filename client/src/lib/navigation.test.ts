import { describe, expect, it } from 'vitest';
import { loginPath, safeNext } from './navigation.ts';

describe('safeNext', () => {
  it.each([
    ['/images/abc', '/images/abc'],
    ['/upload?x=1#top', '/upload?x=1#top'],
    ['/', '/'],
  ])('keeps same-origin paths: %s', (raw, expected) => {
    expect(safeNext(raw)).toBe(expected);
  });

  it.each([null, undefined, '', 'images', '//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/login', '/login?next=/x', '/register'])(
    'refuses %j',
    (raw) => {
      expect(safeNext(raw)).toBe('/');
    },
  );
});

describe('loginPath', () => {
  it('adds a safe way back', () => {
    expect(loginPath('/images/abc')).toBe('/login?next=%2Fimages%2Fabc');
    expect(loginPath('/')).toBe('/login');
    expect(loginPath('//evil.example')).toBe('/login');
    expect(loginPath()).toBe('/login');
  });
});
