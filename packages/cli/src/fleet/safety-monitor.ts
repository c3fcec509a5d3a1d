/**
 * Continuous overlap checking for the demo.
 *
 * @remarks
 * Every check re-derives all leadership intervals from every line seen so far. Lines of
 * different processes arrive through different pipes, so for a moment the demo may have read a
 * successor's `leading` before its predecessor's `stopped-leading`: an overlap that is not real.
 * A live overlap therefore counts only once it has persisted for `settleMs`; the final check,
 * made after every process has exited and every line has been read, counts whatever it finds.
 *
 * @module
 */
import {
  findOverlaps,
  type LeadershipInterval,
  leadershipIntervals,
  type Overlap,
  type ProcessRecord,
} from '../intervals.js';

function keyOf(overlap: Overlap): string {
  const { first, second } = overlap;
  return `${first.identity}@${first.start}|${second.identity}@${second.start}`;
}

/** Tracks the intervals and the overlaps confirmed over a run. */
export class SafetyMonitor {
  readonly #settleNs: bigint;
  readonly #firstSeen = new Map<string, bigint>();
  readonly #confirmed = new Map<string, Overlap>();
  #intervals: LeadershipInterval[] = [];

  constructor(settleMs: number) {
    this.#settleNs = BigInt(Math.round(settleMs * 1e6));
  }

  /**
   * Re-checks everything at monotonic time `now`.
   * @param final every process has exited and all its lines were read: nothing is transient.
   * @returns the overlaps confirmed by this check for the first time.
   */
  check(records: readonly ProcessRecord[], now: bigint, final = false): Overlap[] {
    this.#intervals = leadershipIntervals(records);
    const current = new Map(findOverlaps(this.#intervals).map((o) => [keyOf(o), o]));
    for (const key of this.#firstSeen.keys()) {
      if (!current.has(key)) this.#firstSeen.delete(key);
    }
    const fresh: Overlap[] = [];
    for (const [key, overlap] of current) {
      const since = this.#firstSeen.get(key) ?? now;
      this.#firstSeen.set(key, since);
      if (this.#confirmed.has(key)) {
        this.#confirmed.set(key, overlap);
      } else if (final || now - since >= this.#settleNs) {
        this.#confirmed.set(key, overlap);
        fresh.push(overlap);
      }
    }
    return fresh;
  }

  /** Intervals as of the last check. */
  get intervals(): readonly LeadershipInterval[] {
    return this.#intervals;
  }

  /** Every overlap confirmed so far. */
  get overlaps(): Overlap[] {
    return [...this.#confirmed.values()];
  }
}

/** Describes an overlap for the event log. */
export function describeOverlap(overlap: Overlap): string {
  const { first, second, from, to } = overlap;
  const span = to === null ? 'still open' : `${(Number(to - from) / 1e6).toFixed(1)} ms`;
  return (
    `OVERLAP: ${first.identity} (token ${first.fencingToken ?? '?'}) and ` +
    `${second.identity} (token ${second.fencingToken ?? '?'}) both leading for ${span}`
  );
}
