/**
 * Folding one observed Lease into what the elector knows — computed once per event.
 *
 * @remarks
 * The fold answers everything an observation decides: the new view (an older version than we
 * hold is ignored), whether the coordinator has just assigned the Lease to us, whether a new
 * record from another holder ends our back-off, and, for a leader, whether the observation
 * ends its term (another holder, or a preferred holder named after our term began).
 *
 * @module
 */
import type { TermEndReason } from './errors.js';
import type { StoredLease } from './lease-record.js';
import {
  type AbsenceNote,
  assignedToUs,
  type LeaseView,
  observe,
  prefersAnother,
} from './lease-view.js';

/** What the fold reads besides the observation. */
export interface ObservationState {
  readonly view: LeaseView;
  /** The current term, if any: `preferredHolder` as it was when we took the Lease. */
  readonly term: { readonly preferredAtAcquisition: string | null } | null;
  readonly assigned: boolean;
}

/** The result of folding one observation. */
export interface ObservationFold {
  /** The view after the observation (the same object when it was stale). */
  readonly view: LeaseView;
  /** True when the observation was an older version than the one held, and was ignored. */
  readonly stale: boolean;
  /** The holder the view now names (`''` for none). */
  readonly holder: string;
  /** Not leading, and the coordinator handed the Lease to us: take it now. */
  readonly assigned: boolean;
  /** A new record from another holder: that election is over, and so is our back-off. */
  readonly endsBackoff: boolean;
  /**
   * For a leader: why this observation ends the term (`lost`: another holder or none;
   * `preferred-holder`: coordinated election now prefers someone else), or `null`.
   */
  readonly endsTerm: TermEndReason | null;
}

/** Folds `lease` (or its absence, as `absence` describes it), observed at `now`, into `state`. */
export function foldObservation(
  state: ObservationState,
  lease: StoredLease | null,
  identity: string,
  now: number,
  absence?: AbsenceNote,
): ObservationFold {
  const view = observe(state.view, lease, now, absence);
  const stale = view === state.view;
  const holder = view.lease?.record.holderIdentity ?? '';
  const assigned =
    state.term === null &&
    holder === identity &&
    (state.assigned || assignedToUs(state.view, view, identity));
  const someoneElseLeads = holder !== '' && holder !== identity;
  return {
    view,
    stale,
    holder,
    assigned,
    endsBackoff: someoneElseLeads && view.observedAt === now,
    endsTerm: !stale && holder !== identity ? 'lost' : yieldsTo(state, lease, identity),
  };
}

/**
 * A leader yields to a preferred holder named after its term began. One already named when
 * it took the Lease (who did not take it) is no reason to give it back, or every candidate
 * would take and drop it in turn.
 */
function yieldsTo(
  state: ObservationState,
  lease: StoredLease | null,
  identity: string,
): TermEndReason | null {
  return prefersAnother(lease, identity) &&
    lease?.record.preferredHolder !== state.term?.preferredAtAcquisition
    ? 'preferred-holder'
    : null;
}
