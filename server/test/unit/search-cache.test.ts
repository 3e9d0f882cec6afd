import { describe, expect, it } from 'vitest';
import { SearchIndexCache, type SearchEntry } from '../../src/modules/image/image.search.js';
import type { Scope } from '../../src/scope.js';

// The source stands in for the database: an index is stamped once when opened.
const noDatabase = {} as Scope;
const sameStamp = async (): Promise<string> => 'stamp';

const entry = (id: string): SearchEntry => ({ id, n: `${id}.jpg`, c: '', t: null, createdAt: 1, mimeType: 'image/jpeg' });

describe('SearchIndexCache', () => {
  it('opens a user index once for callers that arrive while it is being opened', async () => {
    let builds = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const cache = new SearchIndexCache({
      build: async (_scope, userId) => {
        builds++;
        await gate;
        return [entry(`${userId}-a`)];
      },
      freshness: sameStamp,
    });
    const waiting = Array.from({ length: 10 }, () => cache.entries(noDatabase, 'u1'));
    const other = cache.entries(noDatabase, 'u2');
    release();
    const results = await Promise.all(waiting);
    expect(builds).toBe(2);
    expect(results.every((r) => r === results[0])).toBe(true);
    expect(results[0]!.map((e) => e.id)).toEqual(['u1-a']);
    expect((await other).map((e) => e.id)).toEqual(['u2-a']);
    expect(cache.isCached('u1')).toBe(true);
  });

  it('tries again after a failed opening instead of keeping the failure', async () => {
    let builds = 0;
    const cache = new SearchIndexCache({
      build: async () => {
        if (++builds === 1) throw new Error('database went away');
        return [entry('x')];
      },
      freshness: sameStamp,
    });
    await expect(cache.entries(noDatabase, 'u1')).rejects.toThrow('database went away');
    expect(cache.isCached('u1')).toBe(false);
    expect((await cache.entries(noDatabase, 'u1')).map((e) => e.id)).toEqual(['x']);
    expect(builds).toBe(2);
  });
});
