/**
 * The in-memory implementation of the Lease store port, for tests and simulations.
 *
 * @module
 */
export type { FailNextOptions, LeaseStoreMethod } from './faults.js';
export type { LeaseWriteMethod, LeaseWriteRecord } from './lease-state.js';
export {
  createInMemoryLeaseStore,
  type InMemoryLeaseStore,
  type InMemoryLeaseStoreOptions,
} from './memory-lease-store.js';
export { type Destination, normalizeLease } from './validation.js';
