import { describe, expect, it } from 'vitest';
import { compareFences, FENCING_EPOCH_ANNOTATION, fenceOf, fencingEpochOf } from './fence.js';
import { parseLease } from './lease-record.js';

const withAnnotations = (annotations?: Record<string, unknown>) =>
  parseLease({ metadata: { name: 'l', resourceVersion: '5', annotations }, spec: {} });

describe('fences', () => {
  it('orders (epoch, token) pairs: a newer epoch wins over any token of an older one', () => {
    expect(compareFences(fenceOf('7', 0), fenceOf('6', 2 ** 31 - 1))).toBeGreaterThan(0);
    expect(compareFences(fenceOf('7', 3), fenceOf('7', 4))).toBeLessThan(0);
    expect(compareFences(fenceOf('7', 3), fenceOf('7', 3))).toBe(0);
    expect(fenceOf('0', 5)).toBe('5');
  });

  it('compares past the precision of a Number and not as plain strings', () => {
    const big = fenceOf('123456789012345678', 1);
    expect(compareFences(big, fenceOf('123456789012345678', 2))).toBeLessThan(0);
    expect(compareFences('10', '9')).toBeGreaterThan(0); // '10' < '9' as strings
  });

  it('refuses a value that is not a decimal integer rather than guessing', () => {
    expect(() => compareFences('x', '1')).toThrow(TypeError);
    expect(() => compareFences('1', '-1')).toThrow(TypeError);
    expect(() => compareFences('1', '2.5')).toThrow(
      'fences are decimal integers, got "1" and "2.5"',
    );
  });

  it('reads the epoch annotation, and "0" for none or an unusable one', () => {
    expect(fencingEpochOf(withAnnotations({ [FENCING_EPOCH_ANNOTATION]: '42' }))).toBe('42');
    expect(fencingEpochOf(withAnnotations())).toBe('0');
    expect(fencingEpochOf(withAnnotations({ [FENCING_EPOCH_ANNOTATION]: 'soon' }))).toBe('0');
    expect(fencingEpochOf(withAnnotations({ [FENCING_EPOCH_ANNOTATION]: '007' }))).toBe('0');
  });

  it('takes only a string: a number in a hand-made object is not an epoch', () => {
    // The API server keeps annotations as strings; a custom store's object might not. A
    // number would pass the decimal test as text and then be returned as a number.
    const numeric = withAnnotations({ [FENCING_EPOCH_ANNOTATION]: 42 as unknown as string });
    expect(fencingEpochOf(numeric)).toBe('0');
  });
});
