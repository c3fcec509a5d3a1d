/**
 * Faults of the embedded API server, drawn from the seeded generator and recorded with the
 * window during which they could affect the candidates.
 *
 * @module
 */
import type { ElectionTiming } from '@leasehold/election';
import type { FaultHandle, Faults, RequestMatch, Verb } from '@leasehold/testing';
import { formatMs } from '../duration.js';
import type { Prng } from './prng.js';
import { FAULT_KINDS, type FaultKind, type FaultRecord, ns } from './timeline.js';

/** What the injector needs. */
export interface FaultInjectorOptions {
  readonly faults: Faults;
  readonly prng: Prng;
  readonly timing: ElectionTiming;
  /** How many candidates are running (how many watches a forced 410 should reach). */
  readonly candidates: () => number;
  readonly log: (message: string) => void;
}

/** One fault at a time, so that each gap and failover can be put down to one cause. */
const MAX_ACTIVE = 1;

interface ActiveFault {
  readonly record: FaultRecord;
  readonly handle: FaultHandle | null;
  /** When to undo it at the latest (monotonic ns); counted faults may be used up before. */
  readonly undoAt: bigint;
  /** Added to the undo time: what it still holds up after it is undone. */
  readonly tailNs: bigint;
}

const SCOPES: readonly { readonly name: string; readonly match: RequestMatch | undefined }[] = [
  { name: 'every request', match: undefined },
  { name: 'writes', match: { verb: ['create', 'update', 'patch'] satisfies Verb[] } },
  { name: 'reads and watches', match: { verb: ['get', 'list', 'watch'] satisfies Verb[] } },
];

/** Injects faults and keeps their records. */
export class FaultInjector {
  readonly records: FaultRecord[] = [];
  readonly #options: FaultInjectorOptions;
  #active: ActiveFault[] = [];

  constructor(options: FaultInjectorOptions) {
    this.#options = options;
  }

  /** Kinds that may be injected now: any, unless a fault is already active. */
  available(): FaultKind[] {
    return this.#active.length >= MAX_ACTIVE ? [] : [...FAULT_KINDS];
  }

  /** Injects one fault of `kind` at `now`. */
  inject(kind: FaultKind, now: bigint): FaultRecord {
    const { faults, prng, timing, log } = this.#options;
    const { leaseDurationMs: lease, renewDeadlineMs: renewDeadline, retryPeriodMs: retry } = timing;
    let handle: FaultHandle | null = null;
    let durationMs = 0;
    let tailMs = 0;
    let detail: string;
    switch (kind) {
      case 'latency': {
        const delayMs = Math.round(prng.between(0.1, 1.2) * renewDeadline);
        durationMs = prng.between(retry, lease);
        handle = faults.latency(delayMs);
        tailMs = delayMs;
        detail = `+${formatMs(delayMs)} on every request for ${formatMs(durationMs)}`;
        break;
      }
      case 'error-500':
      case 'error-503':
      case 'error-429': {
        const status = kind === 'error-500' ? 500 : kind === 'error-503' ? 503 : 429;
        const count = prng.int(2, 8);
        const scope = prng.pick(SCOPES);
        const retryAfterSeconds = prng.int(1, 2);
        handle = faults.failNext({
          status,
          count,
          ...(scope.match !== undefined && { match: scope.match }),
          ...(status === 429 && { retryAfterSeconds }),
        });
        // Followers send little, so a burst may go unused: give up after two retry periods.
        durationMs = 2 * retry;
        tailMs = status === 429 ? retryAfterSeconds * 1_000 : 0;
        detail =
          `next ${count} ${scope.name} answered ${status}` +
          (status === 429 ? ` (Retry-After ${retryAfterSeconds}s)` : '');
        break;
      }
      case 'partition': {
        durationMs = prng.between(0.5 * renewDeadline, 1.5 * lease);
        const onHeal = prng.chance(0.3) ? 'deliver' : 'drop';
        handle = faults.partition({ onHeal });
        detail =
          `whole API unreachable for ${formatMs(durationMs)}, then held requests ` +
          (onHeal === 'drop' ? 'dropped' : 'delivered late');
        break;
      }
      case 'drop-watches': {
        const mode = prng.chance(0.5) ? 'close' : 'reset';
        const dropped = faults.dropWatches({ mode });
        detail = `${dropped} watches ended (${mode === 'close' ? 'clean close' : 'connection reset'})`;
        break;
      }
      case 'stall-watches': {
        durationMs = prng.between(retry, 2 * lease);
        handle = faults.stallWatches();
        detail = `watches silent for ${formatMs(durationMs)}, then held events delivered`;
        break;
      }
      case 'gone': {
        const count = Math.max(1, this.#options.candidates());
        faults.compact();
        handle = faults.forceGone({ count });
        const dropped = faults.dropWatches({ mode: 'close' });
        durationMs = lease;
        detail = `history compacted, ${dropped} watches ended, next ${count} answered 410 Gone`;
        break;
      }
    }
    const record: FaultRecord = { kind, start: now, end: null, detail };
    this.records.push(record);
    if (handle === null && durationMs === 0) {
      record.end = now;
    } else {
      this.#active.push({ record, handle, undoAt: now + ns(durationMs), tailNs: ns(tailMs) });
    }
    log(`fault ${kind}: ${detail}`);
    return record;
  }

  /** Ends faults whose time is up or that are used up. */
  tick(now: bigint): void {
    this.#active = this.#active.filter((fault) => {
      const usedUp = fault.handle !== null && !fault.handle.active;
      if (!usedUp && now < fault.undoAt) return true;
      this.#finish(fault, now);
      return false;
    });
  }

  /** Undoes every active fault (end of the run). */
  healAll(now: bigint): void {
    for (const fault of this.#active) this.#finish(fault, now);
    this.#active = [];
    this.#options.faults.reset();
  }

  /** Faults in effect now. */
  get active(): readonly FaultRecord[] {
    return this.#active.map((f) => f.record);
  }

  #finish(fault: ActiveFault, now: bigint): void {
    const hits = fault.handle?.hits;
    fault.handle?.undo();
    fault.record.end = now + fault.tailNs;
    const affected = hits === undefined ? '' : ` (${hits} hit${hits === 1 ? '' : 's'})`;
    this.#options.log(`fault ${fault.record.kind} over${affected}`);
  }
}
