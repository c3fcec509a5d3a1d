/**
 * leasehold: leader election for Node.js on Kubernetes Leases.
 *
 * @remarks
 * One watch on the Lease feeds a pure decision and an XState machine (follower → candidate →
 * leader → stepping-down), whose state is published through an RxJS handle. Leadership is
 * time-bounded on the local monotonic clock: a leader's view of its term ends
 * `renewDeadlineMs` after it sent its last successful renewal, strictly before any follower
 * may take over (`leaseDurationMs` after it saw that renewal), so two holders never act at once
 * as long as clock rates differ by less than `leaseDurationMs / renewDeadlineMs`. Records are
 * client-go's, so Go and TypeScript candidates can share one Lease.
 *
 * What is not guaranteed: a write the leader sent before its deadline may reach another
 * system after a successor took over. Pass `term.fence` to systems that can reject
 * writes from older terms.
 *
 * This entry holds what an application needs. Test helpers are in
 * `@leasehold/election/testing`; the state machine, for inspection, in
 * `@leasehold/election/machine` (experimental).
 *
 * @packageDocumentation
 */
// First: refuses an unsupported Node.js before @kubernetes/client-node is evaluated.
import './node-guard.js';
import { KubeConfig } from '@kubernetes/client-node';
import type { LeaseStore } from './core/lease-store.js';
import {
  createLeaderElector as createElector,
  type LeaderElector,
  type LeaderElectorOptions,
} from './handle/leader-elector.js';
import {
  createKubernetesLeaseStore as createKubeStore,
  type KubernetesLeaseStoreOptions,
} from './kube/kube-lease-store.js';
import { assertUsableKubeConfig } from './kube-config-check.js';

export type { Clock, TimerHandle } from './core/clock.js';
export {
  DEFAULT_TIMING,
  defaultDrainTimeoutMs,
  type ElectionConfig,
  type ElectionTiming,
} from './core/config.js';
export {
  ConfigError,
  DrainTimeoutError,
  ElectorStoppedError,
  LeadershipLostError,
  LeaseholdError,
  LeaseStoreError,
  type LeaseStoreErrorKind,
  MalformedLeaseError,
  type TermEndReason,
} from './core/errors.js';
export { compareFences, FENCING_EPOCH_ANNOTATION, fenceOf } from './core/fence.js';
export type {
  LeaseMetadata,
  LeaseObject,
  LeaseRecord,
  LeaseTemplate,
  StoredLease,
} from './core/lease-record.js';
export type {
  LeaseListing,
  LeaseStore,
  LeaseWatchEvent,
  LeaseWatchOptions,
} from './core/lease-store.js';
export type { LogFields, Logger } from './core/logger.js';
export type {
  LeaderElector,
  LeaderElectorOptions,
  LeaderWork,
  WhenLeaderOptions,
} from './handle/leader-elector.js';
export type { LeadershipRole, LeadershipState, Term } from './handle/leadership-state.js';
export { type LeadershipSource, leadershipTerms, whileLeader } from './handle/while-leader.js';
export type { KubernetesLeaseStoreOptions } from './kube/kube-lease-store.js';
export { loadKubeConfigFile } from './kube/kubeconfig.js';
export {
  LEASE_CANDIDATE_RBAC_RULE,
  type LeaseCandidateOptions,
} from './kube/lease-candidate.js';
export {
  loadDefaultKubeConfig,
  type ResolveNamespaceOptions,
  resolveNamespace,
} from './kube/namespace.js';

/**
 * Creates a leader elector for the Lease `options.name`. Call `start()` to begin competing.
 *
 * @remarks
 * Options are checked before anything runs: a bad timing or a `KubeConfig` from an
 * `@kubernetes/client-node` the library cannot drive (1.x) throws a {@link ConfigError}.
 *
 * @example
 * ```ts
 * const elector = createLeaderElector({ name: 'my-controller' }).start();
 * elector.runWhileLeader(async (term) => reconcile(term.signal));
 * process.on('SIGTERM', () => void elector.stop());
 * ```
 */
export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  if (options.kubeConfig !== undefined) assertUsableKubeConfig(options.kubeConfig);
  else if (options.store === undefined) assertUsableKubeConfig(KubeConfig.prototype);
  return createElector(options);
}

/**
 * The Kubernetes adapter of the {@link LeaseStore} port: one Lease through
 * `@kubernetes/client-node`. `createLeaderElector` builds one itself; build your own to share
 * or wrap it.
 *
 * @throws {@link ConfigError} when `options.kubeConfig` is not a client-node 2.x `KubeConfig`
 */
export function createKubernetesLeaseStore(options: KubernetesLeaseStoreOptions): LeaseStore {
  assertUsableKubeConfig(options.kubeConfig);
  return createKubeStore(options);
}
export type { ElectorEvent, ElectorEventType, FailureKind } from './handle/elector-events.js';
export {
  DEFAULT_HEALTH_TOLERANCE_MS,
  type HealthOptions,
  type HealthStatus,
} from './handle/elector-health.js';
export {
  createLeaseElection,
  type GroupElectorOptions,
  type LeaseElection,
  type LeaseElectionOptions,
} from './handle/lease-election-group.js';
