/**
 * What the elector publishes: the role, the observed holder and, while leading, the term.
 *
 * @module
 */
import type { LeaseholdError, TermEndReason } from '../core/errors.js';
import { expiresAt, holderOf } from '../core/lease-view.js';
import type { ActiveTerm, ElectionContext } from '../machine/election-machine.js';

/** The five roles; `stepping-down` and `stopped` are never leaders. */
export type LeadershipRole = 'follower' | 'candidate' | 'leader' | 'stepping-down' | 'stopped';

/**
 * One term of leadership, handed to leader work.
 *
 * @remarks
 * `signal` aborts the moment the term ends (with a `LeadershipLostError` as its reason),
 * which is no later than the local deadline. Work that touches the outside world should
 * check {@link Term.isCurrent} at the moment of use — a timer cannot fire while the process is
 * paused, but `isCurrent()` reads the clock — and pass {@link Term.fencingToken} to systems
 * that can reject writes from an older term.
 */
export interface Term {
  /** Our identity, as written in `holderIdentity`. */
  readonly identity: string;
  /** `leaseTransitions` at acquisition: strictly greater than any earlier term's. */
  readonly fencingToken: number;
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

/** Maps a machine state value to the public role. */
export function roleOf(value: unknown): LeadershipRole {
  const key = typeof value === 'string' ? value : Object.keys(value as object)[0];
  switch (key) {
    case 'candidate':
    case 'leader':
    case 'stepping-down':
    case 'stopped':
      return key;
    default:
      return 'follower';
  }
}

/** Builds the published state from the machine's context. */
export function toLeadershipState(
  role: LeadershipRole,
  context: ElectionContext,
  termFor: (term: ActiveTerm) => Term,
): LeadershipState {
  const holder = holderOf(context.view);
  const leading = role === 'leader' && context.term !== null;
  return {
    role,
    identity: context.config.identity,
    holder,
    term: leading && context.term ? termFor(context.term) : null,
    fencingToken: context.view.lease?.record.leaseTransitions ?? null,
    deadline: leading ? context.deadline : null,
    leaseExpiresAt:
      holder !== null && holder !== context.config.identity
        ? expiresAt(context.view, context.config)
        : null,
    lastTermEnd: context.termEnd,
    error: context.error,
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
