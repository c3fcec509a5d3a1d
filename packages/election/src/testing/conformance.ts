/**
 * The conformance suite every `LeaseStore` should pass, as vitest `describe`/`it` blocks: run
 * it against your own store adapter to check that an elector will behave on it as on the
 * in-memory store and on Kubernetes.
 *
 * @remarks
 * Needs `vitest` (an optional peer dependency of `@leasehold/election`).
 *
 * @packageDocumentation
 */
import '../node-guard.js';

export {
  type ConformanceBackend,
  type ConformanceOptions,
  describeLeaseStoreConformance,
} from './lease-store-conformance.js';
