/**
 * `createLeaderElector`: the public handle over the election machine.
 *
 * @remarks
 * Data flows one way: the Lease watch feeds the machine, the machine's snapshots become
 * {@link LeadershipState}s in a `BehaviorSubject`, and the user's work reads that state. The
 * subject is never handed out; `state$` is a read-only view that replays the current state.
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  BehaviorSubject,
  distinctUntilChanged,
  filter,
  firstValueFrom,
  lastValueFrom,
  map,
  type Observable,
} from 'rxjs';
import { type Actor, createActor } from 'xstate';
import { type Clock, systemClock } from '../core/clock.js';
import { type ElectionConfig, type ElectionTiming, resolveConfig } from '../core/config.js';
import { ElectorStoppedError, LeadershipLostError, type TermEndReason } from '../core/errors.js';
import type { LeaseTemplate } from '../core/lease-record.js';
import type { LeaseStore } from '../core/lease-store.js';
import { type Logger, type LogSink, toLogSink } from '../core/logger.js';
import { createKubernetesLeaseStore } from '../kube/kube-lease-store.js';
import { recordLeaderEvents } from '../kube/leader-events.js';
import { loadDefaultKubeConfig, resolveNamespace } from '../kube/namespace.js';
import {
  type ActiveTerm,
  type LeaderElectionMachine,
  leaderElectionMachine,
} from '../machine/election-machine.js';
import { ElectorEventFeed } from './elector-event-feed.js';
import type { ElectorEvent } from './elector-events.js';
import type { HealthOptions, HealthStatus } from './elector-health.js';
import {
  type LeadershipState,
  roleOf,
  sameState,
  type Term,
  toLeadershipState,
} from './leadership-state.js';

/** Options of {@link createLeaderElector}. Only `name` is required. */
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
   * Bound on waiting for leader work after a term ends, before releasing.
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

/** The handle returned by {@link createLeaderElector}. */
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
   * stepping down waits (up to `drainTimeoutMs`) for the returned promise before releasing.
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

/**
 * Creates a leader elector for one Lease.
 *
 * @example
 * ```ts
 * const elector = createLeaderElector({ name: 'my-controller' }).start();
 * elector.runWhileLeader(async (term) => {
 *   while (!term.signal.aborted) await reconcileOnce(term.signal);
 * });
 * process.on('SIGTERM', () => void elector.stop());
 * ```
 * @throws {@link ConfigError} when an option breaks a rule.
 */
export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  const config = resolveConfig({
    ...options,
    namespace: options.namespace ?? options.store?.namespace ?? resolveNamespace(),
    identity: options.identity ?? `${hostname()}_${randomUUID()}`,
  });
  const kubeConfig = options.store ? undefined : (options.kubeConfig ?? loadDefaultKubeConfig());
  const store =
    options.store ??
    createKubernetesLeaseStore({
      kubeConfig: kubeConfig ?? loadDefaultKubeConfig(),
      name: config.name,
      namespace: config.namespace,
    });
  const elector = new Elector(config, store, options);
  if (kubeConfig && options.leaderEvents !== false) {
    recordLeaderEvents(elector, {
      kubeConfig,
      ...(options.logger && { logger: options.logger }),
      ...(options.clock && { clock: options.clock }),
    });
  }
  return elector;
}

class Elector implements LeaderElector {
  readonly config: ElectionConfig;
  readonly actor: Actor<LeaderElectionMachine>;
  readonly state$: Observable<LeadershipState>;
  readonly isLeader$: Observable<boolean>;
  readonly leader$: Observable<string | null>;
  readonly events$: Observable<ElectorEvent>;
  readonly #feed: ElectorEventFeed;
  readonly #clock: Clock;
  readonly #logger: LogSink;
  readonly #subject: BehaviorSubject<LeadershipState>;
  readonly #terms = new WeakMap<ActiveTerm, Term>();
  readonly #running = new WeakMap<ActiveTerm, Set<Promise<unknown>>>();
  #started = false;
  /**
   * Set once the elector has stopped for good. Not `#subject.closed`: in RxJS 7 that means
   * "unsubscribed", and stays false after `complete()`.
   */
  #finished = false;
  readonly #keepProcessAlive: boolean;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #subscription: { unsubscribe(): void } | undefined;

  constructor(config: ElectionConfig, store: LeaseStore, options: LeaderElectorOptions) {
    this.config = config;
    this.#clock = options.clock ?? systemClock;
    this.#logger = toLogSink(options.logger);
    this.#keepProcessAlive = options.keepProcessAlive ?? true;
    this.#feed = new ElectorEventFeed(this.#clock, this.#logger);
    this.events$ = this.#feed.events$;
    this.actor = createActor(leaderElectionMachine, {
      clock: this.#clock,
      inspect: this.#feed.inspect,
      input: {
        config,
        store,
        clock: this.#clock,
        logger: this.#logger,
        random: options.random ?? Math.random,
        drain: (term) => this.#drain(term),
      },
    });
    this.#subject = new BehaviorSubject(this.#stateOf(this.actor.getSnapshot()));
    this.state$ = this.#subject.asObservable();
    this.isLeader$ = this.state$.pipe(
      map((state) => state.role === 'leader'),
      distinctUntilChanged(),
    );
    this.leader$ = this.state$.pipe(
      map((state) => state.holder),
      distinctUntilChanged(),
    );
    options.signal?.addEventListener('abort', () => void this.stop(), { once: true });
    if (options.signal?.aborted) void this.stop();
  }

  start(): this {
    if (this.#started || this.#finished) return this;
    this.#started = true;
    // A referenced, idle handle: the elector's own timers are unref'd so they never hold a
    // process open by themselves, and this one does so exactly while the elector runs.
    if (this.#keepProcessAlive) this.#keepAlive = setInterval(() => {}, 1 << 30);
    this.#subscription = this.actor.subscribe({
      next: (snapshot) => this.#publish(this.#stateOf(snapshot)),
      error: (error) => {
        // A bug in the machine must not crash the process or leave a leader behind.
        this.#logger.error('leader election stopped by an internal error', {
          error: String(error),
        });
        this.#finish();
      },
      complete: () => this.#finish(),
    });
    this.actor.start();
    return this;
  }

  get state(): LeadershipState {
    return this.#subject.value;
  }

  get isLeader(): boolean {
    const snapshot = this.actor.getSnapshot();
    const { term, deadline } = snapshot.context;
    return (
      snapshot.status === 'active' &&
      snapshot.matches('leader') &&
      term !== null &&
      !term.controller.signal.aborted &&
      deadline !== null &&
      this.#clock.now() < deadline
    );
  }

  health(options?: HealthOptions): HealthStatus {
    return this.#feed.health(options);
  }

  readiness(): HealthStatus {
    return this.#feed.readiness();
  }

  get term(): Term | null {
    return this.isLeader ? this.state.term : null;
  }

  whenLeader(options: WhenLeaderOptions = {}): Promise<Term> {
    const leading = firstValueFrom(
      this.state$.pipe(
        map((state) => state.term),
        filter((term): term is Term => term !== null),
      ),
    ).catch(() => {
      throw new ElectorStoppedError('the elector stopped before becoming leader');
    });
    const { signal } = options;
    if (!signal) return leading;
    return new Promise<Term>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      leading.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  runWhileLeader(work: LeaderWork): () => void {
    let lastTerm: Term | null = null;
    const subscription = this.state$.subscribe((state) => {
      const term = state.term;
      if (term === null || term === lastTerm || term.signal.aborted) return;
      lastTerm = term;
      const active = this.actor.getSnapshot().context.term;
      const started = Promise.resolve()
        .then(() => work(term))
        .catch((error: unknown) => {
          if (term.signal.aborted && error === term.signal.reason) return;
          if (error instanceof LeadershipLostError) return;
          this.#logger.error('leader work failed', { error: String(error) });
        });
      if (active) {
        const running = this.#running.get(active) ?? new Set();
        running.add(started);
        this.#running.set(active, running);
        void started.finally(() => running.delete(started));
      }
    });
    return () => subscription.unsubscribe();
  }

  async stepDown(): Promise<void> {
    if (!this.#started || this.#finished) return;
    if (!this.actor.getSnapshot().matches('leader')) return;
    this.actor.send({ type: 'stepDown' });
    await this.#settled();
  }

  async stop(): Promise<void> {
    if (this.#finished) return;
    if (!this.#started) {
      this.#finish();
      return;
    }
    this.actor.send({ type: 'stop' });
    // Not #settled(): a candidate whose write is in flight is neither leading nor stepping
    // down, yet still running; stop() resolves only when the elector has really stopped.
    await this.#stopped();
  }

  /** Resolves when the elector has stopped: `state$` completes right after `stopped`. */
  #stopped(): Promise<void> {
    return lastValueFrom(this.state$, { defaultValue: undefined }).then(() => {});
  }

  /** Resolves when the elector is no longer leading or stepping down. */
  #settled(): Promise<void> {
    return firstValueFrom(
      this.state$.pipe(filter((s) => s.role !== 'leader' && s.role !== 'stepping-down')),
      { defaultValue: undefined },
    ).then(() => {});
  }

  async #drain(term: ActiveTerm): Promise<void> {
    const running = this.#running.get(term);
    if (running) await Promise.allSettled([...running]);
  }

  #termFor = (active: ActiveTerm): Term => {
    const existing = this.#terms.get(active);
    if (existing) return existing;
    const elector = this;
    const term: Term = {
      identity: this.config.identity,
      fencingToken: active.fencingToken,
      acquiredAt: active.acquiredAt,
      signal: active.controller.signal,
      get deadline() {
        const context = elector.actor.getSnapshot().context;
        return context.term === active && context.deadline !== null
          ? context.deadline
          : active.acquiredAt;
      },
      isCurrent: () => elector.isLeader && elector.actor.getSnapshot().context.term === active,
    };
    this.#terms.set(active, term);
    return term;
  };

  #stateOf(snapshot: ReturnType<Actor<LeaderElectionMachine>['getSnapshot']>): LeadershipState {
    const role = snapshot.status === 'active' ? roleOf(snapshot.value) : 'stopped';
    return toLeadershipState(role, snapshot.context, this.#termFor);
  }

  #publish(state: LeadershipState): void {
    if (this.#finished) return;
    if (!sameState(state, this.#subject.value)) this.#subject.next(state);
  }

  #finish(): void {
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    if (this.#finished) return;
    this.#finished = true;
    const snapshot = this.actor.getSnapshot();
    snapshot.context.term?.controller.abort(
      new LeadershipLostError('stop' satisfies TermEndReason),
    );
    this.#subscription?.unsubscribe();
    if (snapshot.status === 'active') this.actor.stop();
    const stopped: LeadershipState = {
      ...toLeadershipState('stopped', snapshot.context, this.#termFor),
      term: null,
      deadline: null,
    };
    if (!sameState(stopped, this.#subject.value)) this.#subject.next(stopped);
    this.#subject.complete();
    this.#feed.finish(snapshot);
  }
}
