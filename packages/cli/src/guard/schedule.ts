/**
 * When the guard signals COMMAND's process group: the arithmetic, kept pure for tests.
 *
 * @remarks
 * The bound to keep: COMMAND is dead by the term's local deadline `D` (renew deadline after
 * the last successful renewal was sent). The library's safety argument puts every
 * follower's takeover after `D` in real time as long as clock rates stay within
 * `leaseDuration / renewDeadline`, so a COMMAND dead by `D` is dead before any other can lead,
 * with the same tolerance. The guard therefore sends SIGKILL at `D − killMargin` (the margin
 * absorbs a late timer and the kill itself), and SIGTERM a grace before that, so that a
 * COMMAND that handles SIGTERM can finish cleanly. A term that ends earlier (lost, stop,
 * step-down) gets SIGTERM at once and SIGKILL after the drain timeout, never later than the
 * deadline's cut.
 *
 * @module
 */

/** The guard's timing, derived from the election's. */
export interface GuardTiming {
  /** SIGKILL this long before the deadline. */
  readonly killMarginMs: number;
  /** SIGTERM this long before the SIGKILL when the deadline comes near without a renewal. */
  readonly deadlineGraceMs: number;
  /** After a stop (term ended, signal to leasehold): SIGKILL this long after SIGTERM. */
  readonly stopGraceMs: number;
}

/** The election timing the guard's is derived from. */
export interface ElectionTiming {
  readonly renewDeadlineMs: number;
  readonly drainTimeoutMs: number;
}

/**
 * Kill margin: a twentieth of the renew deadline, 50 ms to 500 ms. Deadline grace: the drain
 * timeout, at most half of what remains of the renew deadline, so that one late renewal does
 * not stop COMMAND. Stop grace: the drain timeout less the kill margin, so that COMMAND is
 * reaped before the library gives up waiting and releases.
 */
export function guardTiming({ renewDeadlineMs, drainTimeoutMs }: ElectionTiming): GuardTiming {
  const killMarginMs = Math.min(500, Math.max(50, renewDeadlineMs / 20));
  return {
    killMarginMs,
    deadlineGraceMs: Math.max(0, Math.min(drainTimeoutMs, (renewDeadlineMs - killMarginMs) / 2)),
    stopGraceMs: Math.max(0, drainTimeoutMs - killMarginMs),
  };
}

/** What the guard knows about the running COMMAND. */
export interface GuardState {
  /** The term's deadline (monotonic ms). */
  readonly deadline: number;
  /** When a stop was asked for (the elector's `stop`, or the elector went away), if it was. */
  readonly stopAt: number | null;
}

/** When to send SIGTERM and SIGKILL (monotonic ms); either may be in the past. */
export interface KillPlan {
  readonly termAt: number;
  readonly killAt: number;
}

/** The plan for `state`: the earlier of the deadline's and the stop's. */
export function killPlan(state: GuardState, timing: GuardTiming): KillPlan {
  const cut = state.deadline - timing.killMarginMs;
  const byDeadline = { termAt: cut - timing.deadlineGraceMs, killAt: cut };
  if (state.stopAt === null) return byDeadline;
  return {
    termAt: Math.min(byDeadline.termAt, state.stopAt),
    killAt: Math.min(cut, state.stopAt + timing.stopGraceMs),
  };
}
