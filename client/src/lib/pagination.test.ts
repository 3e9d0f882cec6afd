import { describe, expect, it } from 'vitest';
import { appendUnique, prependUnique } from './pagination.ts';

const items = (...ids: string[]) => ids.map((id) => ({ id }));

describe('pagination helpers', () => {
  it('appends a page without repeating photos already shown', () => {
    expect(appendUnique(items('a', 'b', 'c'), items('c', 'd', 'd', 'e'))).toEqual(items('a', 'b', 'c', 'd', 'e'));
  });

  it('puts new uploads on top and counts them', () => {
    expect(prependUnique(items('c', 'd'), items('a', 'b', 'c'))).toEqual({ items: items('a', 'b', 'c', 'd'), added: 2 });
    expect(prependUnique(items('a'), items('a')).added).toBe(0);
  });
});
