/**
 * `@leasehold/testing`: an embedded, in-process HTTP server that speaks the Kubernetes API for
 * `coordination.k8s.io/v1` Leases faithfully enough that stock `kubectl` and
 * `@kubernetes/client-node` cannot tell it from a kube-apiserver — plus deterministic fault
 * injection and request accounting for tests and benchmarks.
 *
 * What it does: get, list (selectors, exact versions, pagination), watch (replay from a
 * version, bookmarks, in-band 410), create, replace (optimistic concurrency), the four patch
 * types including server-side apply, delete (preconditions) and deletecollection; discovery,
 * OpenAPI v3 and server-side Tables for kubectl; upstream's validation and Status bodies.
 *
 * What it does not do: authorization (one optional bearer token), admission beyond implicit
 * namespaces, other resources, TLS, protobuf, or persistence. See the package README for the
 * known differences from a real apiserver.
 *
 * @example
 * ```ts
 * import { startLeaseServer } from '@leasehold/testing';
 * const server = await startLeaseServer();
 * server.faults.failNext({ status: 503, match: { verb: 'update' } });
 * // … run code against server.kubeConfig …
 * await server.close();
 * ```
 *
 * @module
 */
export { createLeaseApi, type LeaseApi, type LeaseApiOptions } from './api.js';
export {
  ConnectionDroppedError,
  type FaultHandle,
  type FaultKind,
  Faults,
  type InjectedStatus,
  type RequestInfo,
  type RequestMatch,
  type ServerFailNextOptions,
} from './fault-injection.js';
export { formatEpochMicros, parseGoTime } from './go-time.js';
export { type FetchHandler, toNodeListener } from './http-adapter.js';
export { type KubeconfigParams, kubeconfigDocument, writeKubeconfigFile } from './kubeconfig.js';
export { ObjectStore, type ObjectStoreEvent } from './object-store.js';
export { type LeaseServer, type LeaseServerOptions, startLeaseServer } from './server.js';
export { RequestStats, type StatsSnapshot } from './stats.js';
export { ApiError } from './status.js';
export type {
  Lease,
  LeaseList,
  LeaseSpec,
  ManagedFieldsEntry,
  ObjectMeta,
  ServerClock,
  Status,
  StatusCause,
  StatusDetails,
  Verb,
  WatchEvent,
  WatchEventType,
} from './types.js';
export { systemServerClock, VERBS } from './types.js';
