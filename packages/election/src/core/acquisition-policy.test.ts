import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  type AcquisitionState,
  acquireBackoff,
  acquireRetry,
  followerWake,
  mayAcquire,
} from './acquisition-policy.js';
import { MAX_TIMER_DELAY_MS } from './clock.js';
import { resolveConfig } from './config.js';
import { LeaseStoreError } from './errors.js';
import { parseLease } from './lease-record.js';
import { observe, UNSYNCED_VIEW } from './lease-view.js';

// leaseDuration 15 s, renewDeadline 10 s, retryPeriod 2 s.
const config = resolveConfig({ name: 'l', namespace: 'ns', identity: 'me' });
const lease = (holderIdentity: string) =>
  parseLease({
    metadata: { name: 'l', resourceVersion: '5' },
    spec: { holderIdentity, leaseDurationSeconds: 15, renewTime: '2026-12-01T00:00:00.000000Z' },
  });
/** A follower that saw `holder` renew at t = 1 000 (so its lease expires at 16 000). */
const following = (holder: string, patch: Partial<AcquisitionState> = {}): AcquisitionState => ({
  view: observe(UNSYNCED_VIEW, lease(holder), 1_000),
  stopRequested: false,
  retryAt: null,
  yieldUntil: null,
  assigned: false,
  ...patch,
});
/** A Lease that exists with no holder (pre-created or released), seen at t = 1 000. */
const free = (patch: Partial<AcquisitionState> = {}) => following('', patch);
/** No Lease at all, first seen absent at t = 1 000: waited out like an unknown holder. */
const absent = (patch: Partial<AcquisitionState> = {}) => ({
  ...following(''),
  view: observe(UNSYNCED_VIEW, null, 1_000),
  ...patch,
});

describe('whether a follower competes', () => {
  it.each([
    {
      what: 'a held lease one ms before it expires',
      state: following('a'),
      now: 15_999,
      may: false,
    },
    { what: 'a held lease when it expires', state: following('a'), now: 16_000, may: true },
    { what: 'a held lease one ms after it expires', state: following('a'), now: 16_001, may: true },
    { what: 'a free lease', state: free(), now: 1_000, may: true },
    {
      what: 'an absent Lease one ms before a lease duration has passed',
      state: absent(),
      now: 15_999,
      may: false,
    },
    { what: 'an absent Lease a lease duration later', state: absent(), now: 16_000, may: true },
    {
      what: 'before the first list',
      state: { ...free(), view: UNSYNCED_VIEW },
      now: 1e9,
      may: false,
    },
    { what: 'after a stop', state: free({ stopRequested: true }), now: 1e9, may: false },
    {
      what: 'one ms before the back-off ends',
      state: free({ retryAt: 5_000 }),
      now: 4_999,
      may: false,
    },
    { what: 'when the back-off ends', state: free({ retryAt: 5_000 }), now: 5_000, may: true },
    {
      what: 'one ms before a yield ends',
      state: free({ yieldUntil: 5_000 }),
      now: 4_999,
      may: false,
    },
    { what: 'when a yield ends', state: free({ yieldUntil: 5_000 }), now: 5_000, may: true },
    {
      what: 'a lease assigned to us',
      state: following('me', { assigned: true }),
      now: 1_000,
      may: true,
    },
    { what: 'our own name, not assigned', state: following('me'), now: 15_999, may: false },
    {
      // A fresh read after a lost race named another holder: the assignment is void.
      what: 'an assignment whose view now names another holder',
      state: following('a', { assigned: true }),
      now: 1_000,
      may: false,
    },
  ])('$what: $may', ({ state, now, may }) => {
    expect(mayAcquire(state, config, now)).toBe(may);
  });

  test.prop([fc.integer({ min: 0, max: 1e9 })])(
    'never takes a held lease before its holder’s lease duration has passed on our clock',
    (now) => {
      const state = following('a');
      expect(mayAcquire(state, config, now)).toBe(now >= 1_000 + config.leaseDurationMs);
    },
  );
});

describe('when a follower wakes by itself', () => {
  it.each([
    { what: 'at the holder’s expiry', state: following('a'), now: 6_000, wake: 10_000 },
    {
      what: 'at the end of a back-off, if sooner',
      state: following('a', { retryAt: 7_000 }),
      now: 6_000,
      wake: 1_000,
    },
    {
      what: 'at the end of a yield, if sooner',
      state: following('a', { yieldUntil: 6_001 }),
      now: 6_000,
      wake: 1,
    },
    {
      what: 'not for moments already past',
      state: following('a', { retryAt: 6_000 }),
      now: 6_000,
      wake: 10_000,
    },
    { what: 'never, on a free lease', state: free(), now: 6_000, wake: MAX_TIMER_DELAY_MS },
    { what: 'when an absence has been waited out', state: absent(), now: 6_000, wake: 10_000 },
  ])('$what', ({ state, now, wake }) => {
    expect(followerWake(state, config, now)).toBe(wake);
  });

  test.prop([
    fc.integer({ min: 0, max: 1e7 }),
    fc.option(fc.integer({ min: 0, max: 1e7 })),
    fc.option(fc.integer({ min: 0, max: 1e7 })),
  ])('wakes no later than the first moment its decision changes', (now, retryAt, yieldUntil) => {
    const state = following('a', { retryAt, yieldUntil });
    const wake = followerWake(state, config, now);
    expect(wake).toBeGreaterThan(0);
    if (!mayAcquire(state, config, now) && mayAcquire(state, config, now + MAX_TIMER_DELAY_MS)) {
      // Nothing changes strictly before the wake-up...
      expect(mayAcquire(state, config, now + wake - 1)).toBe(false);
    }
  });
});

describe('back-off between acquisition attempts', () => {
  const unavailable = new LeaseStoreError('unavailable', 'down');

  it('grows from a retry period to 30 s, with half of it jittered', () => {
    expect(acquireBackoff(config)).toEqual({ initialMs: 2_000, maxMs: 30_000 });
    expect(acquireBackoff({ ...config, retryPeriodMs: 60_000 }).maxMs).toBe(60_000);
    expect(acquireRetry(0, unavailable, config, () => 0)).toEqual({
      acquireFailures: 1,
      delayMs: 1_000,
    });
    expect(acquireRetry(0, unavailable, config, () => 1)).toEqual({
      acquireFailures: 1,
      delayMs: 2_000,
    });
    expect(acquireRetry(2, unavailable, config, () => 0).delayMs).toBe(4_000);
    expect(acquireRetry(20, unavailable, config, () => 0).delayMs).toBe(15_000);
  });

  it('caps a Retry-After: 3600 s waits at most 5 retry periods (found by review)', () => {
    const throttled = new LeaseStoreError('unavailable', '429', { retryAfterMs: 3_600_000 });
    expect(acquireRetry(0, throttled, config, () => 0).delayMs).toBe(10_000);
  });

  it('waits at least what the server asked for', () => {
    const throttled = new LeaseStoreError('unavailable', '429', { retryAfterMs: 9_000 });
    expect(acquireRetry(0, throttled, config, () => 0).delayMs).toBe(9_000);
  });

  test.prop([fc.nat(100), fc.double({ min: 0, max: 1, noNaN: true })])(
    'counts the failure and stays within [half, whole] of the capped exponential',
    (failures, r) => {
      const retry = acquireRetry(failures, unavailable, config, () => r);
      const base = Math.min(30_000, 2_000 * 2 ** Math.min(failures, 30));
      expect(retry.acquireFailures).toBe(failures + 1);
      expect(retry.delayMs).toBeGreaterThanOrEqual(base / 2);
      expect(retry.delayMs).toBeLessThanOrEqual(base);
    },
  );
});
