/**
 * A leader's term: its local deadline, the pace of its renewals, and what happens when it ends.
 *
 * @remarks
 * The deadline is counted from the moment a successful write was *sent*, never from its
 * answer: the server may have applied the write at any moment after sending, and followers
 * start their wait from when they see it. Every renewal attempt is bounded so that a call
 * that never answers leaves time to retry before the deadline; a term whose deadline passes
 * ends, whatever else is in flight.
 *
 * @module
 */
import type { ElectionConfig } from './config.js';
import type { TermEndReason } from './errors.js';
import type { StoredLease } from './lease-record.js';

/** A write that succeeded: the local times just before sending it and when its answer came. */
export interface AnsweredWrite {
  readonly sentAt: number;
  readonly answeredAt: number;
}

/**
 * The term's deadline after a successful acquisition (`previous` null) or renewal: a renew
 * deadline after the write was sent, never moving backwards.
 */
export function deadlineAfterWrite(
  write: AnsweredWrite,
  previous: number | null,
  config: ElectionConfig,
): number {
  const next = write.sentAt + config.renewDeadlineMs;
  return previous === null ? next : Math.max(previous, next);
}

/**
 * True when an acquisition's answer came while the term it started was still running on our
 * clock. One answered later landed, but must never make us act as leader.
 */
export function answeredInTime(write: AnsweredWrite, config: ElectionConfig): boolean {
  return write.answeredAt < write.sentAt + config.renewDeadlineMs;
}

/** True at and after the deadline: the term is over on our clock. */
export function deadlinePassed(deadline: number | null, now: number): boolean {
  return deadline !== null && now >= deadline;
}

/**
 * The pace of the server after one more write: a decaying maximum of this term's round trips
 * (send to answer), so one quick answer does not hide how slow the last few were. The first
 * write of a term (`previous` null) starts it.
 */
export function nextRoundTrip(previous: number | null, write: AnsweredWrite): number {
  const sample = write.answeredAt - write.sentAt;
  return previous === null ? sample : Math.max(sample, 0.8 * previous);
}

/** Renewal scheduling: a renewal every retry period while holding. */
export function renewInterval(config: ElectionConfig): number {
  return config.retryPeriodMs;
}

/**
 * Bound on one renewal attempt: the longest of a retry period, three times the recent round
 * trips and half the time left, at most until the deadline. A lost answer is given up early
 * enough to retry, and a slow server's answer is still waited for. Half the time left covers a
 * link whose round trips vary as much as they last: with 3/2/0.5 s timing and round trips of
 * 40–600 ms, the estimate decayed over a few quick answers gave up a 590 ms answer at 547 ms,
 * and the retry could not fit before the deadline (deep run of L1, seed 32670175).
 */
export function attemptTimeout(
  deadline: number | null,
  roundTripMs: number,
  config: ElectionConfig,
  now: number,
): number {
  const left = (deadline ?? 0) - now;
  return Math.min(left, Math.max(config.retryPeriodMs, 3 * roundTripMs, left / 2));
}

/**
 * Delay before retrying a failed renewal, well inside the deadline so that a single transient
 * error never ends a term: a jittered retry period, at most half the time left (but not a
 * storm: at least 100 ms).
 */
export function renewRetry(
  deadline: number | null,
  config: ElectionConfig,
  now: number,
  random: () => number,
): number {
  const left = (deadline ?? 0) - now;
  const jittered = config.retryPeriodMs * (0.5 + 0.5 * random());
  return Math.min(jittered, Math.max(left / 2, 100));
}

/**
 * Bound on an acquisition or a release: the renew deadline. An acquisition answered later
 * than that would have started a term already over.
 */
export function writeTimeout(config: ElectionConfig): number {
  return config.renewDeadlineMs;
}

/** Delay until the term's deadline (zero once it has passed). */
export function termDeadline(deadline: number | null, now: number): number {
  return Math.max(0, (deadline ?? 0) - now);
}

/** Bound on waiting for the leader's work after a term ends, before releasing. */
export function drainBound(config: ElectionConfig): number {
  return config.drainTimeoutMs;
}

/** What ending a term for `reason` entails. */
export interface TermEndPolicy {
  /** Release the Lease (if a fresh read shows we still hold it). */
  readonly release: boolean;
  /** Hold back from competing for a lease duration afterwards. */
  readonly yieldAfter: boolean;
}

/**
 * Lost: nothing to release. Deadline: release, in case our renewals did land. Stop: as
 * configured. A voluntary step-down or a preferred holder: release, then let someone else
 * take it.
 */
export function termEndPolicy(reason: TermEndReason, config: ElectionConfig): TermEndPolicy {
  switch (reason) {
    case 'lost':
      return { release: false, yieldAfter: false };
    case 'deadline':
      return { release: true, yieldAfter: false };
    case 'stop':
      return { release: config.releaseOnStop, yieldAfter: false };
    case 'preferred-holder':
    case 'step-down':
      return { release: true, yieldAfter: true };
  }
}

/** A stop that arrives while stepping down releases only if `releaseOnStop` allows it. */
export function releaseAfterStop(releaseOnExit: boolean, config: ElectionConfig): boolean {
  return releaseOnExit && config.releaseOnStop;
}

/** When a follower may compete again after a term that ended for `reason`. */
export function yieldUntilAfterTerm(
  reason: TermEndReason,
  current: number | null,
  config: ElectionConfig,
  now: number,
): number | null {
  return termEndPolicy(reason, config).yieldAfter ? now + config.leaseDurationMs : current;
}

/**
 * True when a fresh read shows `identity` still holding the Lease: the only ground for a
 * release (never a cached view, which is how a stale leader would blank its successor's
 * record) and for renewing on a fresh version after a conflict.
 */
export function stillHeld(lease: StoredLease | null, identity: string): boolean {
  return lease !== null && lease.record.holderIdentity === identity;
}

/** Restart a watch that has been silent this long: two lease durations, at least 30 s. */
export function watchIdleTimeout(config: ElectionConfig): number {
  return Math.max(2 * config.leaseDurationMs, 30_000);
}
