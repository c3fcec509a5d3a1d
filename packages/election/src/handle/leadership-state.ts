/**
 * What the elector publishes: the role, the observed holder and, while leading, the term.
 *
 * @module
 */
import type { LeaseholdError, TermEndReason } from '../core/errors.js';
import { expiresAt, holderOf } from '../core/lease-view.js';
import type { ActiveTerm } from '../machine/election-machine.js';
import type { SnapshotView } from './snapshot-view.js';

/** The five roles; `stepping-down` and `stopped` are never leaders. */
export type LeadershipRole = 'follower' | 'candidate' | 'leader' | 'stepping-down' | 'stopped';

/**
 * One term of leadership, handed to leader work.
 *
 * @remarks
 * `signal` aborts the moment the term ends (with a `LeadershipLostError` as its reason),
 * which is no later than the local deadline. Work that touches the outside world should
 * check {@link Term.isCurrent} at the moment of use — a timer cannot fire while the process is
 * paused, but `isCurrent()` reads the clock — and pass {@link Term.fence} (or
 * {@link Term.fencingToken}, if the Lease is never deleted) to systems that can reject writes
 * from an older term.
 */
export interface Term {
  /** Our identity, as written in `holderIdentity`. */
  readonly identity: string;
  /**
   * `leaseTransitions` at acquisition: strictly greater than any earlier term's on the same
   * Lease object. After the Lease was deleted and recreated it may repeat; {@link Term.fence}
   * never does.
   */
  readonly fencingToken: number;
  /**
   * The Lease object's fencing epoch (annotation `leasehold.dev/fencing-epoch`): a decimal
   * resourceVersion at or above the deletion of any earlier object of this name; `"0"` for a
   * Lease that carries none.
   */
  readonly fencingEpoch: string;
  /**
   * The term's fence: (epoch, token) as one decimal string, `epoch · 2³² + fencingToken`,
   * strictly greater than any earlier term's, deletions included. Compare with
   * `compareFences` (or as BigInts), not as strings.
   */
  readonly fence: string;
  /** Local monotonic time (ms, the elector's clock) just before the acquiring write was sent. */
  readonly acquiredAt: number;
  /** Aborted when the term ends. */
  readonly signal: AbortSignal;
  /** The term's local deadline right now; it moves forward with each renewal. */
  readonly deadline: number;
  /** True while this term is current and its deadline has not passed, read at call time. */
  isCurrent(): boolean;
}

/** A snapshot of the elector, as published on `state$`. */
export interface LeadershipState {
  readonly role: LeadershipRole;
  /** Our identity. */
  readonly identity: string;
  /** The holder we last observed on the Lease; `null` when it is free or unknown. */
  readonly holder: string | null;
  /** The current term while `role` is `leader`, else `null`. */
  readonly term: Term | null;
  /** `leaseTransitions` of the Lease as last observed: the holder's fencing token. */
  readonly fencingToken: number | null;
  /** While leader: local monotonic time at which our view of the term expires. */
  readonly deadline: number | null;
  /** While another holds the Lease: local monotonic time at which we may take it over. */
  readonly leaseExpiresAt: number | null;
  /** Why our last term ended, once one has. */
  readonly lastTermEnd: TermEndReason | null;
  /** The latest error worth knowing about (e.g. 403 Forbidden); cleared by the next success. */
  readonly error: LeaseholdError | null;
}

/** Builds the published state from the handle's view of a snapshot. */
export function toLeadershipState(
  snapshot: SnapshotView,
  termFor: (term: ActiveTerm) => Term,
): LeadershipState {
  const { role, config, view, term } = snapshot;
  const holder = holderOf(view);
  const leading = role === 'leader' && term !== null;
  return {
    role,
    identity: config.identity,
    holder,
    term: leading ? termFor(term) : null,
    fencingToken: view.lease?.record.leaseTransitions ?? null,
    deadline: leading ? snapshot.deadline : null,
    leaseExpiresAt: holder !== null && holder !== config.identity ? expiresAt(view, config) : null,
    lastTermEnd: snapshot.termEnd,
    error: snapshot.error,
  };
}

/** True when two states would look the same to a subscriber. */
export function sameState(a: LeadershipState, b: LeadershipState): boolean {
  return (
    a.role === b.role &&
    a.holder === b.holder &&
    a.term === b.term &&
    a.fencingToken === b.fencingToken &&
    a.deadline === b.deadline &&
    a.leaseExpiresAt === b.leaseExpiresAt &&
    a.lastTermEnd === b.lastTermEnd &&
    a.error === b.error
  );
}
