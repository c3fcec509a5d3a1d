/**
 * The port between the election logic and a Lease backend.
 *
 * @remarks
 * Small on purpose: one Lease, five calls. `resourceVersion` goes in and out explicitly so the
 * caller always knows which version a decision was made on, and every write is conditional on
 * it. Every call takes an `AbortSignal`. Failures are {@link LeaseStoreError}s of a small set
 * of kinds; HTTP status mapping belongs to the adapter, never to the logic.
 *
 * Implementations: the Kubernetes adapter (`createKubernetesLeaseStore`), the in-memory store
 * (`createInMemoryLeaseStore`) used by unit tests and the simulation. Both run one shared
 * conformance suite.
 *
 * @module
 */
import type { LeaseObject, StoredLease } from './lease-record.js';

/** The Lease as found by a list: the object (or `null`) and the version to watch from. */
export interface LeaseListing {
  readonly lease: StoredLease | null;
  /** The collection's resourceVersion: start a watch here to miss nothing. */
  readonly resourceVersion: string;
}

/** One change seen on the watch. */
export type LeaseWatchEvent =
  /** The Lease was created or changed. */
  | { readonly type: 'upsert'; readonly lease: StoredLease }
  /** The Lease was deleted; `resourceVersion` is the version of the deletion. */
  | { readonly type: 'deleted'; readonly resourceVersion: string }
  /** Nothing changed; the server confirms the watch is current up to `resourceVersion`. */
  | { readonly type: 'bookmark'; readonly resourceVersion: string }
  /** The server sent something unusable; the watch goes on. */
  | { readonly type: 'malformed'; readonly error: Error };

/** Arguments of {@link LeaseStore.watch}. */
export interface LeaseWatchOptions {
  /** Deliver changes after this version. */
  readonly resourceVersion: string;
  readonly signal: AbortSignal;
  /** Called for each event, in order. Must not throw. */
  readonly onEvent: (event: LeaseWatchEvent) => void;
}

/** Access to one named Lease. */
export interface LeaseStore {
  readonly name: string;
  readonly namespace: string;
  /** Reads the Lease; `null` when it does not exist. */
  get(signal: AbortSignal): Promise<StoredLease | null>;
  /** Lists the one Lease by name, returning the collection version to watch from. */
  list(signal: AbortSignal): Promise<LeaseListing>;
  /** Creates the Lease; fails with `already-exists` when someone else was first. */
  create(object: LeaseObject, signal: AbortSignal): Promise<StoredLease>;
  /**
   * Replaces the Lease if and only if it is still at `expectedResourceVersion`; fails with
   * `conflict` otherwise. The object's own `metadata.resourceVersion` is overwritten with it.
   */
  replace(
    object: LeaseObject,
    expectedResourceVersion: string,
    signal: AbortSignal,
  ): Promise<StoredLease>;
  /**
   * Streams changes after `resourceVersion` until the server ends the stream (resolves) or it
   * fails (rejects with a `LeaseStoreError`; `gone` means: list again). Aborting the signal
   * ends it and resolves.
   */
  watch(options: LeaseWatchOptions): Promise<void>;
}
