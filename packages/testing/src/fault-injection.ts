/**
 * Fault injection. Every fault is deterministic (counted, not random), scoped by an optional
 * {@link RequestMatch}, and undone by the handle it returns or by {@link Faults.reset}.
 *
 * Order inside one request: a partition holds it first, then latency delays it, then a
 * `failNext` answers it. Watches are also affected after they opened: `stallWatches` and
 * `partition` hold their events back, `dropWatches` ends them, `forceGone` makes the next ones
 * start with an in-band 410.
 */
import { injectedError, type ServerFailNextOptions } from './injected-errors.js';
import {
  ConnectionDroppedError,
  matches,
  type RequestInfo,
  type RequestMatch,
} from './request-match.js';
import type { ServerClock } from './types.js';

export type { InjectedStatus, ServerFailNextOptions } from './injected-errors.js';
export { ConnectionDroppedError, matches, type RequestInfo, type RequestMatch };

/** The kinds of undoable fault. */
export type FaultKind = 'latency' | 'failNext' | 'partition' | 'stallWatches' | 'forceGone';

/** An active fault; `undo()` is idempotent. */
export interface FaultHandle {
  readonly kind: FaultKind;
  /** False once undone, reset, or (for counted faults) used up. */
  readonly active: boolean;
  /** How many requests or watches this fault has affected so far. */
  readonly hits: number;
  undo(): void;
}

/** What the faults need from the watch machinery. */
export interface WatchControl {
  /** Ends matching watches; returns how many. */
  drop(match: RequestMatch | undefined, mode: 'close' | 'reset'): number;
  /** Re-evaluates stalls after a stall or partition ended (flushes held events). */
  refreshStalls(): void;
  /** Compacts the store's history. */
  compact(): void;
}

interface Fault extends Omit<FaultHandle, 'hits'> {
  hits: number;
  readonly match: RequestMatch | undefined;
  remaining: number;
  readonly ms: number;
  readonly fail: ServerFailNextOptions | undefined;
  readonly onHeal: 'drop' | 'deliver';
  waiters: Set<{ resolve: () => void; reject: (e: unknown) => void }>;
}

/** The fault controller exposed as `server.faults`. */
export class Faults {
  readonly #faults = new Set<Fault>();
  readonly #clock: ServerClock;
  readonly #watches: WatchControl;

  constructor(clock: ServerClock, watches: WatchControl) {
    this.#clock = clock;
    this.#watches = watches;
  }

  /** Delays matching requests by `ms` before they are handled (watches: before they open). */
  latency(ms: number, match?: RequestMatch): FaultHandle {
    return this.#add('latency', match, { ms });
  }

  /** Answers the next `count` matching requests with a Status of the given code. */
  failNext(options: ServerFailNextOptions): FaultHandle {
    return this.#add('failNext', options.match, { remaining: options.count ?? 1, fail: options });
  }

  /**
   * Matching requests hang without an answer, and matching open watches deliver nothing, until
   * healed. On heal, held requests are dropped as a reset connection (`onHeal: 'drop'`, the
   * default) or handled late (`'deliver'`: a request sent during a partition that still lands),
   * and held watch events are delivered.
   */
  partition(options: { match?: RequestMatch; onHeal?: 'drop' | 'deliver' } = {}): FaultHandle {
    return this.#add('partition', options.match, { onHeal: options.onHeal ?? 'drop' });
  }

  /** Ends every partition. */
  heal(): void {
    for (const fault of this.#faults) if (fault.kind === 'partition') fault.undo();
  }

  /** Ends matching open watches now: `'close'` ends the stream cleanly, `'reset'` like a broken connection. */
  dropWatches(options: { match?: RequestMatch; mode?: 'close' | 'reset' } = {}): number {
    return this.#watches.drop(options.match, options.mode ?? 'close');
  }

  /** Keeps matching watches (open now or opened later) connected but silent until resumed. */
  stallWatches(match?: RequestMatch): FaultHandle {
    return this.#add('stallWatches', match, {});
  }

  /** Ends every stall; held events are delivered in order. */
  resumeWatches(): void {
    for (const fault of this.#faults) if (fault.kind === 'stallWatches') fault.undo();
  }

  /** The next `count` matching watch requests receive an in-band 410 Gone and end. */
  forceGone(options: { count?: number; match?: RequestMatch } = {}): FaultHandle {
    return this.#add('forceGone', options.match, { remaining: options.count ?? 1 });
  }

  /** Drops retained history: a watch from any version older than now gets 410 Gone. */
  compact(): void {
    this.#watches.compact();
  }

  /** Undoes every active fault. */
  reset(): void {
    for (const fault of [...this.#faults]) fault.undo();
  }

  /** Active faults, oldest first. */
  get active(): readonly FaultHandle[] {
    return [...this.#faults];
  }

  /**
   * Applies partition, latency and failNext to one request. Resolves when it may proceed;
   * rejects with an {@link ApiError}, a {@link ConnectionDroppedError}, or the abort reason.
   * @internal
   */
  async gate(info: RequestInfo, signal: AbortSignal): Promise<void> {
    for (const fault of this.#matching('partition', info)) {
      fault.hits += 1;
      await new Promise<void>((resolve, reject) => {
        const waiter = { resolve, reject };
        fault.waiters.add(waiter);
        signal.addEventListener(
          'abort',
          () => {
            fault.waiters.delete(waiter);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    }
    const delay = this.#matching('latency', info).reduce((sum, f) => {
      f.hits += 1;
      return sum + f.ms;
    }, 0);
    if (delay > 0) await this.#sleep(delay, signal);
    const failing = this.#matching('failNext', info)[0];
    if (failing?.fail !== undefined) {
      this.#consume(failing);
      throw injectedError(failing.fail, info);
    }
  }

  /** Whether a watch with this identity must hold its events. @internal */
  isStalled(info: RequestInfo): boolean {
    if (this.#faults.size === 0) return false;
    for (const fault of this.#faults) {
      if (
        (fault.kind === 'stallWatches' || fault.kind === 'partition') &&
        matches(fault.match, info)
      )
        return true;
    }
    return false;
  }

  /** Consumes a forced 410 for a new watch, if one matches. @internal */
  takeGone(info: RequestInfo): boolean {
    const fault = this.#matching('forceGone', info)[0];
    if (fault === undefined) return false;
    this.#consume(fault);
    return true;
  }

  #matching(kind: FaultKind, info: RequestInfo): Fault[] {
    return [...this.#faults].filter((f) => f.kind === kind && matches(f.match, info));
  }

  #consume(fault: Fault): void {
    fault.hits += 1;
    fault.remaining -= 1;
    if (fault.remaining <= 0) fault.undo();
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const handle = this.#clock.setTimeout(resolve, ms);
      signal.addEventListener(
        'abort',
        () => {
          this.#clock.clearTimeout(handle);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  #add(kind: FaultKind, match: RequestMatch | undefined, extra: Partial<Fault>): FaultHandle {
    const faults = this.#faults;
    const watches = this.#watches;
    const fault: Fault = {
      kind,
      match,
      remaining: Number.POSITIVE_INFINITY,
      ms: 0,
      fail: undefined,
      onHeal: 'drop',
      waiters: new Set(),
      hits: 0,
      get active() {
        return faults.has(fault);
      },
      undo() {
        if (!faults.delete(fault)) return;
        for (const waiter of fault.waiters) {
          if (fault.onHeal === 'deliver') waiter.resolve();
          else waiter.reject(new ConnectionDroppedError());
        }
        fault.waiters.clear();
        if (kind === 'partition' || kind === 'stallWatches') watches.refreshStalls();
      },
      ...extra,
    };
    faults.add(fault);
    return fault;
  }
}
