/**
 * The handle's one view of a machine snapshot: every field the handle reads, typed, in one
 * place, so nothing else in the handle reaches into the machine's context or state value.
 *
 * @module
 */
import type { SnapshotFrom } from 'xstate';
import type { ElectionConfig } from '../core/config.js';
import type { LeaseholdError, TermEndReason } from '../core/errors.js';
import type { LeaseView } from '../core/lease-view.js';
import type { ActiveTerm, LeaderElectionMachine } from '../machine/election-machine.js';
import type { LeadershipRole } from './leadership-state.js';

/** A snapshot of the election actor. */
export type ElectionSnapshot = SnapshotFrom<LeaderElectionMachine>;

/** What the handle knows from one snapshot. */
export interface SnapshotView {
  /** The public role: `stopped` once the actor is no longer running. */
  readonly role: LeadershipRole;
  /** True while the actor runs (it has not reached `stopped`, nor been stopped). */
  readonly running: boolean;
  readonly config: ElectionConfig;
  /** What the elector knows about the Lease. */
  readonly view: LeaseView;
  /** The current term, from acquisition until stepping down has finished. */
  readonly term: ActiveTerm | null;
  /** The current term's local deadline. */
  readonly deadline: number | null;
  /** Why the last term ended. */
  readonly termEnd: TermEndReason | null;
  /** The latest error worth showing. */
  readonly error: LeaseholdError | null;
}

/** Reads `snapshot` once. */
export function viewSnapshot(snapshot: ElectionSnapshot): SnapshotView {
  const { config, view, term, deadline, termEnd, error } = snapshot.context;
  const running = snapshot.status === 'active';
  return {
    role: running ? roleOf(snapshot.value) : 'stopped',
    running,
    config,
    view,
    term,
    deadline,
    termEnd,
    error,
  };
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

/**
 * True when the view is leading at `now`: leader, its term not yet aborted, and its local
 * deadline still ahead. Read from the clock, never from a flag a timer clears.
 */
export function leadsAt(view: SnapshotView, now: number): boolean {
  return (
    view.running &&
    view.role === 'leader' &&
    view.term !== null &&
    !view.term.controller.signal.aborted &&
    view.deadline !== null &&
    now < view.deadline
  );
}

/** `active`'s deadline as of this view; once it is no longer the current term, its start. */
export function deadlineOf(view: SnapshotView, active: ActiveTerm): number {
  return view.term === active && view.deadline !== null ? view.deadline : active.acquiredAt;
}
