/**
 * Edges of the pure election policy that the CI mutation pass (`pnpm test:mutation:ci`) found
 * unpinned. Two families:
 *
 * - A monotonic clock promises only that differences mean something (core/clock.ts), so its
 *   readings may be negative (a ManualClock with a negative `start`, a user's clock). Every
 *   "no deadline / no back-off" must then still mean "none", never "time 0": code that let
 *   `null` coerce to 0 in a comparison would refuse to act before t = 0.
 * - Single rules with no case of their own: a deadline ending a term releases even when
 *   releaseOnStop is off, the renewal retry's jitter lies in [½, 1) of a retry period, and the
 *   fold's holder / back-off / assignment flags for our own record.
 */
import { describe, expect, it } from 'vitest';
import { type AcquisitionState, followerWake, mayAcquire } from './acquisition-policy.js';
import { MAX_TIMER_DELAY_MS } from './clock.js';
import { resolveConfig } from './config.js';
import { parseLease, type StoredLease } from './lease-record.js';
import { isAcquirable, observe, prefersAnother, UNSYNCED_VIEW } from './lease-view.js';
import { foldObservation, type ObservationState } from './observation-fold.js';
import { deadlineAfterWrite, renewRetry, termEndPolicy } from './term-policy.js';

// leaseDuration 15 s, renewDeadline 10 s, retryPeriod 2 s.
const config = resolveConfig({ name: 'l', namespace: 'ns', identity: 'me' });
const lease = (rv: string, spec: Record<string, unknown>): StoredLease =>
  parseLease({ metadata: { name: 'l', resourceVersion: rv }, spec });
const record = (holderIdentity: string, extra: Record<string, unknown> = {}) => ({
  holderIdentity,
  leaseDurationSeconds: 15,
  renewTime: '2026-12-01T00:00:00.000000Z',
  ...extra,
});

describe('a clock that reads negative', () => {
  const T = -50_000;
  const freeAt = (now: number): AcquisitionState => ({
    view: observe(UNSYNCED_VIEW, lease('1', {}), now),
    stopRequested: false,
    retryAt: null,
    yieldUntil: null,
    assigned: false,
  });

  it('a free Lease is acquirable', () => {
    expect(isAcquirable(observe(UNSYNCED_VIEW, lease('1', {}), T), config, T)).toBe(true);
    // An absence is waited out from its (negative) observation, not from t = 0.
    const absent = observe(UNSYNCED_VIEW, null, T);
    expect(isAcquirable(absent, config, T + config.leaseDurationMs - 1)).toBe(false);
    expect(isAcquirable(absent, config, T + config.leaseDurationMs)).toBe(true);
  });

  it('a follower with no back-off and no yield competes for a free Lease', () => {
    expect(mayAcquire(freeAt(T), config, T)).toBe(true);
  });

  it('a back-off or a yield still holds until its moment, then lets go', () => {
    expect(mayAcquire({ ...freeAt(T), retryAt: T + 10 }, config, T + 9)).toBe(false);
    expect(mayAcquire({ ...freeAt(T), retryAt: T + 10 }, config, T + 10)).toBe(true);
    expect(mayAcquire({ ...freeAt(T), yieldUntil: T + 10 }, config, T + 9)).toBe(false);
    expect(mayAcquire({ ...freeAt(T), yieldUntil: T + 10 }, config, T + 10)).toBe(true);
  });

  it('a follower with nothing ahead sleeps the longest timer, not until t = 0', () => {
    expect(followerWake(freeAt(T), config, T)).toBe(MAX_TIMER_DELAY_MS);
  });

  it('the first deadline of a term is send + renewDeadline', () => {
    expect(deadlineAfterWrite({ sentAt: T, answeredAt: T + 300 }, null, config)).toBe(T + 10_000);
  });
});

describe('how a term ends', () => {
  it('a missed deadline releases even when releaseOnStop is off', () => {
    const keep = { ...config, releaseOnStop: false };
    expect(termEndPolicy('deadline', keep)).toEqual({ release: true, yieldAfter: false });
  });
});

describe('the renewal retry', () => {
  it('is jittered between half and all of a retry period', () => {
    // Far from the deadline, so only the jitter decides.
    expect(renewRetry(100_000, config, 0, () => 0.5)).toBe(1_500);
    expect(renewRetry(100_000, config, 0, () => 0.9)).toBe(1_900);
  });
});

describe('prefersAnother', () => {
  it('is false for an absent Lease', () => {
    expect(prefersAnother(null, 'me')).toBe(false);
  });
});

describe('folding an observation, single flags', () => {
  const followingA: ObservationState = {
    view: observe(UNSYNCED_VIEW, lease('10', record('a')), 1_000),
    term: null,
    assigned: false,
  };

  it("names no holder ('') for a deleted Lease, and does not end a back-off on it", () => {
    const fold = foldObservation(followingA, null, 'me', 2_000);
    expect(fold.holder).toBe('');
    expect(fold.endsBackoff).toBe(false);
  });

  it('a new record naming us does not end our back-off', () => {
    const fold = foldObservation(followingA, lease('11', record('me')), 'me', 2_000);
    expect(fold.view.observedAt).toBe(2_000);
    expect(fold.endsBackoff).toBe(false);
  });

  it('an earlier assignment does not make a Lease held by someone else ours', () => {
    const assignedBefore = { ...followingA, assigned: true };
    const fold = foldObservation(assignedBefore, lease('11', record('b')), 'me', 2_000);
    expect(fold.assigned).toBe(false);
  });

  it('a follower folds a record naming us with a preferred holder without failing', () => {
    const fold = foldObservation(
      followingA,
      lease('11', record('me', { strategy: 'OldestEmulationVersion', preferredHolder: 'b' })),
      'me',
      2_000,
    );
    expect(fold.holder).toBe('me');
    expect(fold.endsTerm).toBe('preferred-holder');
  });
});
