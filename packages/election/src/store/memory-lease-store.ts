/**
 * An in-memory {@link LeaseStore} with the API server's semantics, for unit tests and
 * simulations — yours and ours.
 *
 * @example
 * ```ts
 * const store = createInMemoryLeaseStore({ name: 'my-app', namespace: 'default' });
 * const elector = createLeaderElector({ store, ... });
 * store.write({ metadata: {}, spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 15 } });
 * store.failNext('unavailable', { method: 'replace', count: 3 });
 * store.delete();
 * expect(store.writes.map((w) => w.lease?.record.holderIdentity)).toEqual([...]);
 * ```
 *
 * @module
 */
import { type Clock, sleep, systemClock } from '../core/clock.js';
import { LeaseStoreError, type LeaseStoreErrorKind } from '../core/errors.js';
import type { LeaseObject, StoredLease } from '../core/lease-record.js';
import type { LeaseListing, LeaseStore } from '../core/lease-store.js';
import { createFaultQueue, type FailNextOptions, type LeaseStoreMethod } from './faults.js';
import { createLeaseState, type LeaseWriteRecord } from './lease-state.js';

/** Options of {@link createInMemoryLeaseStore}. */
export interface InMemoryLeaseStoreOptions {
  readonly name: string;
  readonly namespace: string;
  /**
   * Clock for latencies, `atMs` in the write log and `creationTimestamp`. Give the same manual
   * clock as the elector's to drive both deterministically.
   * @defaultValue `systemClock`
   */
  readonly clock?: Clock;
  /**
   * Watch events kept for watches that start from an older version; a watch from before the
   * oldest one kept fails with `gone`, as on a compacted API server.
   * @defaultValue 1000
   */
  readonly historyLimit?: number;
  /**
   * Simulated network latency on the store clock, in ms. Without it every call completes on a
   * later microtask and no timer is ever armed.
   */
  readonly latency?: {
    /** Before the store acts on a call (the request travelling). @defaultValue 0 */
    readonly requestMs?: number;
    /** After it acted, before the caller sees the result (the response). @defaultValue 0 */
    readonly responseMs?: number;
  };
  /**
   * Start with the Lease present and free — no holder, an empty spec — as a deployment that
   * pre-creates it (a manifest, `createLease` on the test server) leaves it. An elector takes
   * such a Lease at once, while an absent one is first waited out for a lease duration (its
   * holder may have been deleted under it). The pre-creation is not in `writes`.
   * @defaultValue false: the Lease does not exist
   */
  readonly precreated?: boolean;
}

/**
 * A {@link LeaseStore} held in memory, plus hooks for tests.
 *
 * @remarks
 * Semantics are the API server's, so code tested here behaves the same against a cluster:
 * - one counter gives every change its `resourceVersion` (decimal strings, increasing); a list
 *   returns the counter as the collection version;
 * - `create` of an existing Lease fails `already-exists`; `replace` at a version other than the
 *   current one fails `conflict` and changes nothing; a `replace` that changes nothing keeps
 *   the version and sends no event; a `replace` of a deleted Lease fails `conflict` when the
 *   object carries a `uid` and creates the Lease when it does not (Leases allow
 *   create-on-update);
 * - bodies are validated like the server's (see `normalizeLease`): `invalid` for a duration
 *   that is not a positive integer, negative transitions, or a MicroTime without exactly six
 *   fractional digits; unknown fields are dropped;
 * - watches replay the retained history after their version, then follow live changes, each
 *   watcher in order; an older version than the history fails `gone`;
 * - results arrive on a later microtask, never synchronously; aborting a call rejects it with
 *   the signal's reason (a write whose response was delayed by `latency.responseMs` still
 *   stands); aborting a watch resolves it.
 *
 * Every object handed out is a fresh copy: mutating it changes nothing in the store.
 */
export interface InMemoryLeaseStore extends LeaseStore {
  /** The Lease as stored now, or `null`. Synchronous: for assertions. */
  current(): StoredLease | null;
  /**
   * Writes `object` as another client would: no version precondition, creating the Lease if
   * it does not exist. Validated like any write (throws `LeaseStoreError('invalid')`).
   * Watches see it; `writes` records it with method `write`.
   */
  write(object: LeaseObject): StoredLease;
  /** Deletes the Lease as another client would; `false` when there was none. */
  delete(): boolean;
  /** Drops all history: a watch from any version before the current one now fails `gone`. */
  compact(): void;
  /** Sends every live watch a bookmark at the current version. */
  bookmark(): void;
  /**
   * Ends every live watch once the events already sent to it are delivered, as a server
   * closing its streams: the watches resolve, or reject with `LeaseStoreError(kind)` when a
   * kind is given (e.g. `'gone'`, as when a lagging watch is expired).
   */
  dropWatches(kind?: LeaseStoreErrorKind): void;
  /**
   * Makes the next matching call(s) fail with `LeaseStoreError(kind)`; failures queue in
   * order. With `afterCommit`, the write is applied and the call fails anyway.
   */
  failNext(kind: LeaseStoreErrorKind, options?: FailNextOptions): void;
  /** Every successful write in the order applied (including `write`/`delete` hooks). */
  readonly writes: readonly LeaseWriteRecord[];
  /** Number of watches still running, to assert that none was left behind. */
  activeWatches(): number;
}

/** Creates an empty {@link InMemoryLeaseStore}. */
export function createInMemoryLeaseStore(options: InMemoryLeaseStoreOptions): InMemoryLeaseStore {
  const { name, namespace } = options;
  const clock = options.clock ?? systemClock;
  const requestMs = options.latency?.requestMs ?? 0;
  const responseMs = options.latency?.responseMs ?? 0;
  const historyLimit = options.historyLimit ?? 1000;
  if (!Number.isInteger(historyLimit) || historyLimit < 0) {
    throw new RangeError(`historyLimit must be a non-negative integer, got ${historyLimit}`);
  }
  const writes: LeaseWriteRecord[] = [];
  const faults = createFaultQueue();
  let seeding = options.precreated === true;
  const state = createLeaseState({
    name,
    namespace,
    historyLimit,
    wallNow: () => clock.wallNow(),
    onWrite: (record) => {
      if (seeding) return;
      writes.push(Object.freeze({ ...record, sequence: writes.length + 1, atMs: clock.now() }));
    },
  });
  if (seeding) {
    state.create({ metadata: { name, namespace }, spec: {} }, 'write');
    seeding = false;
  }

  const pause = async (ms: number, signal: AbortSignal) => {
    if (ms > 0) await sleep(clock, ms, signal);
    else await Promise.resolve();
    signal.throwIfAborted();
  };

  /** One round trip: request latency, injected failure, the action, response latency. */
  const call = async <T>(method: LeaseStoreMethod, signal: AbortSignal, act: () => T) => {
    signal.throwIfAborted();
    await pause(requestMs, signal);
    const fault = faults.take(method);
    if (fault && !fault.afterCommit) throw fault.error;
    const result = act();
    await pause(responseMs, signal);
    if (fault) throw fault.error;
    return result;
  };

  return {
    name,
    namespace,
    get: (signal) => call('get', signal, () => state.current()),
    list: (signal) =>
      call(
        'list',
        signal,
        (): LeaseListing => ({ lease: state.current(), resourceVersion: String(state.version()) }),
      ),
    create: (object, signal) => call('create', signal, () => state.create(object, 'create')),
    replace: (object, expectedResourceVersion, signal) =>
      call('replace', signal, () => state.update(object, expectedResourceVersion, 'replace')),

    async watch(watchOptions) {
      const { signal } = watchOptions;
      if (signal.aborted) return;
      try {
        await pause(requestMs, signal);
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      const fault = faults.take('watch');
      if (fault) throw fault.error;
      const from = watchOptions.resourceVersion;
      if (!/^\d+$/.test(from)) {
        throw new LeaseStoreError(
          'invalid',
          `watch: resourceVersion ${JSON.stringify(from)} is not a version`,
        );
      }
      // "0" asks the API server for "any" state: the current object first, then changes.
      const start = from === '0' ? 'any' : Number(from);
      return state.hub.watch(start, () => state.snapshotEvents(), watchOptions);
    },

    current: () => state.current(),
    write(object) {
      return state.current() === null
        ? state.create(object, 'write')
        : state.update(object, null, 'write');
    },
    delete: () => state.remove(),
    compact: () => state.hub.compact(state.version()),
    bookmark: () => state.hub.bookmark(state.version()),
    dropWatches(kind) {
      state.hub.drop(
        kind === undefined
          ? undefined
          : new LeaseStoreError(kind, `watch ended by the store (${kind})`),
      );
    },
    failNext: (kind, failOptions) => faults.add(kind, failOptions),
    writes,
    activeWatches: () => state.hub.active(),
  };
}
