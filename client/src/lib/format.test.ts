import { describe, expect, it } from 'vitest';
import {
  formatByteCount,
  formatBytes,
  formatCountdown,
  formatDateTime,
  formatDimensions,
  formatIp,
  formatLimit,
  formatMimeType,
  limitUnits,
  pluralize,
  secondsUntil,
} from './format.ts';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [10 * 1024, '10 KiB'],
    [512 * 1024, '512 KiB'],
    [1024 * 1024 - 1, '1 MiB'],
    [5 * 1024 * 1024, '5 MiB'],
    [4.84 * 1024 * 1024, '4.8 MiB'],
    [12_400_000, '12 MiB'],
    [3 * 1024 ** 3, '3 GiB'],
  ])('%d bytes → %s', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });

  it('never prints a trailing ".0"', () => {
    expect(formatBytes(2 * 1024)).toBe('2 KiB');
  });

  it('refuses nonsense', () => {
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });
});

describe('formatBytes in decimal units', () => {
  it.each([
    [999, '999 B'],
    [1000, '1 kB'],
    [1500, '1.5 kB'],
    [1_000_000, '1 MB'],
    [999_999, '1 MB'],
    [1_048_576, '1 MB'],
    [12_400_000, '12 MB'],
    [2_500_000_000, '2.5 GB'],
  ])('%d bytes → %s', (bytes, expected) => {
    expect(formatBytes(bytes, 'decimal')).toBe(expected);
  });
});

describe('formatLimit', () => {
  it.each([
    [5 * 1024 * 1024, '5 MiB', 'binary'],
    [1.5 * 1024 * 1024, '1.5 MiB', 'binary'],
    [512 * 1024, '512 KiB', 'binary'],
    [1024 ** 3, '1 GiB', 'binary'],
    [1_000_000, '1 MB', 'decimal'],
    [2_500_000, '2.5 MB', 'decimal'],
    [250_000, '250 kB', 'decimal'],
    [1_234_567, '1.2 MiB (1,234,567 bytes)', 'binary'],
  ])('%d bytes → %s', (bytes, expected, units) => {
    expect(formatLimit(bytes)).toBe(expected);
    expect(limitUnits(bytes)).toBe(units);
  });

  it('never rounds a limit up: 1,000,000 bytes is not "977 KiB"', () => {
    expect(formatBytes(1_000_000)).toBe('977 KiB');
    expect(formatLimit(1_000_000)).toBe('1 MB');
  });

  it('adds the exact count when asked', () => {
    expect(formatLimit(5 * 1024 * 1024, true)).toBe('5 MiB (5,242,880 bytes)');
    expect(formatLimit(1_234_567, true)).toBe('1.2 MiB (1,234,567 bytes)');
  });
});

describe('other formatting', () => {
  it('exact byte counts', () => {
    expect(formatByteCount(5_242_881)).toBe('5,242,881 bytes');
    expect(formatByteCount(1)).toBe('1 byte');
  });

  it('dimensions', () => {
    expect(formatDimensions(4032, 3024)).toBe('4032 × 3024 px');
  });

  it('MIME types with a readable name', () => {
    expect(formatMimeType('image/webp')).toBe('WebP (image/webp)');
    expect(formatMimeType('image/avif')).toBe('AVIF (image/avif)');
    expect(formatMimeType('application/x-unknown')).toBe('application/x-unknown');
  });

  it('dates in a given locale and zone, raw text when unparseable', () => {
    expect(formatDateTime('2026-11-23T10:15:30.000Z', 'en-GB', 'UTC')).toBe('23 Nov 2026, 10:15');
    expect(formatDateTime('not a date')).toBe('not a date');
  });

  it('pluralize', () => {
    expect(pluralize(0, 'photo')).toBe('0 photos');
    expect(pluralize(1, 'photo')).toBe('1 photo');
    expect(pluralize(1234, 'photo')).toBe('1,234 photos');
  });
});

describe('formatCountdown', () => {
  it.each([
    [42, '0:42'],
    [41.2, '0:42'],
    [0, '0:00'],
    [-5, '0:00'],
    [60, '1:00'],
    [900, '15:00'],
    [3725, '1:02:05'],
    [Number.NaN, '0:00'],
  ])('%d s → %s', (seconds, text) => {
    expect(formatCountdown(seconds)).toBe(text);
  });

  it('counts whole seconds left until a deadline', () => {
    expect(secondsUntil(10_000, 0)).toBe(10);
    expect(secondsUntil(10_000, 9_001)).toBe(1);
    expect(secondsUntil(10_000, 10_000)).toBe(0);
    expect(secondsUntil(10_000, 20_000)).toBe(0);
  });
});

describe('formatIp', () => {
  it('drops the IPv4-in-IPv6 prefix, keeps the rest', () => {
    expect(formatIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(formatIp('2001:db8::1')).toBe('2001:db8::1');
    expect(formatIp(null)).toBe('Unknown');
  });
});
