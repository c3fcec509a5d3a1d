/**
 * `createLeaseElection`: many electors in one process on one cluster and namespace, sharing
 * one watch, one connection pool and one bound on requests in flight.
 *
 * @remarks
 * Each elector is a standalone {@link LeaderElector} in every respect (same machine, same
 * timing, same guarantees); only its store differs: its watch path is served by the shared
 * namespace informer, its writes still go to the API server one by one, each preconditioned on
 * the resourceVersion it was decided on. For one elector, `createLeaderElector` is simpler and
 * needs narrower RBAC (see docs/rbac.md: a namespace-wide list and watch cannot be narrowed
 * by `resourceNames`; a group can narrow them with `labels`).
 *
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { LeaseStore } from '../core/lease-store.js';
import type { Logger } from '../core/logger.js';
import { loadDefaultKubeConfig, resolveNamespace } from '../kube/namespace.js';
import type { InformerStats } from '../kube/namespace-informer.js';
import {
  createRequestLimiter,
  type RequestLimiterOptions,
  type RequestLimiterStats,
} from '../kube/request-limiter.js';
import { createSharedLeaseStores } from '../kube/shared-lease-store.js';
import {
  createLeaderElector,
  type LeaderElector,
  type LeaderElectorOptions,
} from './leader-elector.js';

/** Options of {@link createLeaseElection}. */
export interface LeaseElectionOptions extends RequestLimiterOptions {
  /** Cluster access. @defaultValue `KubeConfig.loadFromDefault()` */
  readonly kubeConfig?: KubeConfig;
  /** Namespace of every Lease of the group. @defaultValue as for `createLeaderElector` */
  readonly namespace?: string;
  /**
   * Labels that narrow the shared list and watch to the group's Leases (a label selector), and
   * that every elector stamps on the Leases it writes. Without them the group watches every
   * Lease of the namespace.
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** Upper bound on one request, ms. @defaultValue 10_000 */
  readonly requestTimeoutMs?: number;
  /** `timeoutSeconds` of the shared watch. @defaultValue 300 */
  readonly watchTimeoutSeconds?: number;
  readonly logger?: Logger;
}

/** Options of one elector of a group: those of `createLeaderElector` minus the connection. */
export type GroupElectorOptions = Omit<
  LeaderElectorOptions,
  'name' | 'namespace' | 'kubeConfig' | 'store'
>;

/** A group of electors sharing one watch; see the module documentation. */
export interface LeaseElection {
  readonly namespace: string;
  /** A new elector for Lease `name` (not started). */
  elector(name: string, options?: GroupElectorOptions): LeaderElector;
  /** A store for Lease `name` served by the shared watch (for custom wiring and tests). */
  store(name: string): LeaseStore;
  /** The shared watch's and the limiter's counters. */
  readonly stats: {
    readonly watch: Readonly<InformerStats>;
    readonly requests: Readonly<RequestLimiterStats>;
  };
  /** Stops the shared watch. Stop the electors first: their watches end with it. */
  close(): void;
}

/**
 * Creates a group of electors on one namespace.
 *
 * @example
 * ```ts
 * const election = createLeaseElection({ namespace: 'shards', labels: { app: 'billing' } });
 * const electors = shards.map((s) => election.elector(`billing-${s}`).start());
 * ```
 */
export function createLeaseElection(options: LeaseElectionOptions = {}): LeaseElection {
  const kubeConfig = options.kubeConfig ?? loadDefaultKubeConfig();
  const namespace = options.namespace ?? resolveNamespace();
  const limiter = createRequestLimiter(options);
  const stores = createSharedLeaseStores({
    kubeConfig,
    namespace,
    limiter,
    ...(options.labels ? { labels: options.labels } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.watchTimeoutSeconds ? { watchTimeoutSeconds: options.watchTimeoutSeconds } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    namespace,
    stats: { watch: stores.informer.stats, requests: limiter.stats },
    store: (name) => stores.store(name),
    elector(name, electorOptions = {}) {
      const lease = electorOptions.lease ?? {};
      return createLeaderElector({
        ...electorOptions,
        name,
        namespace,
        store: stores.store(name),
        lease: { ...lease, labels: { ...(lease.labels ?? {}), ...(options.labels ?? {}) } },
      });
    },
    close: () => stores.close(),
  };
}
