/**
 * A candidate's view of the Lease and the pure decisions made on it.
 *
 * @remarks
 * The view is the last Lease seen plus the local monotonic time at which its record last
 * *changed*. A holder's lease expires `leaseDurationSeconds` after that moment, on our own
 * clock: nobody compares `renewTime` (a remote wall-clock value) with local time, so clock
 * offsets between machines never matter.
 *
 * @module
 */
import type { ElectionConfig } from './config.js';
import { type LeaseRecord, type StoredLease, sameRecord } from './lease-record.js';

/** What a candidate knows about the Lease. */
export interface LeaseView {
  /** Last Lease seen; `null` when it does not exist. Meaningless until `synced`. */
  readonly lease: StoredLease | null;
  /** Local monotonic time at which the record last changed (or was first seen). */
  readonly observedAt: number;
  /** True once a list has answered; before that nothing is known. */
  readonly synced: boolean;
  /**
   * The last record seen before the Lease went absent, until it reappears. Deleting a Lease
   * does not stop its holder, which may not have seen the deletion yet: an absent Lease is
   * waited out like an unrenewed one, and recreating it continues its fencing count.
   */
  readonly tombstone: LeaseRecord | null;
  /**
   * True when the absence was a deletion event that followed the tombstone on the watch, so
   * the tombstone is the deleted object's last record. Any other absence (a first list, a
   * relist after a gap, a read) may hide terms we never saw, and is waited out as a record
   * held by an unknown holder (see {@link expiresAt}).
   */
  readonly deletionSeen: boolean;
}

export const UNSYNCED_VIEW: LeaseView = {
  lease: null,
  observedAt: 0,
  synced: false,
  tombstone: null,
  deletionSeen: false,
};

/** How an absent Lease was observed: the version it was absent at, and whether by deletion. */
export interface AbsenceNote {
  /** The list's collection version, or the deletion's version. */
  readonly resourceVersion: string;
  /** True for a watch's deletion event; false for a list (or read) that found nothing. */
  readonly deletion: boolean;
  /**
   * True for the list a watch makes after losing its history (410 Gone). The Lease may have
   * been created, held and deleted in the gap, so an absence seen across it starts its wait
   * again rather than counting from before the gap.
   */
  readonly afterGap?: boolean;
}

/**
 * Compares two resourceVersions when both are decimal integers (as every etcd-backed server
 * produces) and says whether `incoming` is older than `current`. Versions are formally opaque,
 * so anything else compares as "not older", and the newest-arrived wins.
 */
export function isOlderVersion(incoming: string, current: string): boolean {
  if (!/^\d+$/.test(incoming) || !/^\d+$/.test(current)) return false;
  if (incoming.length !== current.length) return incoming.length < current.length;
  return incoming < current;
}

/**
 * Folds one observation into the view. A record that differs from the last one restarts the
 * expiry clock (client-go's rule); an identical record — a relist, a metadata-only change —
 * does not, and an older version than the one held is ignored. So is an absence observed at
 * an older version than the record held (a lagging watch's deletion of an earlier object).
 * `absence` says how an absent Lease (`lease === null`) was seen; without it the absence
 * counts as unwitnessed.
 */
export function observe(
  view: LeaseView,
  lease: StoredLease | null,
  now: number,
  absence?: AbsenceNote,
): LeaseView {
  const previous = view.lease;
  const version = lease?.resourceVersion ?? absence?.resourceVersion;
  if (previous && version !== undefined && isOlderVersion(version, previous.resourceVersion)) {
    return view;
  }
  const acrossGap = absence?.afterGap === true;
  const changed =
    !view.synced ||
    acrossGap ||
    (lease === null) !== (previous === null) ||
    (lease !== null && previous !== null && !sameRecord(lease.record, previous.record));
  const tombstone =
    lease !== null
      ? null
      : previous !== null
        ? previous.record
        : view.synced
          ? view.tombstone
          : null;
  // A deletion right after the record we hold is witnessed; an absence that persists keeps
  // what it was; any other absence is not.
  const deletionSeen =
    lease === null &&
    (previous !== null
      ? absence?.deletion === true
      : view.synced && view.deletionSeen && !acrossGap);
  return {
    lease,
    observedAt: changed ? now : view.observedAt,
    synced: true,
    tombstone,
    deletionSeen,
  };
}

/** The holder's duration in ms, falling back to ours when the record has none usable. */
export function holderDurationMs(lease: StoredLease, config: ElectionConfig): number {
  const seconds = lease.record.leaseDurationSeconds;
  return seconds === null ? config.leaseDurationMs : seconds * 1000;
}

/**
 * When the current holder's lease expires on our clock; `null` when the Lease is free now
 * (released with no `preferredHolder` naming someone else, or seen deleted while released).
 *
 * An absent Lease is not free. A deletion we saw right after the record it removed is waited
 * out by that record (its holder may not have seen the deletion). Any other absence — the
 * first list of a process that starts after a deletion, a relist after a gap — may hide a
 * term we never saw, whose holder may still lead: it is waited out like a record held by an
 * unknown holder, observed when the absence was: our own lease duration, or the last seen
 * holder's if longer. A pre-created Lease with no holder is free at once.
 *
 * A record naming our own identity is treated like any other holder: it is either our current
 * term (the caller knows) or a previous incarnation with the same identity that may still be
 * running, which must be waited out rather than silently resumed.
 */
export function expiresAt(view: LeaseView, config: ElectionConfig): number | null {
  const lease = view.lease;
  if (lease === null) {
    const gone = view.tombstone;
    const goneMs =
      gone === null || gone.holderIdentity === ''
        ? 0
        : gone.leaseDurationSeconds === null
          ? config.leaseDurationMs
          : gone.leaseDurationSeconds * 1000;
    if (view.deletionSeen && gone !== null) {
      return gone.holderIdentity === '' ? null : view.observedAt + goneMs;
    }
    return view.observedAt + Math.max(config.leaseDurationMs, goneMs);
  }
  if (lease.record.holderIdentity === '') {
    // Released under coordinated election naming someone else: give the preferred candidate
    // the released record's duration (1 s, from client-go and from us) to take it first.
    return prefersAnother(lease, config.identity)
      ? view.observedAt + holderDurationMs(lease, config)
      : null;
  }
  return view.observedAt + holderDurationMs(lease, config);
}

/** True when the view says the Lease may be taken at `now`. */
export function isAcquirable(view: LeaseView, config: ElectionConfig, now: number): boolean {
  if (!view.synced) return false;
  const expiry = expiresAt(view, config);
  return expiry === null || now >= expiry;
}

/**
 * True when, between `before` and `after`, coordinated leader election (a `strategy` is set)
 * handed the Lease to us: the API server's coordinator writes the chosen candidate into
 * `holderIdentity` itself. Only a change this process saw happen counts. A record that
 * already named us when we started may belong to a previous incarnation that is still
 * running, and is waited out like any other holder (see {@link expiresAt}).
 */
export function assignedToUs(before: LeaseView, after: LeaseView, identity: string): boolean {
  const lease = after.lease;
  return (
    before.synced &&
    (before.lease?.record.holderIdentity ?? '') !== identity &&
    lease !== null &&
    lease.record.holderIdentity === identity &&
    lease.record.strategy !== null
  );
}

/** Observed holder, `null` when none. */
export function holderOf(view: LeaseView): string | null {
  const holder = view.lease?.record.holderIdentity ?? '';
  return holder === '' ? null : holder;
}

/** True when coordinated election names someone other than `identity` as preferred. */
export function prefersAnother(lease: StoredLease | null, identity: string): boolean {
  const preferred = lease?.record.preferredHolder ?? null;
  return preferred !== null && preferred !== identity;
}

/** How a Lease we created stands on our watch: see {@link createdStanding}. */
export type CreatedStanding = 'confirmed' | 'pending' | 'contradicted';

/**
 * Whether the watch confirms that the Lease was absent from `absentSince` until our create.
 *
 * @remarks
 * A create has no precondition but absence *now*: it cannot tell whether a Lease was
 * created, held and deleted again while we waited out the absence — a term we never saw
 * whose holder may still be leading. The watch can: it delivers every change of the Lease in
 * order, so when it shows our object while the view's absence is still the one we decided
 * on, nothing came in between (`confirmed`). Any other Lease first, or any change of the
 * absence, is `contradicted`; nothing yet is `pending`.
 *
 * @param view - the view now
 * @param created - the object our create returned
 * @param absentSince - `observedAt` of the absence the create was decided on
 */
export function createdStanding(
  view: LeaseView,
  created: StoredLease,
  absentSince: number,
  identity: string,
): CreatedStanding {
  const lease = view.lease;
  if (lease === null) return view.observedAt === absentSince ? 'pending' : 'contradicted';
  return sameObject(lease, created) && lease.record.holderIdentity === identity
    ? 'confirmed'
    : 'contradicted';
}

/** True when `a` and `b` are versions of one object: same uid, or (without uids) same version. */
function sameObject(a: StoredLease, b: StoredLease): boolean {
  const uidA = a.object.metadata.uid;
  const uidB = b.object.metadata.uid;
  return uidA !== undefined && uidB !== undefined
    ? uidA === uidB
    : a.resourceVersion === b.resourceVersion;
}
