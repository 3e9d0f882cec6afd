import { describe, expect, it } from 'vitest';
import { tokenFromFragment, withoutFragment } from './link-token.ts';

const TOKEN = 'q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9Z0x_-';

describe('tokenFromFragment', () => {
  it('reads #token=…', () => {
    expect(tokenFromFragment(`#token=${TOKEN}`)).toBe(TOKEN);
    expect(tokenFromFragment(`token=${TOKEN}`)).toBe(TOKEN);
    expect(tokenFromFragment(`#other=1&token=${TOKEN}`)).toBe(TOKEN);
  });

  it.each(['', '#', '#token=', '#token=short', '#token=has spaces in it and more', `#token=${TOKEN}<script>`, `#${'x'.repeat(5000)}`])(
    'refuses %j',
    (hash) => {
      expect(tokenFromFragment(hash)).toBeNull();
    },
  );
});

describe('withoutFragment', () => {
  it('keeps the path and query, drops the fragment', () => {
    expect(withoutFragment(new URL(`https://x.example/verify-email?a=1#token=${TOKEN}`))).toBe('/verify-email?a=1');
  });
});
