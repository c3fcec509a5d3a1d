/**
 * The timing `leasehold run` gives its guard and its elector, from the election flags.
 *
 * @remarks
 * The library does not release a Lease while the term's work still runs: when the work
 * outlasts the elector's drain bound, the Lease is left to run out, and a successor waits a
 * lease duration. In `leasehold run` that work is COMMAND, and it ends when the guard reports
 * it reaped. A COMMAND that ignores SIGTERM is SIGKILLed at the end of the guard's stop grace;
 * the elector's drain bound must therefore come after that SIGKILL *and* the guard's report
 * of the reap, or every graceful hand-over of such a COMMAND would wait a lease duration. So
 * `--drain-timeout` sets COMMAND's grace (the guard's timing, `guard/schedule.ts`), and the
 * elector's bound is that grace, the kill margin and {@link REAP_REPORT_MARGIN_MS} on top.
 * A guard that cannot report within that (frozen, or COMMAND stuck in the kernel) leaves
 * the Lease to run out: no release while COMMAND may be alive.
 *
 * @module
 */
import {
  DEFAULT_TIMING,
  defaultDrainTimeoutMs,
  type LeaderElectorOptions,
} from '@leasehold/election';
import { type GuardTiming, guardTiming } from './guard/schedule.js';

/**
 * How long the elector waits, past the guard's latest SIGKILL, for the guard's report that
 * COMMAND has been reaped: the kernel ending COMMAND, the guard's `waitpid` and its SIGKILL
 * of the group's leftovers, one line on a pipe. Milliseconds on a quiet machine; the margin
 * is for a loaded one. Nothing waits it out unless the report never comes, and then the
 * Lease is not released anyway.
 */
export const REAP_REPORT_MARGIN_MS = 1_000;

/** What `leasehold run` derives from the election flags. */
export interface RunTiming {
  /** The guard's kill margin and graces, from `--renew-deadline` and `--drain-timeout`. */
  readonly guard: GuardTiming;
  /** The elector's `drainTimeoutMs`: past the guard's latest SIGKILL after a stop, and its report. */
  readonly electorDrainTimeoutMs: number;
}

/** The timing flags, as `electorOptionsFrom` passes them on (absent: the library's default). */
export type TimingOptions = Pick<
  LeaderElectorOptions,
  'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs' | 'drainTimeoutMs'
>;

/** The guard's timing and the elector's drain bound for `options`, defaults applied. */
export function runTiming(options: TimingOptions): RunTiming {
  const timing = {
    leaseDurationMs: options.leaseDurationMs ?? DEFAULT_TIMING.leaseDurationMs,
    renewDeadlineMs: options.renewDeadlineMs ?? DEFAULT_TIMING.renewDeadlineMs,
    retryPeriodMs: options.retryPeriodMs ?? DEFAULT_TIMING.retryPeriodMs,
  };
  const drainTimeoutMs = options.drainTimeoutMs ?? defaultDrainTimeoutMs(timing);
  const guard = guardTiming({ renewDeadlineMs: timing.renewDeadlineMs, drainTimeoutMs });
  return {
    guard,
    electorDrainTimeoutMs: guard.stopGraceMs + guard.killMarginMs + REAP_REPORT_MARGIN_MS,
  };
}
