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
import {
  BehaviorSubject,
  distinctUntilChanged,
  filter,
  finalize,
  firstValueFrom,
  lastValueFrom,
  map,
  type Observable,
  take,
} from 'rxjs';
import { type Actor, createActor } from 'xstate';
import { type Clock, systemClock } from '../core/clock.js';
import { type ElectionConfig, resolveConfig } from '../core/config.js';
import type { ElectionPolicy } from '../core/election-policy.js';
import { ElectorStoppedError, LeadershipLostError, type TermEndReason } from '../core/errors.js';
import type { LeaseStore } from '../core/lease-store.js';
import { type LogSink, toLogSink } from '../core/logger.js';
import { createKubernetesLeaseStore } from '../kube/kube-lease-store.js';
import { recordLeaderEvents } from '../kube/leader-events.js';
import { publishLeaseCandidate } from '../kube/lease-candidate.js';
import { loadDefaultKubeConfig, resolveNamespace } from '../kube/namespace.js';
import {
  type ActiveTerm,
  type LeaderElectionMachine,
  sharedElectionMachine,
} from '../machine/election-machine.js';
import { ElectorEventFeed } from './elector-event-feed.js';
import type { ElectorEvent, ElectorSnapshot } from './elector-events.js';
import type { HealthOptions, HealthStatus } from './elector-health.js';
import type {
  LeaderElector,
  LeaderElectorOptions,
  LeaderWork,
  WhenLeaderOptions,
} from './leader-elector-api.js';
import {
  type LeadershipState,
  sameState,
  type Term,
  toLeadershipState,
} from './leadership-state.js';
import { holdProcessOpen } from './process-keep-alive.js';
import {
  deadlineOf,
  type ElectionSnapshot,
  leadsAt,
  type SnapshotView,
  viewSnapshot,
} from './snapshot-view.js';

export type {
  LeaderElector,
  LeaderElectorOptions,
  LeaderWork,
  WhenLeaderOptions,
} from './leader-elector-api.js';

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
  return createLeaderElectorWithPolicy(options, {});
}

/**
 * {@link createLeaderElector} with some election decisions replaced.
 *
 * @internal For tests that plant a bug in one decision to prove the checks catch it; not
 * exported from the package.
 */
export function createLeaderElectorWithPolicy(
  options: LeaderElectorOptions,
  policy: Partial<ElectionPolicy>,
): LeaderElector {
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
  const elector = new Elector(config, store, options, policy);
  if (kubeConfig && options.leaderEvents !== false) {
    recordLeaderEvents(elector, {
      kubeConfig,
      ...(options.logger && { logger: options.logger }),
      ...(options.clock && { clock: options.clock }),
    });
  }
  if (kubeConfig && options.candidate) {
    const { logger, clock } = options;
    publishLeaseCandidate(elector, {
      ...options.candidate,
      kubeConfig,
      ...(logger && { logger }),
      ...(clock && { clock }),
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
  readonly #clock: Clock;
  readonly events$: Observable<ElectorEvent>;
  readonly #feed: ElectorEventFeed;
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
  /** Releases this elector's hold on the process (see process-keep-alive.ts). */
  #keepAlive: (() => void) | undefined;
  #subscription: { unsubscribe(): void } | undefined;

  constructor(
    config: ElectionConfig,
    store: LeaseStore,
    options: LeaderElectorOptions,
    policy: Partial<ElectionPolicy>,
  ) {
    this.config = config;
    this.#clock = options.clock ?? systemClock;
    this.#logger = toLogSink(options.logger);
    this.#keepProcessAlive = options.keepProcessAlive ?? true;
    this.#feed = new ElectorEventFeed(this.#clock, this.#logger);
    this.events$ = this.#feed.events$;
    // One machine definition for the process; this elector's services travel in its input.
    this.actor = createActor(sharedElectionMachine(), {
      clock: this.#clock,
      inspect: this.#feed.inspect,
      input: {
        config,
        services: {
          store,
          clock: this.#clock,
          logger: this.#logger,
          random: options.random ?? Math.random,
          drain: (term) => this.#drain(term),
          policy,
        },
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
    // The elector's own timers are unref'd so they never hold a process open by themselves;
    // this hold (one shared timer for all electors) does so exactly while the elector runs.
    if (this.#keepProcessAlive) this.#keepAlive = holdProcessOpen();
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
    return leadsAt(this.#view(), this.#clock.now());
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
    const { signal } = options;
    // An aborted signal never subscribes, and an abort tears the subscription down: callers
    // that poll with a fresh signal each time must not accumulate subscribers.
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Term>((resolve, reject) => {
      const stopped = () =>
        reject(new ElectorStoppedError('the elector stopped before becoming leader'));
      const onAbort = () => {
        subscription.unsubscribe();
        reject(signal?.reason);
      };
      const subscription = this.state$
        .pipe(
          map((state) => state.term),
          filter((term): term is Term => term !== null),
          take(1),
          finalize(() => signal?.removeEventListener('abort', onAbort)),
        )
        .subscribe({ next: resolve, error: stopped, complete: stopped });
      if (!subscription.closed) signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  runWhileLeader(work: LeaderWork): () => void {
    let lastTerm: Term | null = null;
    const subscription = this.state$.subscribe((state) => {
      const term = state.term;
      if (term === null || term === lastTerm || term.signal.aborted) return;
      lastTerm = term;
      const active = this.#view().term;
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
    if (this.#view().role !== 'leader') return;
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
      fencingEpoch: active.fencingEpoch,
      fence: active.fence,
      acquiredAt: active.acquiredAt,
      signal: active.controller.signal,
      get deadline() {
        return deadlineOf(elector.#view(), active);
      },
      isCurrent: () => elector.isLeader && elector.#view().term === active,
    };
    this.#terms.set(active, term);
    return term;
  };

  /** The one way the handle reads the machine. */
  #view(snapshot: ElectionSnapshot = this.actor.getSnapshot()): SnapshotView {
    return viewSnapshot(snapshot);
  }

  #stateOf(snapshot: ElectionSnapshot): LeadershipState {
    return toLeadershipState(this.#view(snapshot), this.#termFor);
  }

  #publish(state: LeadershipState): void {
    if (this.#finished) return;
    if (!sameState(state, this.#subject.value)) this.#subject.next(state);
  }

  #finish(): void {
    this.#keepAlive?.();
    this.#keepAlive = undefined;
    if (this.#finished) return;
    this.#finished = true;
    const view = this.#view();
    view.term?.controller.abort(new LeadershipLostError('stop' satisfies TermEndReason));
    this.#subscription?.unsubscribe();
    if (view.running) this.actor.stop();
    const stopped: LeadershipState = {
      ...toLeadershipState({ ...view, role: 'stopped' }, this.#termFor),
      term: null,
      deadline: null,
    };
    if (!sameState(stopped, this.#subject.value)) this.#subject.next(stopped);
    this.#subject.complete();
    this.#feed.finish(this.actor.getSnapshot() as unknown as ElectorSnapshot);
  }
}
