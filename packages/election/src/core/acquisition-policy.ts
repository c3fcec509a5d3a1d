/**
 * When a follower competes for the Lease, and how long it waits after a failed attempt.
 *
 * @remarks
 * Pure functions of what the follower knows and the local monotonic time. A follower may
 * write when the Lease is free or its holder's lease has expired on our clock (or the
 * coordinator assigned it to us), and neither its own back-off nor a voluntary yield holds it
 * back. The machine wakes itself at the next moment this answer can change on its own.
 *
 * @module
 */
import { type BackoffPolicy, backoffDelay } from './backoff.js';
import { MAX_TIMER_DELAY_MS } from './clock.js';
import type { ElectionConfig } from './config.js';
import { type LeaseholdError, LeaseStoreError } from './errors.js';
import { expiresAt, holderOf, isAcquirable, type LeaseView } from './lease-view.js';
import { capRetryAfter } from './retry-after.js';

/** What a follower knows that decides whether it competes. */
export interface AcquisitionState {
  /** What we know about the Lease. */
  readonly view: LeaseView;
  readonly stopRequested: boolean;
  /** After a failed acquisition: do not try again before this. */
  readonly retryAt: number | null;
  /** After a voluntary step-down: do not compete before this, unless someone else leads. */
  readonly yieldUntil: number | null;
  /** The coordinator wrote our identity as holder while we were not leading. */
  readonly assigned: boolean;
}

/** True when a follower should write to take the Lease at `now`. */
export function mayAcquire(state: AcquisitionState, config: ElectionConfig, now: number): boolean {
  return (
    !state.stopRequested &&
    (state.retryAt === null || now >= state.retryAt) &&
    (state.yieldUntil === null || now >= state.yieldUntil) &&
    (holdsAssignment(state, config) || isAcquirable(state.view, config, now))
  );
}

/**
 * An assignment counts only while the view still names us. The flag is set when an
 * observation hands us the Lease; any later read that names another holder (a lost race's
 * fresh read, a relist after a partition) voids it. Without this check a stale flag let a
 * follower overwrite a holder whose term was live (found by the chaos property).
 */
export function holdsAssignment(state: AcquisitionState, config: ElectionConfig): boolean {
  return state.assigned && holderOf(state.view) === config.identity;
}

/**
 * Delay until the next moment a follower's decision can change by itself: the holder's
 * expiry, the end of a back-off or of a yield — whichever comes first and is still ahead.
 * With none ahead, the longest timer the clock allows (a watch event will wake us sooner).
 */
export function followerWake(state: AcquisitionState, config: ElectionConfig, now: number): number {
  const moments = [expiresAt(state.view, config), state.retryAt, state.yieldUntil]
    .filter((t): t is number => t !== null && t > now)
    .map((t) => t - now);
  return Math.min(MAX_TIMER_DELAY_MS, ...moments);
}

/** The back-off shape between acquisition attempts: from a retry period, up to 30 s. */
export function acquireBackoff(config: ElectionConfig): BackoffPolicy {
  return { initialMs: config.retryPeriodMs, maxMs: Math.max(30_000, config.retryPeriodMs) };
}

/** The state after a failed or unanswered acquisition. */
export interface AcquireRetry {
  /** Failed attempts in this election, this one included. */
  readonly acquireFailures: number;
  /** How long to wait before the next attempt. */
  readonly delayMs: number;
}

/**
 * The back-off after acquisition attempt number `failures + 1` failed with `error`: growing
 * with each failure, jittered, and never shorter than a server's `Retry-After` (capped by
 * {@link capRetryAfter}).
 */
export function acquireRetry(
  failures: number,
  error: LeaseholdError,
  config: ElectionConfig,
  random: () => number,
): AcquireRetry {
  const acquireFailures = failures + 1;
  // A server's Retry-After is a floor on the wait, capped so one answer cannot leave a free
  // Lease leaderless for an hour.
  const serverAsked =
    error instanceof LeaseStoreError ? (capRetryAfter(error.retryAfterMs, config) ?? 0) : 0;
  const delayMs = Math.max(
    serverAsked,
    backoffDelay(acquireBackoff(config), acquireFailures, random),
  );
  return { acquireFailures, delayMs };
}

/**
 * No back-off: an election that ended (a new holder wrote, we lost a race, we won) starts
 * the count again, or errors from separate elections would compound into a long wait.
 */
export const NO_BACKOFF = { acquireFailures: 0, retryAt: null } as const;
