import { describe, expect, it } from 'vitest';
import { killPlan } from './guard/schedule.js';
import { REAP_REPORT_MARGIN_MS, runTiming } from './run-timing.js';

describe('runTiming', () => {
  it("takes --drain-timeout as COMMAND's grace, with the library's defaults for the rest", () => {
    // client-go's timing: drain 15 s − 10 s; the guard kills 4.5 s after SIGTERM.
    expect(runTiming({})).toEqual({
      guard: { killMarginMs: 500, deadlineGraceMs: 4_750, stopGraceMs: 4_500 },
      electorDrainTimeoutMs: 4_500 + 500 + REAP_REPORT_MARGIN_MS,
    });
    expect(runTiming({ leaseDurationMs: 4_000, renewDeadlineMs: 3_000 }).guard.stopGraceMs).toBe(
      850,
    );
    expect(runTiming({ drainTimeoutMs: 2_000 }).guard.stopGraceMs).toBe(1_500);
  });

  // The library does not release while the term's work runs; in `run` that work ends with the
  // guard's report of the reap. Were the elector's bound the drain timeout itself (as before),
  // the report of a COMMAND killed at the end of its grace would have only the kill margin
  // (50–500 ms) to arrive, and on a loaded machine the hand-over would wait a lease duration.
  it("ends the elector's drain a reap-report margin after the guard's latest SIGKILL, whenever the stop comes", () => {
    const flags = [
      {},
      { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 },
      { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, drainTimeoutMs: 0 },
      { leaseDurationMs: 2_000, renewDeadlineMs: 1_000, retryPeriodMs: 500, drainTimeoutMs: 100 },
      { leaseDurationMs: 60_000, renewDeadlineMs: 40_000, drainTimeoutMs: 30_000 },
    ];
    for (const options of flags) {
      const { guard, electorDrainTimeoutMs } = runTiming(options);
      const deadline = 100_000;
      for (const stopAt of [0, 50_000, 95_000, 99_000, deadline - guard.killMarginMs]) {
        const { killAt } = killPlan({ deadline, stopAt }, guard);
        expect(stopAt + electorDrainTimeoutMs - killAt).toBeGreaterThanOrEqual(
          REAP_REPORT_MARGIN_MS,
        );
      }
    }
  });
});
