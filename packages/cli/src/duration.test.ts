import { describe, expect, it } from 'vitest';
import { DurationError, formatMs, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['15s', 15_000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
    [' 2s ', 2_000],
    ['0s', 0],
  ])('parses %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('refuses a number without a unit, saying how to write it', () => {
    expect(() => parseDuration('15')).toThrow(/no unit: write e.g. 15s or 15ms/);
  });

  it.each(['', 's', '15 s', '15sec', '-1s', '1s2', 'abc', '1.s', '1e3ms'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });
});

describe('formatMs', () => {
  it.each([
    [0, '0 ms'],
    [850.4, '850 ms'],
    [3_421, '3.42 s'],
    [59_999, '60 s'],
    [4_000, '4 s'],
    [10_000, '10 s'],
    [3_500, '3.5 s'],
    [125_000, '2 min 05 s'],
    [119_600, '2 min 00 s'],
    [-1_500, '-1.5 s'],
  ])('formats %d', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
});
