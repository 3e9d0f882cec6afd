import { ALBUM_NAME_MAX } from '@lockframe/common';
import { describe, expect, it } from 'vitest';
import { albumNameProblem } from './album.ts';

describe('albumNameProblem', () => {
  it('wants a name that is not only spaces', () => {
    expect(albumNameProblem('')).toBe('Give the album a name.');
    expect(albumNameProblem('   ')).toBe('Give the album a name.');
    expect(albumNameProblem(' Summer ')).toBeNull();
  });

  it('counts characters, not UTF-16 units, up to the limit', () => {
    expect(albumNameProblem('😀'.repeat(ALBUM_NAME_MAX))).toBeNull();
    expect(albumNameProblem('a'.repeat(ALBUM_NAME_MAX + 1))).toMatch(/at most/);
  });
});
