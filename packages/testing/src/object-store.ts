/**
 * The versioned object store: current Leases by namespace and name, one global
 * `resourceVersion` counter (etcd's revision), and a bounded history of change events that
 * watches replay from and that exact-version lists rewind through.
 *
 * Stored objects are never mutated; every write replaces the object. Handlers read, decide and
 * commit without an `await` in between, so a read-check-write is atomic on the event loop — the
 * same guarantee etcd's transaction gives the real server.
 */
import { orderMeta } from './lease-codec.js';
import type { Lease } from './types.js';

/** A committed change. `previous` is the object before the change (absent for ADDED). */
export interface ObjectStoreEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The new object; for DELETED, the last state stamped with the deletion's version. */
  readonly object: Lease;
  readonly previous: Lease | undefined;
  readonly resourceVersion: number;
}

/** Listener for committed events, called synchronously in commit order. */
export type ObjectStoreListener = (event: ObjectStoreEvent) => void;

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

/** `ns/name`, the order etcd lists keys in. */
export function storageKey(lease: Lease): string {
  return keyOf(lease.metadata.namespace ?? '', lease.metadata.name ?? '');
}

function withVersion(lease: Lease, resourceVersion: number): Lease {
  return {
    ...lease,
    metadata: orderMeta({ ...lease.metadata, resourceVersion: String(resourceVersion) }),
  };
}

/** Versioned Lease storage with retained history. */
export class ObjectStore {
  readonly #objects = new Map<string, Lease>();
  readonly #listeners = new Set<ObjectStoreListener>();
  #history: ObjectStoreEvent[] = [];
  #revision = 0;
  #compactedRevision = 0;
  readonly #historyLimit: number;

  /** @param historyLimit - how many events to retain for watch replay. */
  constructor(historyLimit: number) {
    this.#historyLimit = Math.max(0, Math.floor(historyLimit));
  }

  /** The newest committed `resourceVersion` (0 before the first write). */
  get revision(): number {
    return this.#revision;
  }

  /**
   * The oldest version a watch may start from: every event after it is retained. A watch from
   * an older version gets 410 Gone.
   */
  get compactedRevision(): number {
    return this.#compactedRevision;
  }

  /** Number of stored Leases. */
  get size(): number {
    return this.#objects.size;
  }

  get(namespace: string, name: string): Lease | undefined {
    return this.#objects.get(keyOf(namespace, name));
  }

  /** Current Leases, optionally of one namespace, sorted by `ns/name`. */
  list(namespace?: string): Lease[] {
    const items = [...this.#objects.values()];
    const filtered =
      namespace === undefined ? items : items.filter((l) => l.metadata.namespace === namespace);
    return filtered.sort((a, b) => compareKeys(storageKey(a), storageKey(b)));
  }

  /**
   * The Leases as they were at `revision`, rewound through retained history; `undefined` if
   * that version is compacted or in the future.
   */
  listAt(revision: number, namespace?: string): Lease[] | undefined {
    if (revision > this.#revision || revision < this.#compactedRevision) return undefined;
    const state = new Map(this.#objects);
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const event = this.#history[i];
      if (event === undefined || event.resourceVersion <= revision) break;
      const key = storageKey(event.object);
      if (event.previous === undefined) state.delete(key);
      else state.set(key, event.previous);
    }
    const items = [...state.values()].filter(
      (l) => namespace === undefined || l.metadata.namespace === namespace,
    );
    return items.sort((a, b) => compareKeys(storageKey(a), storageKey(b)));
  }

  /** Namespaces that currently hold at least one Lease. */
  namespaces(): string[] {
    return [...new Set([...this.#objects.values()].map((l) => l.metadata.namespace ?? ''))].sort();
  }

  /** Stores a new object under a fresh version. The caller checked it does not exist. */
  insert(lease: Lease): Lease {
    return this.#commit('ADDED', lease, undefined);
  }

  /** Replaces an existing object under a fresh version. */
  replace(lease: Lease, previous: Lease): Lease {
    return this.#commit('MODIFIED', lease, previous);
  }

  /** Removes an object; returns its last stored state stamped with the deletion's version. */
  remove(previous: Lease): Lease {
    return this.#commit('DELETED', previous, previous);
  }

  /** Events after `revision`, or `undefined` if some of them were compacted away. */
  eventsAfter(revision: number): ObjectStoreEvent[] | undefined {
    if (revision < this.#compactedRevision) return undefined;
    const first = this.#history.findIndex((e) => e.resourceVersion > revision);
    return first === -1 ? [] : this.#history.slice(first);
  }

  /** Drops all retained history, as an etcd compaction at the current revision. */
  compact(): void {
    this.#history = [];
    this.#compactedRevision = this.#revision;
  }

  /** Subscribes to committed events; returns the unsubscribe function. */
  subscribe(listener: ObjectStoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #commit(type: ObjectStoreEvent['type'], lease: Lease, previous: Lease | undefined): Lease {
    this.#revision += 1;
    const object = withVersion(lease, this.#revision);
    const key = storageKey(object);
    if (type === 'DELETED') this.#objects.delete(key);
    else this.#objects.set(key, object);
    const event: ObjectStoreEvent = { type, object, previous, resourceVersion: this.#revision };
    this.#history.push(event);
    const excess = this.#history.length - this.#historyLimit;
    if (excess > 0) {
      const dropped = this.#history.splice(0, excess);
      this.#compactedRevision =
        dropped[dropped.length - 1]?.resourceVersion ?? this.#compactedRevision;
    }
    for (const listener of this.#listeners) listener(event);
    return object;
  }
}

/** Byte-wise string order, as etcd compares keys. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
