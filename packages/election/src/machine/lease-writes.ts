/**
 * The elector's writes to the Lease: acquire, renew, release. Each one is conditioned on the
 * `resourceVersion` its decision was made on, and each records the local time taken *before*
 * sending, which is what the leader's deadline is measured from (a response can arrive late;
 * the server may have applied the write at any moment after it was sent).
 *
 * @module
 */
import type { Clock } from '../core/clock.js';
import type { ElectionConfig } from '../core/config.js';
import { isStoreError, LeaseStoreError, toStoreError } from '../core/errors.js';
import { FENCING_EPOCH_ANNOTATION, hasFencingEpoch, isDecimalVersion } from '../core/fence.js';
import {
  acquisitionFields,
  type LeaseObject,
  type LeaseRecord,
  newLeaseObject,
  releaseFields,
  renewalFields,
  type StoredLease,
  withElectionFields,
} from '../core/lease-record.js';
import type { LeaseStore } from '../core/lease-store.js';
import type { AbsenceNote } from '../core/lease-view.js';
import { stillHeld } from '../core/term-policy.js';

/** What a write needs besides its arguments. */
export interface WriteContext {
  readonly store: LeaseStore;
  readonly clock: Clock;
  readonly config: ElectionConfig;
  readonly signal: AbortSignal;
  /**
   * Whether a fresh read allows a release: it still names us. A parameter so that a test can
   * plant a bug here. @defaultValue {@link stillHeld}
   */
  readonly holds?: typeof stillHeld;
}

/** Runs `write`, so that whatever it rejects with is a {@link LeaseStoreError}. */
const typed = <T>(write: Promise<T>): Promise<T> =>
  write.catch((error: unknown) => {
    throw toStoreError(error);
  });

/** Outcome of an acquisition attempt. */
export type AcquireResult =
  /**
   * We hold the Lease; `sentAt` is the local time just before the winning write was sent.
   * `created`: the write created the Lease, which only the watch can confirm was absent all
   * along (see `createdStanding` in core/lease-view.ts).
   */
  | {
      readonly outcome: 'acquired';
      readonly lease: StoredLease;
      readonly sentAt: number;
      readonly created: boolean;
    }
  /**
   * Someone else wrote first, or the Lease is not as decided; `lease` is the fresh list's
   * (null: absent, at the version `absence` gives).
   */
  | {
      readonly outcome: 'lost-race';
      readonly lease: StoredLease | null;
      readonly absence?: AbsenceNote;
    };

const leaseSeconds = (config: ElectionConfig) => config.leaseDurationMs / 1000;

/**
 * Takes the Lease as decided on `decidedOn` (`null`: it did not exist, so create it).
 * A conflict is not an error: it means another candidate won, and the fresh list is returned
 * so the caller re-decides on current data instead of looping on a stale view.
 *
 * Creating lists first: when the list finds a Lease after all, nothing is written and the
 * caller re-decides on it. A created Lease carries no fencing epoch: its epoch is the version
 * the create made it at, above every write of any object before it, which is known only from
 * the answer; the term stamps it with its first renewal (see `core/fence.ts`).
 */
export function acquireLease(
  context: WriteContext,
  decidedOn: StoredLease | null,
  deletedRecord: LeaseRecord | null = null,
): Promise<AcquireResult> {
  return typed(acquire(context, decidedOn, deletedRecord));
}

async function acquire(
  context: WriteContext,
  decidedOn: StoredLease | null,
  deletedRecord: LeaseRecord | null,
): Promise<AcquireResult> {
  const { store, clock, config, signal } = context;
  if (decidedOn === null) {
    const fresh = await freshList(store, signal);
    if (fresh.lease !== null) return fresh;
  }
  const sentAt = clock.now();
  const fields = acquisitionFields(
    // Recreating a Lease we saw deleted continues its fencing count rather than restarting at 0.
    decidedOn?.record ?? deletedRecord,
    config.identity,
    leaseSeconds(config),
    clock.wallNow(),
  );
  try {
    const lease =
      decidedOn === null
        ? await store.create(
            newLeaseObject(config.name, config.namespace, fields, config.lease),
            signal,
          )
        : await store.replace(
            withEpoch(
              withElectionFields(decidedOn, fields),
              // A Lease without an epoch (pre-created, or made by client-go) gets the version
              // we decided on: above every write of any earlier object of this name.
              hasFencingEpoch(decidedOn) ? null : decidedOn.resourceVersion,
            ),
            decidedOn.resourceVersion,
            signal,
          );
    return { outcome: 'acquired', lease, sentAt, created: decidedOn === null };
  } catch (error) {
    if (!isStoreError(error, 'conflict', 'already-exists', 'not-found')) throw error;
    return freshList(store, signal);
  }
}

/** A lost race as {@link freshList} gives it: an absent Lease always says at which version. */
type FreshList =
  | { readonly outcome: 'lost-race'; readonly lease: StoredLease }
  | { readonly outcome: 'lost-race'; readonly lease: null; readonly absence: AbsenceNote };

/** A fresh list, as the re-decision after a lost race (or before a create) needs it. */
async function freshList(store: LeaseStore, signal: AbortSignal): Promise<FreshList> {
  const listing = await store.list(signal);
  return listing.lease === null
    ? {
        outcome: 'lost-race',
        lease: null,
        absence: { resourceVersion: listing.resourceVersion, deletion: false },
      }
    : { outcome: 'lost-race', lease: listing.lease };
}

/**
 * `object` with its fencing epoch set to `epoch` (unchanged when `epoch` is null). A store
 * whose versions are not decimal integers (a custom one) cannot give an epoch: the object
 * then carries none, and its tokens continue the count of the last record this elector saw.
 */
function withEpoch(object: LeaseObject, epoch: string | null): LeaseObject {
  if (epoch === null || !isDecimalVersion(epoch)) return object;
  const annotations = { ...(object.metadata.annotations ?? {}), [FENCING_EPOCH_ANNOTATION]: epoch };
  return { ...object, metadata: { ...object.metadata, annotations } };
}

/** Outcome of a renewal. */
export type RenewResult =
  | { readonly outcome: 'renewed'; readonly lease: StoredLease; readonly sentAt: number }
  /** The fresh read shows the Lease is no longer ours (or is gone): the term is over. */
  | { readonly outcome: 'lost'; readonly lease: StoredLease | null };

/**
 * Renews our term. Fast path: replace the cached object without reading (one request per
 * period). On a conflict, read once and, if the Lease is still ours (someone edited a label
 * or `preferredHolder`), renew on the fresh version; if not, report the loss.
 */
export function renewLease(
  context: WriteContext,
  cached: StoredLease | null,
  epoch: string | null = null,
): Promise<RenewResult> {
  return typed(renew(context, cached, epoch));
}

/**
 * `epoch`: the term's fencing epoch, stamped on a Lease that carries none (one this elector
 * created, whose epoch is the version of its create).
 */
async function renew(
  context: WriteContext,
  cached: StoredLease | null,
  epoch: string | null,
): Promise<RenewResult> {
  const { store, clock, config, signal } = context;
  let current = cached;
  for (let attempt = 0; attempt < 3; attempt++) {
    // A leader's view always holds its Lease (a deletion ends the term); null is a lost one.
    if (current === null || !stillHeld(current, config.identity)) {
      return { outcome: 'lost', lease: current };
    }
    const sentAt = clock.now();
    const fields = renewalFields(
      current.record,
      config.identity,
      leaseSeconds(config),
      clock.wallNow(),
    );
    try {
      const lease = await store.replace(
        withEpoch(withElectionFields(current, fields), hasFencingEpoch(current) ? null : epoch),
        current.resourceVersion,
        signal,
      );
      return { outcome: 'renewed', lease, sentAt };
    } catch (error) {
      if (isStoreError(error, 'not-found')) return { outcome: 'lost', lease: null };
      if (!isStoreError(error, 'conflict')) throw error;
      current = await store.get(signal);
      if (current === null) return { outcome: 'lost', lease: null };
    }
  }
  // Three conflicts in a row while still the holder: someone is editing the Lease hard. Treat
  // it as a failed round (transient, like any contention); the caller retries until its deadline.
  throw new LeaseStoreError(
    'unavailable',
    'renewal kept conflicting with concurrent edits of the Lease',
  );
}

/** Outcome of a release. */
export type ReleaseResult =
  | { readonly outcome: 'released'; readonly lease: StoredLease }
  /** Nothing to release: the fresh read shows another holder, no holder, or no Lease. */
  | { readonly outcome: 'not-held'; readonly lease: StoredLease | null };

/**
 * Releases the Lease if, and only if, a fresh read shows we still hold it — never from a
 * cached view, which is how a stale leader could otherwise blank its successor's record.
 * Retries on conflict with another fresh read.
 */
export function releaseLease(context: WriteContext): Promise<ReleaseResult> {
  return typed(release(context));
}

async function release(context: WriteContext): Promise<ReleaseResult> {
  const { store, clock, config, signal } = context;
  const holds = context.holds ?? stillHeld;
  for (let attempt = 0; attempt < 5; attempt++) {
    const fresh = await store.get(signal);
    if (fresh === null || !holds(fresh, config.identity)) {
      return { outcome: 'not-held', lease: fresh };
    }
    try {
      const lease = await store.replace(
        withElectionFields(fresh, releaseFields(fresh.record, clock.wallNow())),
        fresh.resourceVersion,
        signal,
      );
      return { outcome: 'released', lease };
    } catch (error) {
      if (!isStoreError(error, 'conflict')) throw error;
    }
  }
  throw new LeaseStoreError(
    'unavailable',
    'release kept conflicting with concurrent edits of the Lease',
  );
}
