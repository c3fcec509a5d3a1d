/**
 * Building blocks of the Lease store conformance suite, usable on their own in other tests.
 *
 * @module
 */
import { vi } from 'vitest';
import type { LeaseStoreErrorKind } from '../core/errors.js';
import type { LeaseObject, StoredLease } from '../core/lease-record.js';
import type { LeaseStore, LeaseWatchEvent } from '../core/lease-store.js';

/** What the conformance suite needs from one backend; a fresh one per test. */
export interface ConformanceBackend {
  /** The store under test, for a Lease that does not exist yet. */
  readonly store: LeaseStore;
  /**
   * Writes the object as a different client would: unconditionally (no version precondition),
   * creating the Lease if needed, bypassing `store`. Resolves to the stored result.
   */
  writeAsOtherClient(object: LeaseObject): Promise<StoredLease>;
  /** Deletes the Lease, bypassing `store`. */
  deleteLease(): Promise<void>;
  /**
   * Makes every version before the current one too old to watch from (compaction). Leave it
   * out only with a written reason in the suite's `skip.gone` option.
   */
  forceGone?(): Promise<void>;
  /** Releases everything the backend started. */
  close(): Promise<void>;
}

/** What the check modules of the suite share; one backend per check. */
export interface ConformanceSuite {
  /** The options the suite was declared with (skip reasons). */
  readonly options: {
    readonly skip?: { readonly gone?: string; readonly replaceDeleted?: string };
  };
  /** The current check's backend. */
  backend(): ConformanceBackend;
  /** The current check's store. */
  store(): LeaseStore;
  /** A signal for one call: generous, so only a hung backend trips it. */
  signal(): AbortSignal;
  /** Creates the Lease with this spec through the store under test. */
  create(spec: Record<string, unknown>): Promise<StoredLease>;
  /** Asserts that `promise` rejects with a `LeaseStoreError` of this kind. */
  expectKind(promise: Promise<unknown>, kind: LeaseStoreErrorKind): Promise<void>;
}

/** MicroTimes with non-zero microseconds, so a lost digit cannot go unnoticed. */
export const T1 = '2026-01-02T03:04:05.123456Z';
export const T2 = '2026-01-02T03:04:07.654321Z';
export const T3 = '2026-01-02T03:04:09.000001Z';

/** A Lease body for `store`'s Lease with the given spec. */
export function lease(store: LeaseStore, spec: Record<string, unknown>): LeaseObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: store.name, namespace: store.namespace },
    spec,
  };
}

/** A running watch that records what it receives. */
export interface RecordedWatch {
  /** Every event, bookmarks included, in arrival order. */
  readonly events: LeaseWatchEvent[];
  /** The events that are changes (upserts and deletions), in order. */
  changes(): LeaseWatchEvent[];
  /** The watch's promise. */
  readonly done: Promise<void>;
  /** Aborts the watch. */
  stop(): void;
}

/** Starts a watch on `store` from `resourceVersion` that records its events. */
export function startWatch(store: LeaseStore, resourceVersion: string): RecordedWatch {
  const controller = new AbortController();
  const events: LeaseWatchEvent[] = [];
  const done = store.watch({
    resourceVersion,
    signal: controller.signal,
    onEvent: (event) => events.push(event),
  });
  // A test that never awaits a failed watch must not turn it into an unhandled rejection;
  // tests that care await `done` themselves.
  done.catch(() => {});
  return {
    events,
    changes: () => events.filter((e) => e.type === 'upsert' || e.type === 'deleted'),
    done,
    stop: () => controller.abort(),
  };
}

/** Retries an assertion until it passes (a watch delivers asynchronously), up to 5 s. */
export function eventually(assertion: () => void): Promise<void> {
  return vi.waitFor(assertion, { timeout: 5_000, interval: 5 });
}
