import { afterEach, describe, expect, it, vi } from 'vitest';
import { toasts } from './toast.svelte.ts';

describe('toast actions', () => {
  afterEach(() => toasts.clear());

  it('runs the action once and takes the toast away', () => {
    const run = vi.fn();
    const id = toasts.success('Moved “a.jpg” to the trash.', { label: 'Undo', run });
    expect(toasts.items[0]?.action?.label).toBe('Undo');
    toasts.act(id);
    expect(run).toHaveBeenCalledTimes(1);
    expect(toasts.items).toHaveLength(0);
    // A second click on a toast already gone does nothing.
    toasts.act(id);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('keeps plain toasts without an action', () => {
    toasts.info('Hello');
    expect(toasts.items[0]).not.toHaveProperty('action');
  });
});
