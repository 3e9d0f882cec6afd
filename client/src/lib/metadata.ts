/**
 * Turns an image's extracted metadata (arbitrary JSON from inside an uploaded file, so hostile)
 * into a bounded tree of plain text for display. Nothing here is ever rendered as HTML; the
 * limits keep a crafted file from producing a page with a million rows.
 */

export type MetadataNode =
  | { kind: 'text'; text: string }
  | { kind: 'list'; items: MetadataNode[]; more: number }
  | { kind: 'record'; entries: Array<{ key: string; value: MetadataNode }>; more: number };

export interface MetadataLimits {
  maxDepth: number;
  maxEntries: number;
  maxInlineItems: number;
  maxTextLength: number;
}

export const DEFAULT_METADATA_LIMITS: MetadataLimits = {
  maxDepth: 6,
  maxEntries: 200,
  maxInlineItems: 24,
  maxTextLength: 1000,
};

const isPlainRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function truncateText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/** A scalar as text: null → "—", true → "yes", numbers as written. */
export function scalarText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '—';
  if (typeof value === 'string') return value;
  return String(value);
}

const isScalar = (value: unknown) => value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value);

export function toMetadataNode(value: unknown, limits: MetadataLimits = DEFAULT_METADATA_LIMITS, depth = 0): MetadataNode {
  if (isScalar(value)) return { kind: 'text', text: truncateText(scalarText(value), limits.maxTextLength) };
  if (depth >= limits.maxDepth) return { kind: 'text', text: '… (nested too deeply to show)' };

  if (Array.isArray(value)) {
    // Short runs of numbers or words (GPS coordinates, bit depths) read best on one line.
    if (value.every(isScalar)) {
      const shown = value.slice(0, limits.maxInlineItems).map(scalarText).join(', ');
      const rest = value.length - limits.maxInlineItems;
      const text = rest > 0 ? `${shown} … (${rest} more)` : shown;
      return { kind: 'text', text: truncateText(text || '(empty)', limits.maxTextLength) };
    }
    const items = value.slice(0, limits.maxEntries).map((item) => toMetadataNode(item, limits, depth + 1));
    return { kind: 'list', items, more: Math.max(0, value.length - limits.maxEntries) };
  }

  if (isPlainRecord(value)) {
    const all = Object.entries(value);
    const entries = all.slice(0, limits.maxEntries).map(([key, child]) => ({
      key: truncateText(key, 200),
      value: toMetadataNode(child, limits, depth + 1),
    }));
    return { kind: 'record', entries, more: Math.max(0, all.length - limits.maxEntries) };
  }
  return { kind: 'text', text: '—' };
}

/** True when there is nothing worth a section: null, {}, [] or a blank string. */
export function isEmptyMetadata(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainRecord(value)) return Object.keys(value).length === 0;
  return false;
}
