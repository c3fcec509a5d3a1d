/**
 * CLOCK_MONOTONIC in milliseconds, the clock the elector and its guard share.
 *
 * @remarks
 * `process.hrtime` reads CLOCK_MONOTONIC, one clock for every process on a Linux machine (in
 * one time namespace), so the elector can hand the guard an absolute instant. The elector's
 * own deadlines are on `performance.now()`, which counts from the process's start on the same
 * clock; {@link fromPerformanceMs} moves one across.
 *
 * @module
 */

/** Now, in CLOCK_MONOTONIC milliseconds. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * A `performance.now()` instant as CLOCK_MONOTONIC milliseconds, rounded down by a
 * millisecond: the two clocks are read one after the other, and erring early is the safe
 * side for a deadline.
 */
export function fromPerformanceMs(performanceMs: number): number {
  const offset = monotonicMs() - performance.now();
  return performanceMs + offset - 1;
}
