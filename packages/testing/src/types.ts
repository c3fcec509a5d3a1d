/**
 * Wire types of the objects this server speaks: `coordination.k8s.io/v1` Leases, their lists,
 * `meta.k8s.io` Status objects and watch events. They mirror the JSON the real kube-apiserver
 * sends, field for field, so tests can compare bodies directly.
 */

/** The API group served. */
export const GROUP = 'coordination.k8s.io';
/** The one version served. */
export const VERSION = 'v1';
/** `apiVersion` of a Lease. */
export const API_VERSION = 'coordination.k8s.io/v1';
/** The resource (plural) name, as used in paths and in `Status.details.kind`. */
export const RESOURCE = 'leases';
/** `group/resource`, as the real server prints it in error messages. */
export const QUALIFIED_RESOURCE = 'leases.coordination.k8s.io';
/** `Kind.group`, as the real server prints it in validation errors. */
export const QUALIFIED_KIND = 'Lease.coordination.k8s.io';

/** The request verbs of the Kubernetes API, as counted by {@link RequestStats}. */
export type Verb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection';

/** Every {@link Verb}, in a stable order. */
export const VERBS: readonly Verb[] = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
];

/** A reference to an owning object (`metadata.ownerReferences[]`). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The `fieldsV1` trie of a managed-fields entry: keys like `f:spec`, values nested tries. */
export interface FieldsV1 {
  [key: string]: FieldsV1;
}

/** One entry of `metadata.managedFields`. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
}

/** `metadata` of a Lease, in the real server's field order. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

/** `spec` of a Lease. Times are MicroTime strings with exactly six fractional digits. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

/** A `coordination.k8s.io/v1` Lease as served. */
export interface Lease {
  kind: 'Lease';
  apiVersion: typeof API_VERSION;
  metadata: ObjectMeta;
  spec: LeaseSpec;
}

/** `metadata` of a list. */
export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A LeaseList as served (items carry no `kind`/`apiVersion`, like the real server's). */
export interface LeaseList {
  kind: 'LeaseList';
  apiVersion: typeof API_VERSION;
  metadata: ListMeta;
  items: Omit<Lease, 'kind' | 'apiVersion'>[];
}

/** One cause of a failure (`details.causes[]`). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** `details` of a Status. `kind` holds the *resource* for most errors, as upstream does. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A `v1` Status, the body of every error and of a successful delete. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: ListMeta;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  /** Absent on the Success Status of a delete, as upstream's. */
  code?: number;
}

/** The type of a watch event. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One line of a watch stream. */
export interface WatchEvent<T = unknown> {
  type: WatchEventType;
  object: T;
}

/**
 * The server's wall-clock time source and timers, injectable so tests can drive bookmarks,
 * watch timeouts and latency faults without sleeping. Unlike `@leasehold/election`'s monotonic
 * `Clock`, `now()` here is epoch time: the server stamps it into objects.
 */
export interface ServerClock {
  /** Milliseconds since the epoch (used for timestamps). */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock; timers are unref'd so an idle server never keeps a process alive. */
export const systemServerClock: ServerClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
