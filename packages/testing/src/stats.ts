/**
 * Request accounting: how many Lease API requests arrived, by verb, and how many watches are
 * open right now. Benchmarks and tests read it to measure API load ("followers send nothing in
 * steady state").
 */
import { VERBS, type Verb } from './types.js';

/** A point-in-time copy of {@link RequestStats}. */
export interface StatsSnapshot {
  /** Requests per verb since the last reset. */
  readonly verbs: Readonly<Record<Verb, number>>;
  /** Sum of {@link StatsSnapshot.verbs}. */
  readonly total: number;
  /** Watch streams open at the moment of the snapshot (not reset by `reset()`). */
  readonly openWatches: number;
  /** Watch events written to clients since the last reset (bookmarks included). */
  readonly watchEvents: number;
}

const zeroCounts = (): Record<Verb, number> =>
  Object.fromEntries(VERBS.map((v) => [v, 0])) as Record<Verb, number>;

/** Live counters. Every Lease request is counted once, before faults are applied. */
export class RequestStats {
  #verbs = zeroCounts();
  #watchEvents = 0;
  #openWatches = 0;

  /** Requests per verb since the last reset (a copy). */
  get verbs(): Readonly<Record<Verb, number>> {
    return { ...this.#verbs };
  }

  /** All counted requests since the last reset. */
  get total(): number {
    return VERBS.reduce((sum, v) => sum + this.#verbs[v], 0);
  }

  /** Watch streams currently open. */
  get openWatches(): number {
    return this.#openWatches;
  }

  /** Watch events sent since the last reset. */
  get watchEvents(): number {
    return this.#watchEvents;
  }

  /** Copies every counter. */
  snapshot(): StatsSnapshot {
    return {
      verbs: this.verbs,
      total: this.total,
      openWatches: this.#openWatches,
      watchEvents: this.#watchEvents,
    };
  }

  /** Zeroes the request and event counters; open watches stay counted while open. */
  reset(): void {
    this.#verbs = zeroCounts();
    this.#watchEvents = 0;
  }

  /** @internal */
  countRequest(verb: Verb): void {
    this.#verbs[verb] += 1;
  }

  /** @internal */
  countWatchEvent(): void {
    this.#watchEvents += 1;
  }

  /** @internal */
  watchOpened(): void {
    this.#openWatches += 1;
  }

  /** @internal */
  watchClosed(): void {
    this.#openWatches -= 1;
  }
}
