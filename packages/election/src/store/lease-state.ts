/**
 * The synchronous heart of the in-memory store: one Lease, one resourceVersion counter, and
 * the API server's rules for create, update and delete.
 *
 * @module
 */
import { LeaseStoreError } from '../core/errors.js';
import { type LeaseObject, parseLease, type StoredLease } from '../core/lease-record.js';
import type { LeaseWatchEvent } from '../core/lease-store.js';
import { normalizeLease } from './validation.js';
import { createWatchHub, type WatchHub } from './watch-hub.js';

/** How a write reached the store. */
export type LeaseWriteMethod = 'create' | 'replace' | 'write' | 'delete';

/** One successful write, as recorded in `InMemoryLeaseStore.writes`. */
export interface LeaseWriteRecord {
  /** 1 for the first write, then 2, 3…: the order in which the store applied them. */
  readonly sequence: number;
  /** `create`/`replace` through the port; `write`/`delete` through the test hooks. */
  readonly method: LeaseWriteMethod;
  /** The version the write was conditioned on (`replace`); `null` when unconditional. */
  readonly expectedResourceVersion: string | null;
  /**
   * The version after the write (for `delete`, the version of the deletion). Equal to
   * `expectedResourceVersion` when a replace changed nothing: like the API server, the store
   * then keeps the version and sends no event.
   */
  readonly resourceVersion: string;
  /** The Lease after the write; `null` for a delete. */
  readonly lease: StoredLease | null;
  /** The store clock's monotonic time when the write was applied. */
  readonly atMs: number;
}

/** Fields the server owns on create; whatever the client sent there is replaced. */
const SYSTEM_FIELDS = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'generation',
  'managedFields',
] as const;

/** Settings of {@link createLeaseState}. */
export interface LeaseStateSettings {
  readonly name: string;
  readonly namespace: string;
  readonly historyLimit: number;
  readonly wallNow: () => number;
  readonly onWrite: (record: Omit<LeaseWriteRecord, 'sequence' | 'atMs'>) => void;
}

/** The Lease and its version counter. */
export interface LeaseState {
  readonly hub: WatchHub;
  /** The counter: the version of the last change (a list returns it). */
  version(): number;
  current(): StoredLease | null;
  create(object: unknown, method: 'create' | 'write'): StoredLease;
  /** An update; `expected === null` is unconditional (a test hook, never the port). */
  update(object: unknown, expected: string | null, method: 'replace' | 'write'): StoredLease;
  remove(): boolean;
  /** The current state as watch events, for a watch from version `0`. */
  snapshotEvents(): LeaseWatchEvent[];
}

/** Creates an empty {@link LeaseState}; the first write gets version `2`. */
export function createLeaseState(settings: LeaseStateSettings): LeaseState {
  const { name, namespace } = settings;
  // Start above 0: "0" on a watch means "from any state", never "after version 0".
  let counter = 1;
  let stored: LeaseObject | null = null;
  let uids = 0;
  const hub = createWatchHub(counter, settings.historyLimit);
  const where = (method: string) => ({ name, namespace, method });
  const snapshot = (): StoredLease | null =>
    stored === null ? null : parseLease(structuredClone(stored));

  const commit = (
    object: LeaseObject,
    method: LeaseWriteMethod,
    expected: string | null,
  ): StoredLease => {
    counter += 1;
    object.metadata.resourceVersion = String(counter);
    stored = object;
    const lease = snapshot() as StoredLease;
    hub.publish(counter, { type: 'upsert', lease });
    settings.onWrite({
      method,
      expectedResourceVersion: expected,
      resourceVersion: String(counter),
      lease,
    });
    return snapshot() as StoredLease;
  };

  const create = (
    object: unknown,
    method: 'create' | 'replace' | 'write',
    expected: string | null,
  ) => {
    const lease = normalizeLease(object, where(method));
    if (stored !== null) {
      throw new LeaseStoreError(
        'already-exists',
        `leases.coordination.k8s.io "${name}" already exists`,
      );
    }
    for (const field of SYSTEM_FIELDS) delete lease.metadata[field];
    uids += 1;
    lease.metadata.uid = `00000000-0000-4000-8000-${String(uids).padStart(12, '0')}`;
    lease.metadata.creationTimestamp = `${new Date(settings.wallNow()).toISOString().slice(0, 19)}Z`;
    return commit(lease, method, expected);
  };

  return {
    hub,
    version: () => counter,
    current: snapshot,
    create: (object, method) => create(object, method, null),

    update(object, expected, method) {
      const lease = normalizeLease(object, where(method));
      if (expected !== null && !/^[1-9]\d*$/.test(expected)) {
        throw new LeaseStoreError(
          'invalid',
          `metadata.resourceVersion ${JSON.stringify(expected)} must be specified for an update`,
        );
      }
      const uid = lease.metadata.uid;
      if (stored === null) {
        if (expected !== null && uid !== undefined) {
          // The server's UID precondition against a missing object: 409.
          throw conflict(`Precondition failed: UID in precondition: ${uid}, UID in object meta: `);
        }
        // Leases allow create-on-update (AllowCreateOnUpdate): a PUT without a UID creates.
        return create(lease, method, expected);
      }
      const current = stored.metadata;
      if (expected !== null && uid !== undefined && uid !== current.uid) {
        throw conflict(
          `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.uid}`,
        );
      }
      if (expected !== null && expected !== current.resourceVersion) {
        throw conflict(
          'the object has been modified; please apply your changes to the latest version and try again',
        );
      }
      for (const field of SYSTEM_FIELDS) delete lease.metadata[field];
      if (current.uid !== undefined) lease.metadata.uid = current.uid;
      lease.metadata.creationTimestamp = current.creationTimestamp;
      const { resourceVersion: version, ...currentMetadata } = current;
      if (canonical({ ...stored, metadata: currentMetadata }) === canonical(lease)) {
        // Nothing changed: the server skips the write, keeps the version, sends no event.
        settings.onWrite({
          method,
          expectedResourceVersion: expected,
          resourceVersion: String(version),
          lease: snapshot(),
        });
        return snapshot() as StoredLease;
      }
      return commit(lease, method, expected);
    },

    remove() {
      if (stored === null) return false;
      counter += 1;
      stored = null;
      const resourceVersion = String(counter);
      hub.publish(counter, { type: 'deleted', resourceVersion });
      settings.onWrite({
        method: 'delete',
        expectedResourceVersion: null,
        resourceVersion,
        lease: null,
      });
      return true;
    },

    snapshotEvents() {
      const lease = snapshot();
      return lease === null ? [] : [{ type: 'upsert', lease }];
    },
  };

  function conflict(detail: string): LeaseStoreError {
    return new LeaseStoreError(
      'conflict',
      `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": ${detail}`,
    );
  }
}

/** JSON with sorted keys, to compare objects regardless of key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'object' && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
