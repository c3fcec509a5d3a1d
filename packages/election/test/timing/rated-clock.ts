/**
 * A process clock that runs at a fixed rate relative to a shared manual clock: for unit tests
 * of the clock-rate assumption (`ρ · renewDeadline < leaseDuration`).
 *
 * @module
 */
import type { Clock } from '../../src/core/clock.js';
import type { ManualClock } from '../../src/core/manual-clock.js';

/**
 * `now() = real × num / den`. Integer ratios keep the arithmetic exact at the boundary: a
 * timer for `d` local ms fires after `ceil(d × den / num)` real ms (never early locally).
 */
export function ratedClock(real: ManualClock, num: number, den: number): Clock {
  return {
    now: () => (real.now() * num) / den,
    wallNow: () => 1_700_000_000_000 + (real.now() * num) / den,
    setTimeout: (callback, delayMs) =>
      real.setTimeout(callback, Math.ceil((Math.max(0, delayMs) * den) / num)),
    clearTimeout: (handle) => real.clearTimeout(handle),
  };
}
