/**
 * The safety checker: leadership intervals from candidates' event lines, overlaps between
 * them, and failover statistics.
 *
 * @remarks
 * An interval starts at `leading.at` and ends at the earliest of:
 * - `stopped-leading.at` (or `exit.at`, for a process that exits while leading);
 * - the last `deadline` it reported: the library's view of a term expires on its own at its
 *   deadline, so a paused or killed leader cannot act past it even though it never says so;
 * - when the parent SIGKILLed the process (a dead process does not act).
 * A leader that reports no deadline (client-go) ends only at `stopped-leading`, `exit` or kill,
 * because its `IsLeader()` is not time-bounded. An interval with none of these is still open.
 *
 * Times are machine-wide monotonic ns (see `events.ts`), so lines from different processes
 * compare directly. Intervals are half-open `[start, end)`: one that ends exactly when the
 * next starts does not overlap it.
 *
 * @module
 */
import type { CandidateEvent } from './events.js';

export {
  type CandidateEvent,
  formatEventLine,
  monotonicNow,
  parseEventLine,
  toMonotonicNs,
} from './events.js';

/** What one process printed, and what its parent did to it. */
export interface ProcessRecord {
  /** Its events, in the order it printed them. */
  readonly events: readonly CandidateEvent[];
  /** When the parent sent it SIGKILL (monotonic ns), if it did. */
  readonly killedAt?: bigint | undefined;
}

/** Which bound ended an interval. */
export type IntervalEnd = 'stopped-leading' | 'exit' | 'deadline' | 'killed';

/** One term, as far as the record tells. */
export interface LeadershipInterval {
  readonly identity: string;
  readonly fencingToken: number | null;
  /** `leading.at`, monotonic ns. */
  readonly start: bigint;
  /** Exclusive end, monotonic ns; `null` while nothing bounds it (still leading). */
  readonly end: bigint | null;
  readonly endedBy: IntervalEnd | null;
}

/** Two intervals of different identities that share some time. */
export interface Overlap {
  readonly first: LeadershipInterval;
  readonly second: LeadershipInterval;
  /** The shared span `[from, to)`; `to` is `null` when both are still open. */
  readonly from: bigint;
  readonly to: bigint | null;
}

interface OpenTerm {
  identity: string;
  fencingToken: number | null;
  start: bigint;
  deadline: bigint | null;
}

/** The earliest of the bounds that exist, with the name of the one that won. */
function earliest(bounds: readonly [IntervalEnd, bigint | null | undefined][]): {
  end: bigint | null;
  endedBy: IntervalEnd | null;
} {
  let end: bigint | null = null;
  let endedBy: IntervalEnd | null = null;
  for (const [name, at] of bounds) {
    if (at === null || at === undefined) continue;
    if (end === null || at < end) {
      end = at;
      endedBy = name;
    }
  }
  return { end, endedBy };
}

/** Leadership intervals of one process, in order. */
export function processIntervals(record: ProcessRecord): LeadershipInterval[] {
  const intervals: LeadershipInterval[] = [];
  let open: OpenTerm | null = null;
  const close = (name: IntervalEnd | null, at: bigint | null): void => {
    if (open === null) return;
    const killedAt =
      record.killedAt !== undefined && record.killedAt >= open.start ? record.killedAt : null;
    const { end, endedBy } = earliest([
      ['deadline', open.deadline],
      ['killed', killedAt],
      ...(name === null ? [] : [[name, at] as [IntervalEnd, bigint | null]]),
    ]);
    // A bound before the start (a deadline already past when reported) still cannot make the
    // term shorter than nothing.
    const bounded = end !== null && end < open.start ? open.start : end;
    const { identity, fencingToken, start } = open;
    intervals.push({ identity, fencingToken, start, end: bounded, endedBy });
    open = null;
  };
  for (const event of record.events) {
    switch (event.type) {
      case 'leading':
        // Two `leading` lines in a row would be a protocol bug; the first term cannot have
        // outlived the start of the second in the same process.
        close('stopped-leading', event.at);
        open = {
          identity: event.identity,
          fencingToken: event.fencingToken ?? null,
          start: event.at,
          deadline: event.deadline ?? null,
        };
        break;
      case 'renewed':
        if (open !== null && (open.deadline === null || event.deadline > open.deadline)) {
          open.deadline = event.deadline;
        }
        break;
      case 'stopped-leading':
      case 'exit':
        close(event.type, event.at);
        break;
      default:
        break;
    }
  }
  close(null, null);
  return intervals;
}

/** Leadership intervals of many processes, sorted by start. */
export function leadershipIntervals(records: readonly ProcessRecord[]): LeadershipInterval[] {
  return records
    .flatMap((record) => processIntervals(record))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** Pairs of intervals held by different identities that share time. Empty means safe. */
export function findOverlaps(intervals: readonly LeadershipInterval[]): Overlap[] {
  const sorted = [...intervals].sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : 0,
  );
  const overlaps: Overlap[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const first = sorted[i]!;
    for (let j = i + 1; j < sorted.length; j++) {
      const second = sorted[j]!;
      // Sorted by start: once one starts at or after `first` ends, all later ones do too.
      if (first.end !== null && second.start >= first.end) break;
      if (second.identity === first.identity) continue;
      if (second.end !== null && second.end <= second.start) continue;
      const to =
        first.end === null
          ? second.end
          : second.end === null || first.end < second.end
            ? first.end
            : second.end;
      overlaps.push({ first, second, from: second.start, to });
    }
  }
  return overlaps;
}

/**
 * The first `leading` after `at` by anyone but `previous`: when leadership came back after an
 * action against `previous`.
 * @returns milliseconds from `at` to that line, or `null` if none yet.
 */
export function failoverMs(
  at: bigint,
  previous: string,
  events: Iterable<CandidateEvent>,
): number | null {
  let next: bigint | null = null;
  for (const event of events) {
    if (event.type !== 'leading' || event.identity === previous || event.at < at) continue;
    if (next === null || event.at < next) next = event.at;
  }
  return next === null ? null : Number(next - at) / 1e6;
}

/** Summary of a set of durations (ms); percentiles are nearest-rank. */
export interface FailoverStats {
  readonly count: number;
  readonly min: number | null;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Nearest-rank percentile of an ascending, non-empty array. */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** p50/p95/p99/max of failover times; all `null` when there are no samples. */
export function failoverStats(samples: readonly number[]): FailoverStats {
  const sorted = samples.filter((s) => Number.isFinite(s)).sort((a, b) => a - b);
  if (sorted.length === 0) {
    return { count: 0, min: null, p50: null, p95: null, p99: null, max: null };
  }
  return {
    count: sorted.length,
    min: sorted[0]!,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}
