/**
 * The in-memory implementation of the Lease store port, for tests and simulations.
 *
 * @module
 */
export type { FailNextOptions } from './faults.js';
export type { LeaseWriteRecord } from './lease-state.js';
export {
  createInMemoryLeaseStore,
  type InMemoryLeaseStore,
  type InMemoryLeaseStoreOptions,
} from './memory-lease-store.js';
