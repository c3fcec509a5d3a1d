/**
 * How long a server's `Retry-After` may hold an elector back.
 *
 * @remarks
 * A 429 or 503 may say `Retry-After: 3600`; honoured as is, one such answer on a free Lease
 * left the election leaderless for an hour. The hint is a floor on the next retry, so it is
 * capped here: at {@link RETRY_AFTER_PERIODS} retry periods (an overloaded server still gets a
 * visibly longer pause than usual backoff), and never beyond one lease duration, the time any
 * follower would wait for a dead leader anyway. The store keeps the server's raw value on
 * `LeaseStoreError.retryAfterMs`; callers that schedule a retry pass it through this.
 *
 * @module
 */
import type { ElectionTiming } from './config.js';

/** The cap in retry periods; see the module remarks. */
export const RETRY_AFTER_PERIODS = 5;

/**
 * The delay to honour for a server's `Retry-After` of `ms` milliseconds.
 *
 * @returns `undefined` when there was no usable hint (absent, negative, not a number);
 *   otherwise `ms` capped at `min(RETRY_AFTER_PERIODS × retryPeriodMs, leaseDurationMs)`.
 */
export function capRetryAfter(
  ms: number | undefined,
  timing: Pick<ElectionTiming, 'retryPeriodMs' | 'leaseDurationMs'>,
): number | undefined {
  if (ms === undefined || Number.isNaN(ms) || ms < 0) return undefined;
  return Math.min(ms, RETRY_AFTER_PERIODS * timing.retryPeriodMs, timing.leaseDurationMs);
}
