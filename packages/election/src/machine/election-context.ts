/**
 * What the election machine holds and what it is built from: its context (data only), its
 * input, and the services its closures keep.
 *
 * @module
 */
import type { Clock } from '../core/clock.js';
import type { ElectionConfig } from '../core/config.js';
import type { ElectionPolicy } from '../core/election-policy.js';
import type { LeaseholdError, TermEndReason } from '../core/errors.js';
import type { StoredLease } from '../core/lease-record.js';
import type { LeaseStore } from '../core/lease-store.js';
import { type LeaseView, UNSYNCED_VIEW } from '../core/lease-view.js';
import type { LogSink } from '../core/logger.js';
import type { ActiveTerm } from './election-actors.js';

/** The services the machine uses; its closures hold them, its context never does. */
export interface ElectionServices {
  readonly store: LeaseStore;
  /** Drives every deadline; pass the same clock to `createActor`. */
  readonly clock: Clock;
  /** @defaultValue silent */
  readonly logger?: LogSink;
  /** Random source for jitter. @defaultValue Math.random */
  readonly random?: () => number;
  /** Resolves when the leader work of `term` has finished; the machine bounds the wait. */
  readonly drain?: (term: ActiveTerm) => Promise<void>;
  /**
   * @internal Replaces election decisions, for tests that plant a bug to prove the checks
   * catch it. Never set in production.
   */
  readonly policy?: Partial<ElectionPolicy>;
}

/** What a machine is started with. */
export interface ElectionMachineInput {
  readonly config: ElectionConfig;
  /**
   * The services of this machine: required by the process-wide definition
   * (`sharedElectionMachine`); a machine from `createElectionMachine(services)` uses the
   * services it was built with and ignores these.
   */
  readonly services?: ElectionServices;
}

/**
 * A Lease we created, held back from leading until the watch shows it was absent all along
 * (`candidate.confirming`; see `createdStanding` in core/lease-view.ts).
 */
export interface PendingCreate {
  /** The object the create returned. */
  readonly lease: StoredLease;
  /** Local time just before the create was sent: the term's start if it is confirmed. */
  readonly sentAt: number;
  /** The deadline the term would have: past it, the create is given up unconfirmed. */
  readonly deadline: number;
}

/** The machine's context: data only. */
export interface ElectionContext {
  readonly config: ElectionConfig;
  /** What we know about the Lease. */
  readonly view: LeaseView;
  /** The current term, from acquisition until stepping down has finished. */
  readonly term: ActiveTerm | null;
  /** Local deadline of the current term: last successful write's send time + renew deadline. */
  readonly deadline: number | null;
  /** The pace of the server: a decaying maximum of this term's write round trips. */
  readonly roundTripMs: number;
  /** Why the last term ended. */
  readonly termEnd: TermEndReason | null;
  /** Whether stepping down should release the Lease. */
  readonly releaseOnExit: boolean;
  readonly stopRequested: boolean;
  /** After a voluntary step-down: do not compete before this, unless someone else leads. */
  readonly yieldUntil: number | null;
  /** After a failed acquisition: do not try again before this. */
  readonly retryAt: number | null;
  readonly acquireFailures: number;
  /**
   * `observedAt` of the view an acquisition in flight was decided on: for a create, the
   * absence the watch must still show when our object comes back.
   */
  readonly decidedAt: number;
  /** The watch lost its history since that decision: a create cannot be confirmed. */
  readonly gapSinceDecision: boolean;
  /** A Lease we created, until the watch confirms it or we give it up. */
  readonly pendingCreate: PendingCreate | null;
  /** While not leading, we saw the coordinator write our identity as holder: take it now. */
  readonly assigned: boolean;
  /** The most recent error worth showing; cleared by the next success. */
  readonly error: LeaseholdError | null;
}

/** The context a machine starts with. */
export function initialContext(input: Pick<ElectionMachineInput, 'config'>): ElectionContext {
  return {
    config: input.config,
    view: UNSYNCED_VIEW,
    term: null,
    deadline: null,
    roundTripMs: 0,
    termEnd: null,
    releaseOnExit: false,
    stopRequested: false,
    yieldUntil: null,
    retryAt: null,
    acquireFailures: 0,
    decidedAt: 0,
    gapSinceDecision: false,
    pendingCreate: null,
    assigned: false,
    error: null,
  };
}
