import { describe, expect, it } from 'vitest';
import { groupByMonth } from './timeline.ts';

const photo = (id: string, takenAt: string | null, createdAt = '2026-12-01T10:00:00.000Z') => ({ id, takenAt, createdAt });

describe('groupByMonth', () => {
  it('puts consecutive photos of a month under one heading, in the order given', () => {
    const groups = groupByMonth([
      photo('a', '2024-05-30T22:00:00.000Z'),
      photo('b', '2024-05-01T00:00:00.000Z'),
      photo('c', '2023-12-31T23:59:59.000Z'),
    ]);
    expect(groups.map((g) => [g.key, g.label, g.items.map((i) => i.id)])).toEqual([
      ['2024-05', 'May 2024', ['a', 'b']],
      ['2023-12', 'December 2023', ['c']],
    ]);
  });

  it('reads months in UTC, as the capture times are written', () => {
    expect(groupByMonth([photo('a', '2024-06-01T00:30:00.000Z')])[0]?.label).toBe('June 2024');
  });

  it('dates a photo without a capture time by its upload', () => {
    expect(groupByMonth([photo('a', null, '2025-02-10T08:00:00.000Z')])[0]).toMatchObject({ key: '2025-02', label: 'February 2025' });
  });

  it('keeps keys unique when a month comes back later in the list', () => {
    const keys = groupByMonth([photo('a', '2024-05-02T00:00:00Z'), photo('b', '2024-04-02T00:00:00Z'), photo('c', '2024-05-01T00:00:00Z')]).map((g) => g.key);
    expect(keys).toEqual(['2024-05', '2024-04', '2024-05~1']);
  });

  it('gives an empty list for no photos', () => {
    expect(groupByMonth([])).toEqual([]);
  });
});
