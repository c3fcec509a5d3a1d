import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING } from './config.js';
import { capRetryAfter, RETRY_AFTER_PERIODS } from './retry-after.js';

describe('capRetryAfter', () => {
  it('keeps an hour-long Retry-After from leaving a free Lease leaderless for an hour', () => {
    const capped = capRetryAfter(3_600_000, DEFAULT_TIMING);
    expect(capped).toBe(RETRY_AFTER_PERIODS * DEFAULT_TIMING.retryPeriodMs);
    expect(capped).toBeLessThanOrEqual(DEFAULT_TIMING.leaseDurationMs);
  });

  it('never waits longer than a lease duration, whatever the retry period', () => {
    const timing = { retryPeriodMs: 4_000, leaseDurationMs: 15_000 };
    expect(capRetryAfter(60_000, timing)).toBe(15_000);
  });

  it('honours a short hint exactly', () => {
    expect(capRetryAfter(1_000, DEFAULT_TIMING)).toBe(1_000);
    expect(capRetryAfter(0, DEFAULT_TIMING)).toBe(0);
  });

  it('ignores an absent or unusable hint', () => {
    expect(capRetryAfter(undefined, DEFAULT_TIMING)).toBeUndefined();
    expect(capRetryAfter(-5, DEFAULT_TIMING)).toBeUndefined();
    expect(capRetryAfter(Number.NaN, DEFAULT_TIMING)).toBeUndefined();
  });

  it('caps an infinite hint', () => {
    expect(capRetryAfter(Number.POSITIVE_INFINITY, DEFAULT_TIMING)).toBe(10_000);
  });
});
