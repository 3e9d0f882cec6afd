import { describe, expect, it } from 'vitest';
import { neighbours, viewerKeyAction } from './viewer.ts';

describe('neighbours', () => {
  const ids = ['c', 'b', 'a'];

  it('gives the photos either side in the list order', () => {
    expect(neighbours(ids, 'b')).toEqual({ previous: 'c', next: 'a' });
    expect(neighbours(ids, 'c')).toEqual({ previous: null, next: 'b' });
    expect(neighbours(ids, 'a')).toEqual({ previous: 'b', next: null });
  });

  it('gives none for a photo not in the list (opened from a link)', () => {
    expect(neighbours(ids, 'z')).toEqual({ previous: null, next: null });
    expect(neighbours([], 'a')).toEqual({ previous: null, next: null });
  });
});

describe('viewerKeyAction', () => {
  const press = (key: string, extra: Partial<Parameters<typeof viewerKeyAction>[0]> = {}) =>
    viewerKeyAction({ key, altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, defaultPrevented: false, target: null, ...extra });

  it('steps with the arrows and goes back with Escape', () => {
    expect(press('ArrowLeft')).toBe('previous');
    expect(press('ArrowRight')).toBe('next');
    expect(press('Escape')).toBe('back');
    expect(press('a')).toBeNull();
  });

  it('leaves keys alone with a modifier, when handled already, or in a form control', () => {
    expect(press('ArrowLeft', { altKey: true })).toBeNull();
    expect(press('ArrowRight', { metaKey: true })).toBeNull();
    expect(press('ArrowRight', { shiftKey: true })).toBeNull();
    expect(press('Escape', { defaultPrevented: true })).toBeNull();
    expect(press('ArrowLeft', { target: { tagName: 'INPUT' } as unknown as EventTarget })).toBeNull();
    expect(press('ArrowRight', { target: { tagName: 'select' } as unknown as EventTarget })).toBeNull();
    expect(press('ArrowRight', { target: { tagName: 'DIV', isContentEditable: true } as unknown as EventTarget })).toBeNull();
    expect(press('ArrowRight', { target: { tagName: 'BUTTON' } as unknown as EventTarget })).toBe('next');
  });
});
