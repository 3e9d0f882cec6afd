/**
 * The gallery sorted by capture time, cut into months under a heading each. A photo without a
 * capture time is where the server put it (by upload time), so it is dated by that.
 */

export interface Dated {
  createdAt: string;
  takenAt?: string | null;
}

export interface MonthGroup<T> {
  /** YYYY-MM, unique in the list: for keys and ids. */
  key: string;
  /** "May 2024". */
  label: string;
  items: T[];
}

/**
 * Consecutive photos of the same month together, in the order given. Months are read in UTC:
 * EXIF capture times carry no time zone and the server keeps them as written.
 */
export function groupByMonth<T extends Dated>(items: readonly T[], locale = 'en'): MonthGroup<T>[] {
  const groups: MonthGroup<T>[] = [];
  const format = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' });
  for (const item of items) {
    const date = new Date(item.takenAt ?? item.createdAt);
    const valid = !Number.isNaN(date.getTime());
    const key = valid ? `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}` : 'undated';
    const last = groups.at(-1);
    if (last?.key === key) {
      last.items.push(item);
      continue;
    }
    // Out of order (should the server's order change): a second group of a month gets its own key.
    const seen = groups.filter((group) => group.key === key || group.key.startsWith(`${key}~`)).length;
    groups.push({ key: seen ? `${key}~${seen}` : key, label: valid ? format.format(date) : 'Undated', items: [item] });
  }
  return groups;
}
