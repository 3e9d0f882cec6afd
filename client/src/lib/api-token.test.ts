import { describe, expect, it } from 'vitest';
import { curlExample, maskedPrefix, shellQuote, TOKEN_EXPIRY_CHOICES } from './api-token.ts';

describe('api token helpers', () => {
  it('quotes for the shell', () => {
    expect(shellQuote('abc')).toBe("'abc'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it('writes a curl call that asks who the token belongs to', () => {
    expect(curlExample('https://photos.example', 'lfk_abc')).toBe(
      `curl -s 'https://photos.example/graphql' -H 'authorization: Bearer lfk_abc' -H 'content-type: application/json' -d '{"query":"{ me { username } }"}'`,
    );
  });

  it('offers no expiry, 30, 90 and 365 days', () => {
    expect(TOKEN_EXPIRY_CHOICES.map((c) => c.days)).toEqual([null, 30, 90, 365]);
  });

  it('masks the prefix', () => {
    expect(maskedPrefix('lfk_AbCdEfGh')).toBe('lfk_AbCdEfGh…');
  });
});
