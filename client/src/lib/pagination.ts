/** List helpers for cursor pagination. */

/**
 * Appends `incoming` to `existing`, skipping ids already shown. Pages can overlap when photos
 * are added or deleted between requests; a photo must never appear twice.
 */
export function appendUnique<T extends { id: string }>(existing: readonly T[], incoming: readonly T[]): T[] {
  const seen = new Set(existing.map((item) => item.id));
  const result = [...existing];
  for (const item of incoming) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    result.push(item);
  }
  return result;
}

/** Puts `newest` in front (newest first), skipping ids already present. Returns how many were added. */
export function prependUnique<T extends { id: string }>(existing: readonly T[], newest: readonly T[]): { items: T[]; added: number } {
  const seen = new Set(existing.map((item) => item.id));
  const fresh: T[] = [];
  for (const item of newest) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    fresh.push(item);
  }
  return { items: [...fresh, ...existing], added: fresh.length };
}
