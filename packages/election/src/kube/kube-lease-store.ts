/**
 * The {@link LeaseStore} port over a real Kubernetes API server, through
 * `@kubernetes/client-node`.
 *
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, LeaseStoreError, MalformedLeaseError } from '../core/errors.js';
import { type LeaseObject, parseLease, type StoredLease } from '../core/lease-record.js';
import type { LeaseListing, LeaseStore, LeaseWatchOptions } from '../core/lease-store.js';
import { ConnectionPool } from './connection-pool.js';
import { CredentialSource } from './credentials.js';
import type { KubeOperation } from './errors.js';
import { limitLeaseStore } from './limited-lease-store.js';
import { apiServerOf, leasePath, sendRequest } from './request.js';
import { requestLimiterFor } from './request-limiter.js';
import type { SharedConnection } from './shared-connection.js';
import { watchLease } from './watch.js';

/** Options of {@link createKubernetesLeaseStore}. */
export interface KubernetesLeaseStoreOptions {
  /** Where and as whom to connect, e.g. from `kubeConfig.loadFromDefault()`. */
  readonly kubeConfig: KubeConfig;
  /** Name of the Lease. */
  readonly name: string;
  /** Namespace of the Lease; see `resolveNamespace()` for the usual default. */
  readonly namespace: string;
  /**
   * Upper bound on one request (get, list, create, replace), in ms. The elector's renew
   * deadline bounds a renewal from outside as well; this one keeps a hung connection from
   * holding a request forever when nobody else is waiting on it.
   * @defaultValue 10_000
   */
  readonly requestTimeoutMs?: number;
  /**
   * `timeoutSeconds` of each watch: the server ends the stream after this long and the caller
   * watches again from its last version. A watch silent for this long plus 15 s is treated as
   * a dead connection and rejects with `unavailable`.
   * @defaultValue 300
   */
  readonly watchTimeoutSeconds?: number;
  /** @internal API client, connection pool and limiter shared by a group of stores. */
  readonly connection?: SharedConnection;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_WATCH_TIMEOUT_SECONDS = 300;

/**
 * Creates a {@link LeaseStore} for one Lease on a Kubernetes API server.
 *
 * @remarks
 * - `get` reads the Lease (`null` on 404); `list` lists it by `metadata.name` field selector and
 *   returns the collection's `resourceVersion` to watch from; `create` POSTs; `replace` PUTs
 *   with `metadata.resourceVersion` set to the expected version, so the server refuses a stale
 *   write with 409 (`conflict`).
 * - Objects go out exactly as given (not through client-node's model, which drops fields it
 *   does not know) and come back parsed from the raw response, so foreign fields survive.
 *   MicroTime values must be six-digit strings (the core's builders make them) or
 *   `V1MicroTime`s; a plain `Date` is sent with three digits and refused (`invalid`).
 * - Cancellation: aborting a call's signal cancels its HTTP request and the call rejects with
 *   `signal.reason`. A request that outlives `requestTimeoutMs` is cancelled and rejects with
 *   `LeaseStoreError('unavailable')`. Both bound authentication too (a hung exec plugin).
 * - One authentication serves the requests of the next second (client-node's runs per call
 *   and costs as much client CPU as the rest of a renewal). Tokens read from files (kubeconfig
 *   `token-file`, in-cluster service account) are read again when the file changes, at most a
 *   second later, and once more after a 401 before the 401 is reported.
 * - Errors are {@link LeaseStoreError}s mapped in `kube/errors.ts`, original kept as `cause`.
 * - `watch` resolves when the server ends the stream or the signal aborts; rejects with
 *   `gone` on a 410 (in band or not), with the mapped error otherwise.
 *
 * RBAC needed: `get`, `list`, `watch`, `create`, `update` on `leases` in `coordination.k8s.io`
 * (all but `create` and `list` can be narrowed with `resourceNames`).
 *
 * @throws {@link ConfigError} for an empty name or namespace, a non-positive timeout, or a
 *   kubeconfig whose current cluster has no http(s) server URL.
 */
export function createKubernetesLeaseStore(options: KubernetesLeaseStoreOptions): LeaseStore {
  const { kubeConfig, name, namespace } = options;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const watchTimeoutSeconds = options.watchTimeoutSeconds ?? DEFAULT_WATCH_TIMEOUT_SECONDS;
  if (name === '') throw new ConfigError('name', 'must not be empty');
  if (namespace === '') throw new ConfigError('namespace', 'must not be empty');
  if (!(timeoutMs > 0)) throw new ConfigError('requestTimeoutMs', 'must be positive');
  if (!(Number.isInteger(watchTimeoutSeconds) && watchTimeoutSeconds > 0)) {
    throw new ConfigError('watchTimeoutSeconds', 'must be a positive integer');
  }
  const server = options.connection?.server ?? apiServerOf(kubeConfig);
  const pool = options.connection?.pool ?? new ConnectionPool();
  const credentials = options.connection?.credentials ?? new CredentialSource(kubeConfig);
  const op = (method: string): KubeOperation => ({ method, namespace, name });

  /** The object with this Lease's name and namespace; refuses an object for another Lease. */
  const addressed = (method: string, object: LeaseObject): LeaseObject => {
    const metadata = object.metadata ?? {};
    for (const [field, expected] of [
      ['name', name],
      ['namespace', namespace],
    ] as const) {
      const actual = metadata[field];
      if (actual !== undefined && actual !== expected) {
        throw new LeaseStoreError(
          'invalid',
          `${method} lease ${namespace}/${name}: object has metadata.${field} ${JSON.stringify(actual)}`,
        );
      }
    }
    return { ...object, metadata: { ...metadata, name, namespace } };
  };

  const toStored = (method: string, raw: unknown): StoredLease => {
    try {
      return parseLease(raw);
    } catch (error) {
      if (!(error instanceof MalformedLeaseError)) throw error;
      throw new LeaseStoreError(
        'unavailable',
        `${method} lease ${namespace}/${name}: the server returned an unusable Lease: ${error.message}`,
        { cause: error },
      );
    }
  };

  const store: LeaseStore = {
    name,
    namespace,

    async get(signal) {
      try {
        const raw = await sendRequest(
          { server, credentials, pool, op: op('get'), signal, timeoutMs },
          { method: 'GET', path: leasePath(namespace, name) },
        );
        return toStored('get', raw);
      } catch (error) {
        if (error instanceof LeaseStoreError && error.kind === 'not-found') return null;
        throw error;
      }
    },

    async list(signal): Promise<LeaseListing> {
      const selector = encodeURIComponent(`metadata.name=${name}`);
      const raw = await sendRequest(
        { server, credentials, pool, op: op('list'), signal, timeoutMs },
        { method: 'GET', path: `${leasePath(namespace)}?fieldSelector=${selector}` },
      );
      const list = raw as { metadata?: { resourceVersion?: unknown }; items?: unknown };
      const resourceVersion = list?.metadata?.resourceVersion;
      if (typeof resourceVersion !== 'string' || resourceVersion === '') {
        throw new LeaseStoreError(
          'unavailable',
          `list lease ${namespace}/${name}: the list has no metadata.resourceVersion`,
        );
      }
      const items = Array.isArray(list.items) ? (list.items as unknown[]) : [];
      // Match by name as well: a server (or proxy) that ignored the selector must not hand us
      // somebody else's Lease.
      const item = items.find(
        (candidate) =>
          (candidate as { metadata?: { name?: unknown } } | null)?.metadata?.name === name,
      );
      return { lease: item === undefined ? null : toStored('list', item), resourceVersion };
    },

    async create(object, signal) {
      const target = addressed('create', object);
      // A version on a new object is refused by the server; the caller may well be
      // re-creating from an object it read before the Lease was deleted.
      const { resourceVersion: _ignored, ...metadata } = target.metadata;
      const body = { ...target, metadata };
      const raw = await sendRequest(
        { server, credentials, pool, op: op('create'), signal, timeoutMs, body },
        { method: 'POST', path: leasePath(namespace) },
      );
      return toStored('create', raw);
    },

    async replace(object, expectedResourceVersion, signal) {
      const target = addressed('replace', object);
      const body = {
        ...target,
        metadata: { ...target.metadata, resourceVersion: expectedResourceVersion },
      };
      const raw = await sendRequest(
        { server, credentials, pool, op: op('replace'), signal, timeoutMs, body },
        { method: 'PUT', path: leasePath(namespace, name) },
      );
      return toStored('replace', raw);
    },

    watch(watchOptions: LeaseWatchOptions) {
      return watchLease(
        {
          // Authenticates through the store's bounded, shared credentials.
          kubeConfig: credentials.forWatch(watchOptions.signal),
          namespace,
          name,
          timeoutSeconds: watchTimeoutSeconds,
        },
        watchOptions,
      );
    },
  };
  return limitLeaseStore(store, options.connection?.limiter ?? requestLimiterFor(kubeConfig));
}
