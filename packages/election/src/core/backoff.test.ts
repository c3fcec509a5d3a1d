import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

describe('backoffDelay', () => {
  it.each([
    { attempt: 1, low: 100, high: 200 },
    { attempt: 2, low: 200, high: 400 },
    { attempt: 9, low: 15_000, high: 30_000 },
    { attempt: 1_000, low: 15_000, high: 30_000 },
    { attempt: 0, low: 100, high: 200 },
  ])('attempt $attempt waits between $low and $high ms', ({ attempt, low, high }) => {
    expect(backoffDelay(DEFAULT_BACKOFF, attempt, () => 0)).toBe(low);
    expect(backoffDelay(DEFAULT_BACKOFF, attempt, () => 1)).toBe(high);
  });

  test.prop([fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 1, noNaN: true })])(
    'never shrinks from one attempt to the next for the same draw, and never passes the cap',
    (attempt, r) => {
      const now = backoffDelay(DEFAULT_BACKOFF, attempt, () => r);
      expect(backoffDelay(DEFAULT_BACKOFF, attempt + 1, () => r)).toBeGreaterThanOrEqual(now);
      expect(now).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxMs);
      expect(now).toBeGreaterThan(0);
    },
  );
});
