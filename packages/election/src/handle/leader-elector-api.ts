/**
 * The public shape of the handle: {@link LeaderElector} and the options that create one.
 *
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Observable } from 'rxjs';
import type { Actor } from 'xstate';
import type { Clock } from '../core/clock.js';
import type { ElectionConfig, ElectionTiming } from '../core/config.js';
import type { LeaseTemplate } from '../core/lease-record.js';
import type { LeaseStore } from '../core/lease-store.js';
import type { Logger } from '../core/logger.js';
import type { LeaseCandidateOptions } from '../kube/lease-candidate.js';
import type { LeaderElectionMachine } from '../machine/election-machine.js';
import type { ElectorEvent } from './elector-events.js';
import type { HealthOptions, HealthStatus } from './elector-health.js';
import type { LeadershipState, Term } from './leadership-state.js';

/** Options of `createLeaderElector`. Only `name` is required. */
export interface LeaderElectorOptions extends Partial<ElectionTiming> {
  /** Name of the Lease to compete for. */
  readonly name: string;
  /**
   * Namespace of the Lease.
   * @defaultValue `$POD_NAMESPACE`, else the in-cluster service-account namespace, else `"default"`
   */
  readonly namespace?: string;
  /** Cluster access. @defaultValue `KubeConfig.loadFromDefault()` */
  readonly kubeConfig?: KubeConfig;
  /**
   * Unique per process incarnation: a restarted process must not reuse its predecessor's.
   * @defaultValue `${hostname}_${randomUUID()}`
   */
  readonly identity?: string;
  /** Release the Lease on `stop()` so a follower takes over at once. @defaultValue true */
  readonly releaseOnStop?: boolean;
  /**
   * Bound on waiting for leader work after a term ends, before releasing. Work still running
   * when it passes cancels the release: the Lease runs out instead, and `state.error` is a
   * `DrainTimeoutError`.
   * @defaultValue `leaseDurationMs − renewDeadlineMs` (5_000 with the defaults)
   */
  readonly drainTimeoutMs?: number;
  /**
   * Keep the Node.js process alive while the elector runs (from `start()` to the end of
   * `stop()`), as a goroutine would. Without it a follower that cannot reach the API server
   * has no open socket and no referenced timer, and a program whose only work is leader-gated
   * would exit with status 0 mid-election.
   * @defaultValue true
   */
  readonly keepProcessAlive?: boolean;
  /** Labels, annotations and owner references for a Lease this elector creates. */
  readonly lease?: LeaseTemplate;
  /**
   * Record Kubernetes Events "<identity> became leader" / "<identity> stopped leading" about
   * the Lease, as client-go does (best effort; needs `create` on `events`). Only with the
   * Kubernetes adapter (no `store` given).
   * @defaultValue true
   */
  readonly leaderEvents?: boolean;
  /**
   * Coordinated leader election: publish and renew a `LeaseCandidate` named after `identity`
   * (coordination.k8s.io/v1beta1, as client-go's `NewCandidate`), so that kube-apiserver's
   * coordinator can pick this process. Best effort; needs get/list/watch/create/update on
   * `leasecandidates`. Only with the Kubernetes adapter (no `store` given).
   * @defaultValue not published
   */
  readonly candidate?: LeaseCandidateOptions;
  /** Structured logger. @defaultValue silent */
  readonly logger?: Logger;
  /** Aborting it stops the elector, like `stop()`. */
  readonly signal?: AbortSignal;
  /** Lease backend; replaces the Kubernetes adapter (tests, simulation, other stores). */
  readonly store?: LeaseStore;
  /** Time source for every timer and deadline. @defaultValue the system monotonic clock */
  readonly clock?: Clock;
  /** Random source for jitter. @defaultValue Math.random */
  readonly random?: () => number;
}

/** Leader work: runs once per term; should stop when `term.signal` aborts. */
export type LeaderWork = (term: Term) => unknown;

/** Options of {@link LeaderElector.whenLeader}. */
export interface WhenLeaderOptions {
  /** Stop waiting (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

/** The handle returned by `createLeaderElector`. */
export interface LeaderElector {
  /** The resolved configuration, identity included. */
  readonly config: ElectionConfig;
  /** Begins observing the Lease and competing for it. Idempotent. */
  start(): this;
  /** Every state change; replays the current state; completes after `stop()`. */
  readonly state$: Observable<LeadershipState>;
  /** The current state. */
  readonly state: LeadershipState;
  /** True only while leader and the term's local deadline has not passed, read at call time. */
  readonly isLeader: boolean;
  /** Leadership as a distinct boolean stream. */
  readonly isLeader$: Observable<boolean>;
  /** The observed holder (`null` when free), distinct. */
  readonly leader$: Observable<string | null>;
  /** The current term, or `null` when not leader. */
  readonly term: Term | null;
  /** Resolves with the next (or current) term; rejects if the elector stops first. */
  whenLeader(options?: WhenLeaderOptions): Promise<Term>;
  /**
   * Runs `work(term)` at the start of every term. The term's signal aborts when it ends, and
   * stepping down waits (up to `drainTimeoutMs`) for the returned promise before releasing; if
   * it has not settled by then, the Lease is not released but left to run out.
   * @returns a function that stops starting work for future terms.
   */
  runWhileLeader(work: LeaderWork): () => void;
  /** Gives up leadership (drain, release) and stays follower until another leads or a lease duration passes. */
  stepDown(): Promise<void>;
  /** Drains, releases (if `releaseOnStop`), publishes `stopped` and completes the streams. */
  stop(): Promise<void>;
  /**
   * What happens inside the elector (attempts, renewals, terms, releases, observed leaders,
   * the watch), as typed {@link ElectorEvent}s. Hot; completes when the elector stops.
   */
  readonly events$: Observable<ElectorEvent>;
  /**
   * Liveness with client-go `HealthzAdaptor` semantics: fails only when this process acts as
   * leader past what its renewals allow (plus `toleranceMs`), or the elector is stuck. An API
   * outage alone never fails it.
   */
  health(options?: HealthOptions): HealthStatus;
  /** Readiness: ok once the Lease has been listed. */
  readiness(): HealthStatus;
  /** The underlying XState actor, for inspection. */
  readonly actor: Actor<LeaderElectionMachine>;
}
