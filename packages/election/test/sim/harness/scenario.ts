/**
 * The fixed part of a simulated world: how many electors, their timing and clock rates, the
 * network, and the settings every incarnation shares. Steps then happen to this world.
 *
 * @module
 */
import type { ElectionTiming } from '../../../src/core/config.js';
import { LINK_PROFILES, type LinkProfileName, worstRoundTripMs } from './link-profiles.js';
import type { WorkStyle } from './sim-node.js';

export interface Scenario {
  /** Seeds every random choice of the run (jitter, delays, clock offsets). */
  readonly seed: number;
  readonly timing: ElectionTiming;
  /** Elector slots; each holds one incarnation at a time. */
  readonly candidates: number;
  /**
   * Clock rates are confined to `[1, rho]` (real ms → local ms). The timing argument needs
   * `rho × renewDeadlineMs < leaseDurationMs`; scenarios that break it are how the tests show
   * the checks can fail.
   */
  readonly rho: number;
  /** Initial rate of each slot, as a fraction of the way from 1 to `rho`. */
  readonly rates: readonly number[];
  readonly link: LinkProfileName;
  /** Caller-side timeout of each store call (as the Kubernetes adapter has); `null`: none. */
  readonly requestTimeoutMs: number | null;
  readonly drainTimeoutMs: number;
  readonly releaseOnStop: boolean;
  readonly work: WorkStyle;
}

/** A rate from a fraction of the way across `[1, rho]`. */
export const rateAt = (scenario: Scenario, fraction: number) =>
  1 + Math.min(1, Math.max(0, fraction)) * (scenario.rho - 1);

/** client-go's defaults. */
export const DEFAULT_TIMING: ElectionTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** Everything five times faster: more lease cycles per simulated second. */
export const FAST_TIMING: ElectionTiming = {
  leaseDurationMs: 3_000,
  renewDeadlineMs: 2_000,
  retryPeriodMs: 500,
};

/** The smallest margin the validator allows in spirit: ρ < 1.2. */
export const TIGHT_TIMING: ElectionTiming = {
  leaseDurationMs: 6_000,
  renewDeadlineMs: 5_000,
  retryPeriodMs: 1_000,
};

/** The largest clock-rate ratio `timing` tolerates: ρ must stay strictly below it. */
export const rhoLimit = (timing: ElectionTiming) => timing.leaseDurationMs / timing.renewDeadlineMs;

/**
 * Real time within which a live candidate must lead once the world is healthy again, however
 * the schedule left it: the longest acquire and watch backoffs (30 s), a full lease duration
 * on the slowest clock, request timeouts, a drain, and slack for delays and stalls.
 */
export function recoveryBoundMs(scenario: Scenario): number {
  const { timing } = scenario;
  const backoff = Math.max(30_000, timing.retryPeriodMs);
  // Without a store timeout, the elector's own bounds apply (the renew deadline per effect).
  const requests = 4 * (scenario.requestTimeoutMs ?? timing.renewDeadlineMs);
  const local = backoff + timing.leaseDurationMs + timing.renewDeadlineMs + scenario.drainTimeoutMs;
  return Math.ceil(local + requests) + 20 * worstRoundTripMs(LINK_PROFILES[scenario.link]) + 10_000;
}

/**
 * Real time within which `stop()` must settle in a healthy world: leader work drains
 * (bounded by `drainTimeoutMs`), a release reads and writes (with conflict retries), and any
 * call already in flight answers or times out.
 */
export function stopBoundMs(scenario: Scenario): number {
  const perCall =
    (scenario.requestTimeoutMs ?? scenario.timing.renewDeadlineMs) +
    worstRoundTripMs(LINK_PROFILES[scenario.link]);
  return scenario.drainTimeoutMs + 12 * perCall + 5_000;
}
