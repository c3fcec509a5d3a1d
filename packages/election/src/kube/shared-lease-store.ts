/**
 * Lease stores served by one shared namespace watch: reads of the watch path (`list`,
 * `watch`) come from the {@link NamespaceInformer}, `get` and every write go to the API server
 * as in the standalone store, preconditioned on the caller's resourceVersion.
 *
 * @remarks
 * Read-your-writes: after a write returns version V, this store's next `list` or `watch`
 * first waits until the informer has applied V (or relisted), so an elector never lists a
 * Lease older than its own last write. Labels given to the group are stamped on every object
 * written, so a Lease created through the group is always inside the group's label selector.
 *
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, MalformedLeaseError } from '../core/errors.js';
import { type LeaseObject, parseLease, type StoredLease } from '../core/lease-record.js';
import type { LeaseStore } from '../core/lease-store.js';
import { type Logger, toLogSink } from '../core/logger.js';
import { createKubernetesLeaseStore } from './kube-lease-store.js';
import { createNamespaceInformer, type NamespaceInformer } from './namespace-informer.js';
import { leasePath, sendRequest } from './request.js';
import type { RequestLimiter } from './request-limiter.js';
import { createSharedConnection } from './shared-connection.js';

/** Options of {@link createSharedLeaseStores}. */
export interface SharedLeaseStoresOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** Only Leases with these labels are listed and watched; stores stamp them on every write. */
  readonly labels?: Readonly<Record<string, string>>;
  /** @defaultValue 10_000 */
  readonly requestTimeoutMs?: number;
  /** @defaultValue 300 */
  readonly watchTimeoutSeconds?: number;
  /** Defaults to the process-wide limiter of `kubeConfig`. */
  readonly limiter?: RequestLimiter;
  readonly logger?: Logger;
}

/** Stores of one namespace sharing a watch, a connection pool and a limiter. */
export interface SharedLeaseStores {
  readonly namespace: string;
  readonly informer: NamespaceInformer;
  readonly limiter: RequestLimiter;
  /** A store for Lease `name`; one per elector. */
  store(name: string): LeaseStore;
  /** Stops the shared watch; stores then fail their watch-path calls with `unavailable`. */
  close(): void;
}

/** Turns a label map into a selector (`k=v,k2=v2`); `undefined` for none. */
export function labelSelectorOf(labels: Readonly<Record<string, string>> | undefined) {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0 ? undefined : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

/** Creates the shared stores; see the module documentation. */
export function createSharedLeaseStores(options: SharedLeaseStoresOptions): SharedLeaseStores {
  const { kubeConfig, namespace } = options;
  if (namespace === '') throw new ConfigError('namespace', 'must not be empty');
  const logger = toLogSink(options.logger);
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const labels = options.labels ?? {};
  const labelSelector = labelSelectorOf(labels);
  const connection = createSharedConnection(kubeConfig, options.limiter);
  const { server, pool, credentials, limiter } = connection;

  const informer = createNamespaceInformer({
    kubeConfig,
    watchConfig: (signal) => credentials.forWatch(signal),
    namespace,
    labelSelector,
    logger,
    watchTimeoutSeconds: options.watchTimeoutSeconds ?? 300,
    listAll: async (signal) => {
      const op = { method: 'list', namespace, name: '*' };
      const raw = (await limiter.run(0, signal, () =>
        sendRequest(
          { server, pool, credentials, op, signal, timeoutMs },
          {
            method: 'GET',
            path:
              labelSelector === undefined
                ? leasePath(namespace)
                : `${leasePath(namespace)}?labelSelector=${encodeURIComponent(labelSelector)}`,
          },
        ),
      )) as { metadata?: { resourceVersion?: unknown }; items?: unknown };
      const resourceVersion = raw?.metadata?.resourceVersion;
      if (typeof resourceVersion !== 'string' || resourceVersion === '') {
        throw new MalformedLeaseError(`list leases ${namespace}: no metadata.resourceVersion`);
      }
      const items: StoredLease[] = [];
      for (const item of Array.isArray(raw.items) ? raw.items : []) {
        try {
          items.push(parseLease(item));
        } catch (error) {
          logger.warn('ignoring malformed lease in list', { namespace, error: String(error) });
        }
      }
      return { items, resourceVersion };
    },
  });

  const labelled = (object: LeaseObject): LeaseObject =>
    labelSelector === undefined
      ? object
      : {
          ...object,
          metadata: {
            ...object.metadata,
            labels: { ...(object.metadata?.labels ?? {}), ...labels },
          },
        };

  return {
    namespace,
    informer,
    limiter,
    store(name) {
      const direct = createKubernetesLeaseStore({
        kubeConfig,
        name,
        namespace,
        requestTimeoutMs: timeoutMs,
        connection,
      });
      let written: string | undefined;
      const caughtUp = async (signal: AbortSignal) => {
        const version = written;
        if (version === undefined) return;
        await informer.seen(name, version, signal);
        if (written === version) written = undefined;
      };
      const remember = (stored: StoredLease) => {
        written = stored.resourceVersion;
        return stored;
      };
      return {
        name,
        namespace,
        get: (signal) => direct.get(signal),
        create: (object, signal) => direct.create(labelled(object), signal).then(remember),
        replace: (object, expected, signal) =>
          direct.replace(labelled(object), expected, signal).then(remember),
        async list(signal) {
          await caughtUp(signal);
          return informer.list(name, signal);
        },
        async watch(watchOptions) {
          if (watchOptions.signal.aborted) return;
          try {
            await caughtUp(watchOptions.signal);
          } catch (error) {
            if (watchOptions.signal.aborted) return;
            throw error;
          }
          // A version from before the shared history (from a get, or another client): only the
          // server can replay from there. Electors never get here: they watch from versions the
          // informer gave them, and list again after a gone.
          if (informer.locate(watchOptions.resourceVersion) === 'before') {
            return direct.watch(watchOptions);
          }
          return informer.watch(name, watchOptions);
        },
      };
    },
    close: () => informer.close(),
  };
}
