import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce } from './debounce.ts';

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls once, with the last arguments, after the quiet time', () => {
    const fn = vi.fn();
    const debounced = debounce(fn, 300);
    debounced('c');
    vi.advanceTimersByTime(200);
    debounced('ca');
    vi.advanceTimersByTime(200);
    debounced('cat');
    expect(debounced.pending).toBe(true);
    vi.advanceTimersByTime(299);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledExactlyOnceWith('cat');
    expect(debounced.pending).toBe(false);
  });

  it('can run now or be dropped', () => {
    const fn = vi.fn();
    const debounced = debounce(fn, 300);
    debounced(1);
    debounced.flush();
    expect(fn).toHaveBeenCalledExactlyOnceWith(1);
    debounced(2);
    debounced.cancel();
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(1);
    debounced.flush();
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
