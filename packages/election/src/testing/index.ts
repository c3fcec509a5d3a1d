/**
 * Test helpers for code that uses `@leasehold/election`: an in-memory Lease store with fault
 * injection, and a manual clock that drives every timer and deadline of an elector.
 *
 * @remarks
 * Needs no test runner. The store conformance suite, which does (vitest), is the separate
 * entry `@leasehold/election/testing/conformance`.
 *
 * @example
 * ```ts
 * import { createLeaderElector } from '@leasehold/election';
 * import { createInMemoryLeaseStore, createManualClock, flushMicrotasks } from '@leasehold/election/testing';
 *
 * const clock = createManualClock();
 * const store = createInMemoryLeaseStore({ name: 'job', namespace: 'test', clock, precreated: true });
 * const elector = createLeaderElector({ name: 'job', store, clock }).start();
 * await flushMicrotasks();
 * clock.advance(1_000);
 * ```
 *
 * @packageDocumentation
 */
import '../node-guard.js';

export {
  createManualClock,
  flushMicrotasks,
  type ManualClock,
  type ManualClockOptions,
} from '../core/manual-clock.js';
export type { FailNextOptions, LeaseStoreMethod } from '../store/faults.js';
export type { LeaseWriteMethod, LeaseWriteRecord } from '../store/lease-state.js';
export {
  createInMemoryLeaseStore,
  type InMemoryLeaseStore,
  type InMemoryLeaseStoreOptions,
} from '../store/memory-lease-store.js';
