import { describe, expect, it } from 'vitest';
import { isEmptyMetadata, scalarText, toMetadataNode, type MetadataLimits } from './metadata.ts';

describe('metadata display tree', () => {
  it('turns scalars into text', () => {
    expect(scalarText(null)).toBe('—');
    expect(scalarText(true)).toBe('yes');
    expect(scalarText(2.8)).toBe('2.8');
    expect(toMetadataNode('<img src=x onerror=alert(1)>')).toEqual({ kind: 'text', text: '<img src=x onerror=alert(1)>' });
  });

  it('keeps groups as records and short arrays on one line', () => {
    const node = toMetadataNode({ exif: { Make: 'Canon', FNumber: 2.8 }, gps: { latitude: [51, 30, 0.5] } });
    expect(node).toEqual({
      kind: 'record',
      more: 0,
      entries: [
        {
          key: 'exif',
          value: {
            kind: 'record',
            more: 0,
            entries: [
              { key: 'Make', value: { kind: 'text', text: 'Canon' } },
              { key: 'FNumber', value: { kind: 'text', text: '2.8' } },
            ],
          },
        },
        { key: 'gps', value: { kind: 'record', more: 0, entries: [{ key: 'latitude', value: { kind: 'text', text: '51, 30, 0.5' } }] } },
      ],
    });
  });

  it('bounds what a crafted file can make the page render', () => {
    const limits: MetadataLimits = { maxDepth: 2, maxEntries: 2, maxInlineItems: 3, maxTextLength: 5 };
    expect(toMetadataNode([1, 2, 3, 4, 5], limits)).toEqual({ kind: 'text', text: '1, 2,… (13 more characters)' });
    expect(toMetadataNode({ a: 1, b: 2, c: 3 }, limits)).toMatchObject({ kind: 'record', more: 1 });
    expect(toMetadataNode({ a: { b: { c: 1 } } }, limits)).toEqual({
      kind: 'record',
      more: 0,
      entries: [{ key: 'a', value: { kind: 'record', more: 0, entries: [{ key: 'b', value: { kind: 'text', text: '… (nested too deeply to show)' } }] } }],
    });
    expect(toMetadataNode([{ a: 1 }, { b: 2 }, { c: 3 }], limits)).toMatchObject({ kind: 'list', more: 1 });
  });

  it('shows keys like __proto__ as plain keys', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
    const node = toMetadataNode(parsed);
    expect(node.kind === 'record' && node.entries.map((e) => e.key)).toEqual(['__proto__', 'ok']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('knows when there is nothing to show', () => {
    expect(isEmptyMetadata(null)).toBe(true);
    expect(isEmptyMetadata({})).toBe(true);
    expect(isEmptyMetadata([])).toBe(true);
    expect(isEmptyMetadata(' ')).toBe(true);
    expect(isEmptyMetadata({ a: 1 })).toBe(false);
    expect(isEmptyMetadata(0)).toBe(false);
  });
});
