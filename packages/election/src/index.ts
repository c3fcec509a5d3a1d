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
 * system after a successor took over. Pass `term.fencingToken` to systems that can reject
 * writes from older terms.
 *
 * @module
 */
export * from './core/index.js';
export {
  createLeaderElector,
  type LeaderElector,
  type LeaderElectorOptions,
  type LeaderWork,
  type WhenLeaderOptions,
} from './handle/leader-elector.js';
export type {
  LeadershipRole,
  LeadershipState,
  Term,
} from './handle/leadership-state.js';
export {
  createLeaseElection,
  type GroupElectorOptions,
  type LeaseElection,
  type LeaseElectionOptions,
} from './handle/lease-election-group.js';
export { type LeadershipSource, leadershipTerms, whileLeader } from './handle/while-leader.js';
export {
  createKubernetesLeaseStore,
  type KubernetesLeaseStoreOptions,
  loadDefaultKubeConfig,
  resolveNamespace,
} from './kube/index.js';
export {
  type ActiveTerm,
  type ElectionContext,
  type ElectionEvent,
  type ElectionMachineInput,
  type LeaderElectionMachine,
  leaderElectionMachine,
} from './machine/election-machine.js';
export {
  createInMemoryLeaseStore,
  type FailNextOptions,
  type InMemoryLeaseStore,
  type InMemoryLeaseStoreOptions,
  type LeaseWriteRecord,
} from './store/index.js';
export { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from './watch/backoff.js';
export {
  type LeaseWatcherOptions,
  type LeaseWatcherSink,
  runLeaseWatcher,
} from './watch/lease-watcher.js';
