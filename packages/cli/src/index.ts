/**
 * `@leasehold/cli` as a library: the candidate event protocol and the safety checker, for test
 * harnesses (the chaos runner) that spawn `leasehold candidate` or client-go's goelector.
 *
 * @module
 */
export { DurationError, formatMs, parseDuration } from './duration.js';
export * from './events.js';
export {
  type FailoverStats,
  failoverMs,
  failoverStats,
  findOverlaps,
  type IntervalEnd,
  type LeadershipInterval,
  leadershipIntervals,
  type Overlap,
  type ProcessRecord,
  processIntervals,
} from './intervals.js';
