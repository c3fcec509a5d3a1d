/**
 * The leader-election state machine.
 *
 * @remarks
 * States (the roles users see): `follower` watches and waits until the Lease is free or its
 * holder's lease has expired on our clock; `candidate` writes once to take it; `leader`
 * renews every `retryPeriodMs` and ends its own term at its local deadline; `stepping-down`
 * aborts the term, drains the leader's work and releases; `stopped` is final.
 *
 * Inputs arrive as events — `lease.observed` from the watch loop, `stepDown`, `stop` — and
 * every side effect is a named actor (`watchLease`, `acquire`, `renew`, `drain`, `release`)
 * or a named delay, so `machine.provide()` can replace them and the clock passed to
 * `createActor` drives every timer.
 *
 * @module
 */
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import type { Clock } from '../core/clock.js';
import { MAX_TIMER_DELAY_MS } from '../core/clock.js';
import type { ElectionConfig } from '../core/config.js';
import {
  LeadershipLostError,
  type LeaseholdError,
  LeaseStoreError,
  type TermEndReason,
} from '../core/errors.js';
import type { StoredLease } from '../core/lease-record.js';
import type { LeaseStore } from '../core/lease-store.js';
import {
  assignedToUs,
  expiresAt,
  isAcquirable,
  type LeaseView,
  observe,
  prefersAnother,
  UNSYNCED_VIEW,
} from '../core/lease-view.js';
import { type LogSink as Logger, silentSink as silentLogger } from '../core/logger.js';
import { backoffDelay } from '../watch/backoff.js';
import { runLeaseWatcher } from '../watch/lease-watcher.js';
import {
  type AcquireResult,
  acquireLease,
  type ReleaseResult,
  type RenewResult,
  releaseLease,
  renewLease,
} from './lease-writes.js';

/** One term of leadership, as the machine holds it. */
export interface ActiveTerm {
  /** `leaseTransitions` of the Lease when we acquired it: unique and increasing per term. */
  readonly fencingToken: number;
  /** Local monotonic time just before the acquiring write was sent. */
  readonly acquiredAt: number;
  /** Aborted (with a {@link LeadershipLostError}) the moment the term ends. */
  readonly controller: AbortController;
  /**
   * `preferredHolder` on the Lease when we took it. We yield to a preferred holder named after
   * our term began; one already named when we acquired (it did not take the Lease) is not a
   * reason to give it back, or every candidate would take and drop it in turn.
   */
  readonly preferredAtAcquisition: string | null;
}

/** Everything the machine needs from outside. */
export interface ElectionMachineInput {
  readonly config: ElectionConfig;
  readonly store: LeaseStore;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Random source for jitter. @defaultValue Math.random */
  readonly random?: () => number;
  /** Resolves when the leader work of `term` has finished; the machine bounds the wait. */
  readonly drain?: (term: ActiveTerm) => Promise<void>;
  /** Restart a watch that has been silent this long. @defaultValue max(2 × lease duration, 30 s) */
  readonly watchIdleTimeoutMs?: number;
}

/** The machine's context. */
export interface ElectionContext {
  readonly config: ElectionConfig;
  readonly store: LeaseStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  readonly drain: (term: ActiveTerm) => Promise<void>;
  readonly watchIdleTimeoutMs: number;
  /** What we know about the Lease. */
  readonly view: LeaseView;
  /** The current term, from acquisition until stepping down has finished. */
  readonly term: ActiveTerm | null;
  /** Local deadline of the current term: last successful write's send time + renew deadline. */
  readonly deadline: number | null;
  /**
   * The pace of the server: a decaying maximum of this term's write round trips (send to
   * answer), so one quick answer does not hide how slow the last few were.
   */
  readonly roundTripMs: number;
  /** Why the last term ended. */
  readonly termEnd: TermEndReason | null;
  /** Whether stepping down should release the Lease. */
  readonly releaseOnExit: boolean;
  readonly stopRequested: boolean;
  /** After a voluntary step-down: do not compete before this, unless someone else leads. */
  readonly yieldUntil: number | null;
  /** After a failed acquisition: do not try again before this. */
  readonly retryAt: number | null;
  readonly acquireFailures: number;
  /** While not leading, we saw the coordinator write our identity as holder: take it now. */
  readonly assigned: boolean;
  /** The most recent error worth showing; cleared by the next success. */
  readonly error: LeaseholdError | null;
}

/** Events the machine accepts. */
export type ElectionEvent =
  | { readonly type: 'lease.observed'; readonly lease: StoredLease | null }
  | { readonly type: 'watch.synced' }
  | { readonly type: 'watch.failed'; readonly error: LeaseStoreError }
  | { readonly type: 'stepDown' }
  | { readonly type: 'stop' };

interface WatchInput {
  readonly context: ElectionContext;
}

const toLeaseholdError = (error: unknown): LeaseholdError =>
  error instanceof LeaseStoreError
    ? error
    : new LeaseStoreError('unavailable', error instanceof Error ? error.message : String(error), {
        cause: error,
      });

/** Whether stepping down for `reason` releases the Lease and then holds back. */
function termEndPolicy(reason: TermEndReason, config: ElectionConfig) {
  switch (reason) {
    case 'lost':
      return { release: false, yieldAfter: false };
    case 'deadline':
      return { release: true, yieldAfter: false };
    case 'stop':
      return { release: config.releaseOnStop, yieldAfter: false };
    case 'preferred-holder':
    case 'step-down':
      return { release: true, yieldAfter: true };
  }
}

/**
 * Ending at the deadline is unconditional: whatever the renewal loop is doing, our own view of
 * the term expires here, before any follower could take over. The timer lives in every leader
 * sub-state rather than on `leader` itself because a delay is computed on entry: each renewal
 * re-enters `holding`, which re-arms it at the moved deadline.
 */
const endAtDeadline = {
  termDeadline: {
    target: '#leaderElection.stepping-down',
    actions: { type: 'endTerm', params: { reason: 'deadline' } },
  },
} as const;

/** The parameterised `endTerm` action, spelled out where it is used. */
const endTerm = (reason: TermEndReason) => ({ type: 'endTerm', params: { reason } }) as const;

/** The leader-election machine; see the module documentation. */
export const leaderElectionMachine = setup({
  types: {
    context: {} as ElectionContext,
    events: {} as ElectionEvent,
    input: {} as ElectionMachineInput,
  },
  actors: {
    watchLease: fromCallback<ElectionEvent, WatchInput>(({ input, sendBack }) => {
      const { context } = input;
      const controller = new AbortController();
      const send = (event: ElectionEvent) => {
        if (!controller.signal.aborted) sendBack(event);
      };
      void runLeaseWatcher({
        store: context.store,
        clock: context.clock,
        logger: context.logger,
        random: context.random,
        idleTimeoutMs: context.watchIdleTimeoutMs,
        requestTimeoutMs: context.config.renewDeadlineMs,
        signal: controller.signal,
        sink: {
          lease: (lease) => send({ type: 'lease.observed', lease }),
          synced: () => send({ type: 'watch.synced' }),
          error: (error) => send({ type: 'watch.failed', error }),
        },
      });
      return () => controller.abort();
    }),
    acquire: fromPromise<
      AcquireResult,
      { context: ElectionContext; decidedOn: StoredLease | null }
    >(({ input, signal }) =>
      acquireLease({ ...input.context, signal }, input.decidedOn, input.context.view.tombstone),
    ),
    renew: fromPromise<RenewResult, { context: ElectionContext; cached: StoredLease }>(
      ({ input, signal }) => renewLease({ ...input.context, signal }, input.cached),
    ),
    release: fromPromise<ReleaseResult, { context: ElectionContext }>(({ input, signal }) =>
      releaseLease({ ...input.context, signal }),
    ),
    drain: fromPromise<void, { context: ElectionContext }>(async ({ input, signal }) => {
      const { term, drain, clock, config } = input.context;
      if (!term) return;
      let timer: unknown;
      const bound = new Promise<void>((resolve) => {
        timer = clock.setTimeout(resolve, config.drainTimeoutMs);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      try {
        await Promise.race([drain(term).catch(() => {}), bound]);
      } finally {
        clock.clearTimeout(timer);
      }
    }),
  },
  guards: {
    canAcquire: ({ context }) => {
      const now = context.clock.now();
      return (
        !context.stopRequested &&
        (context.retryAt === null || now >= context.retryAt) &&
        (context.yieldUntil === null || now >= context.yieldUntil) &&
        (context.assigned || isAcquirable(context.view, context.config, now))
      );
    },
    stopRequested: ({ context }) => context.stopRequested,
    deadlinePassed: ({ context }) =>
      context.deadline !== null && context.clock.now() >= context.deadline,
    nothingToRelease: ({ context }) => !context.releaseOnExit,
    preferredHolderIsAnother: ({ context, event }) =>
      event.type === 'lease.observed' &&
      prefersAnother(event.lease, context.config.identity) &&
      event.lease?.record.preferredHolder !== context.term?.preferredAtAcquisition,
    renewed: ({ event }) =>
      (event as unknown as { output: RenewResult }).output.outcome === 'renewed',
    acquiredLate: ({ event }) =>
      (event as unknown as { output: AcquireResult }).output.outcome === 'acquired',
    /** A current (not stale) observation shows someone else, or nobody, holding the Lease. */
    observedAnotherHolder: ({ context, event }) => {
      if (event.type !== 'lease.observed') return false;
      const next = observe(context.view, event.lease, context.clock.now());
      if (next === context.view) return false; // an older version than we hold: ignore
      return (next.lease?.record.holderIdentity ?? '') !== context.config.identity;
    },
    acquiredInTime: ({ context, event }) => {
      const output = (event as unknown as { output: AcquireResult }).output;
      return (
        output.outcome === 'acquired' &&
        context.clock.now() < output.sentAt + context.config.renewDeadlineMs
      );
    },
    shouldRelease: ({ context }) => context.releaseOnExit,
  },
  delays: {
    /** Until the next moment a follower's decision can change by itself. */
    followerWake: ({ context }) => {
      const now = context.clock.now();
      const moments = [expiresAt(context.view, context.config), context.retryAt, context.yieldUntil]
        .filter((t): t is number => t !== null && t > now)
        .map((t) => t - now);
      return Math.min(MAX_TIMER_DELAY_MS, ...moments);
    },
    renewInterval: ({ context }) => context.config.retryPeriodMs,
    /**
     * Bounds on one effect, so a call that never answers cannot wedge the elector. A renewal
     * attempt waits three times the recent round trips (at least a retry period, at most
     * until the deadline): a lost answer is given up early enough to retry, and a slow server's
     * answer is still waited for. Acquisition and release get the renew deadline: an
     * acquisition answered later than that would have started a term already over.
     */
    attemptTimeout: ({ context }) =>
      Math.min(
        (context.deadline ?? 0) - context.clock.now(),
        Math.max(context.config.retryPeriodMs, 3 * context.roundTripMs),
      ),
    writeTimeout: ({ context }) => context.config.renewDeadlineMs,
    termDeadline: ({ context }) => Math.max(0, (context.deadline ?? 0) - context.clock.now()),
    /**
     * Retry a failed renewal well inside the deadline, so that a single transient error can
     * never end a term: at most a retry period, at most half the time left (but not a storm).
     */
    renewRetry: ({ context }) => {
      const left = (context.deadline ?? 0) - context.clock.now();
      const jittered = context.config.retryPeriodMs * (0.5 + 0.5 * context.random());
      return Math.min(jittered, Math.max(left / 2, 100));
    },
  },
  actions: {
    recordObservation: assign(({ context, event }) => {
      if (event.type !== 'lease.observed') return {};
      const lease = event.lease;
      if (lease && lease.anomalies.length > 0) {
        context.logger.warn('lease record has anomalies; reading it conservatively', {
          anomalies: lease.anomalies,
          resourceVersion: lease.resourceVersion,
        });
      }
      const view = observe(context.view, lease, context.clock.now());
      const holder = view.lease?.record.holderIdentity ?? '';
      const assigned =
        context.term === null &&
        holder === context.config.identity &&
        (context.assigned || assignedToUs(context.view, view, context.config.identity));
      const someoneElseLeads = holder !== '' && holder !== context.config.identity;
      if (!someoneElseLeads || view.observedAt !== context.clock.now()) return { view, assigned };
      // A new record from another holder: that election is over, and so is our back-off from
      // failures in it (else errors from separate elections would compound into a long wait).
      return { view, assigned, yieldUntil: null, acquireFailures: 0, retryAt: null };
    }),
    recordWatchFailure: assign(({ event }) =>
      event.type === 'watch.failed' ? { error: event.error } : {},
    ),
    clearWatchFailure: assign(({ context }) =>
      context.error instanceof LeaseStoreError && context.term === null ? { error: null } : {},
    ),
    requestStop: assign({ stopRequested: true }),
    /** A failed or unanswered acquisition: back off (growing), remembering the error. */
    acquireFailed: assign(({ context, event }, params: { reason: string | null }) => {
      const error = toLeaseholdError(
        params.reason === null
          ? (event as unknown as { error: unknown }).error
          : new LeaseStoreError('unavailable', params.reason),
      );
      const acquireFailures = context.acquireFailures + 1;
      const policy = {
        initialMs: context.config.retryPeriodMs,
        maxMs: Math.max(30_000, context.config.retryPeriodMs),
      };
      const delay = Math.max(
        error instanceof LeaseStoreError ? (error.retryAfterMs ?? 0) : 0,
        backoffDelay(policy, acquireFailures, context.random),
      );
      context.logger.warn('acquiring the lease failed', { error: error.message, retryInMs: delay });
      return { error, acquireFailures, retryAt: context.clock.now() + delay };
    }),
    endTerm: assign(({ context }, params: { reason: TermEndReason }) => ({
      termEnd: params.reason,
      releaseOnExit: termEndPolicy(params.reason, context.config).release,
    })),
    startTerm: assign(({ context, event }) => {
      if (!('output' in event)) return {};
      const result = event.output as Extract<AcquireResult, { outcome: 'acquired' }>;
      const fencingToken = result.lease.record.leaseTransitions;
      context.logger.info('acquired leadership', { fencingToken });
      return {
        view: observe(context.view, result.lease, context.clock.now()),
        term: {
          fencingToken,
          acquiredAt: result.sentAt,
          controller: new AbortController(),
          preferredAtAcquisition: result.lease.record.preferredHolder,
        },
        deadline: result.sentAt + context.config.renewDeadlineMs,
        roundTripMs: context.clock.now() - result.sentAt,
        termEnd: null,
        assigned: false,
        retryAt: null,
        acquireFailures: 0,
        yieldUntil: null,
        error: null,
      };
    }),
    abortTerm: ({ context }) => {
      context.term?.controller.abort(new LeadershipLostError(context.termEnd ?? 'stop'));
      context.logger.info('leadership ended', {
        reason: context.termEnd,
        fencingToken: context.term?.fencingToken,
      });
    },
    finishTerm: assign(({ context }) => {
      const policy = termEndPolicy(context.termEnd ?? 'stop', context.config);
      return {
        term: null,
        deadline: null,
        releaseOnExit: false,
        yieldUntil: policy.yieldAfter
          ? context.clock.now() + context.config.leaseDurationMs
          : context.yieldUntil,
      };
    }),
  },
}).createMachine({
  id: 'leaderElection',
  context: ({ input }) => ({
    config: input.config,
    store: input.store,
    clock: input.clock,
    logger: input.logger ?? silentLogger,
    random: input.random ?? Math.random,
    drain: input.drain ?? (async () => {}),
    watchIdleTimeoutMs:
      input.watchIdleTimeoutMs ?? Math.max(2 * input.config.leaseDurationMs, 30_000),
    view: UNSYNCED_VIEW,
    term: null,
    deadline: null,
    roundTripMs: 0,
    termEnd: null,
    releaseOnExit: false,
    stopRequested: false,
    yieldUntil: null,
    retryAt: null,
    acquireFailures: 0,
    assigned: false,
    error: null,
  }),
  invoke: { id: 'watch', src: 'watchLease', input: ({ context }) => ({ context }) },
  on: {
    'watch.failed': { actions: 'recordWatchFailure' },
    'watch.synced': { actions: 'clearWatchFailure' },
  },
  initial: 'follower',
  states: {
    follower: {
      always: [
        { guard: 'stopRequested', target: 'stopped' },
        { guard: 'canAcquire', target: 'candidate' },
      ],
      after: { followerWake: { target: 'follower', reenter: true } },
      on: {
        'lease.observed': { target: 'follower', reenter: true, actions: 'recordObservation' },
        stop: { target: 'stopped', actions: 'requestStop' },
      },
    },

    candidate: {
      after: {
        writeTimeout: {
          target: 'follower',
          actions: {
            type: 'acquireFailed',
            params: { reason: 'no answer to the acquiring write' },
          },
        },
      },
      invoke: {
        src: 'acquire',
        input: ({ context }) => ({ context, decidedOn: context.view.lease }),
        onDone: [
          { guard: 'acquiredInTime', target: 'leader', actions: 'startTerm' },
          {
            // The write landed, but its answer came after the term it started had already
            // ended on our clock: never act as leader; release what we hold.
            guard: 'acquiredLate',
            target: 'stepping-down',
            actions: ['startTerm', endTerm('deadline')],
          },
          {
            // Lost the race: re-decide on the fresh read, with no back-off (nothing failed).
            target: 'follower',
            actions: assign(({ context, event }) => ({
              view: observe(context.view, event.output.lease, context.clock.now()),
              acquireFailures: 0,
              retryAt: null,
            })),
          },
        ],
        onError: {
          target: 'follower',
          actions: { type: 'acquireFailed', params: { reason: null } },
        },
      },
      on: {
        // A write is in flight: let it settle (so a Lease we may now hold gets released)
        // before acting on anything else.
        'lease.observed': { actions: 'recordObservation' },
        stop: { actions: 'requestStop' },
      },
    },

    leader: {
      initial: 'holding',
      always: [
        // A stop requested while the acquiring write was in flight.
        { guard: 'stopRequested', target: 'stepping-down', actions: endTerm('stop') },
        // Whatever the leader handles after its deadline (an answer or an event held up by a
        // paused process, say), the term ends first: the deadline timer may not have run yet.
        { guard: 'deadlinePassed', target: 'stepping-down', actions: endTerm('deadline') },
      ],
      on: {
        'lease.observed': [
          {
            guard: 'observedAnotherHolder',
            target: 'stepping-down',
            actions: ['recordObservation', endTerm('lost')],
          },
          {
            guard: 'preferredHolderIsAnother',
            target: 'stepping-down',
            actions: ['recordObservation', endTerm('preferred-holder')],
          },
          { actions: 'recordObservation' },
        ],
        stepDown: { target: 'stepping-down', actions: endTerm('step-down') },
        stop: { target: 'stepping-down', actions: ['requestStop', endTerm('stop')] },
      },
      states: {
        holding: {
          after: { renewInterval: 'renewing', ...endAtDeadline },
        },
        renewing: {
          after: {
            ...endAtDeadline,
            attemptTimeout: {
              target: 'retrying',
              actions: ({ context }) =>
                context.logger.warn('renewal got no answer in time; retrying before the deadline', {
                  timeoutMs: context.config.retryPeriodMs,
                }),
            },
          },
          invoke: {
            src: 'renew',
            input: ({ context }) => ({ context, cached: context.view.lease as StoredLease }),
            onDone: [
              {
                guard: 'renewed',
                target: 'holding',
                actions: assign(({ context, event }) => {
                  const result = event.output as Extract<RenewResult, { outcome: 'renewed' }>;
                  return {
                    view: observe(context.view, result.lease, context.clock.now()),
                    deadline: Math.max(
                      context.deadline ?? 0,
                      result.sentAt + context.config.renewDeadlineMs,
                    ),
                    roundTripMs: Math.max(
                      context.clock.now() - result.sentAt,
                      0.8 * context.roundTripMs,
                    ),
                    error: null,
                  };
                }),
              },
              {
                target: '#leaderElection.stepping-down',
                actions: [
                  assign(({ context, event }) => ({
                    view: observe(context.view, event.output.lease, context.clock.now()),
                  })),
                  endTerm('lost'),
                ],
              },
            ],
            onError: {
              target: 'retrying',
              actions: assign(({ context, event }) => {
                const error = toLeaseholdError(event.error);
                context.logger.warn('renewal failed; retrying before the deadline', {
                  error: error.message,
                  msLeft: Math.round((context.deadline ?? 0) - context.clock.now()),
                });
                return { error };
              }),
            },
          },
        },
        retrying: {
          after: { renewRetry: 'renewing', ...endAtDeadline },
        },
      },
    },

    'stepping-down': {
      entry: 'abortTerm',
      initial: 'draining',
      on: {
        'lease.observed': { actions: 'recordObservation' },
        stop: {
          actions: [
            'requestStop',
            assign(({ context }) => ({
              releaseOnExit: context.releaseOnExit && context.config.releaseOnStop,
            })),
          ],
        },
      },
      states: {
        draining: {
          invoke: { src: 'drain', input: ({ context }) => ({ context }), onDone: 'releasing' },
        },
        releasing: {
          always: { guard: 'nothingToRelease', target: 'done' },
          after: {
            writeTimeout: {
              target: 'done',
              actions: ({ context }) =>
                context.logger.warn('release got no answer in time; the lease will expire instead'),
            },
          },
          invoke: {
            src: 'release',
            input: ({ context }) => ({ context }),
            onDone: {
              target: 'done',
              actions: assign(({ context, event }) => ({
                view: observe(context.view, event.output.lease, context.clock.now()),
              })),
            },
            onError: {
              target: 'done',
              actions: assign(({ context, event }) => {
                const error = toLeaseholdError(event.error);
                context.logger.warn('release failed; the lease will expire instead', {
                  error: error.message,
                });
                return { error };
              }),
            },
          },
        },
        done: { type: 'final' },
      },
      onDone: [
        { guard: 'stopRequested', target: 'stopped', actions: 'finishTerm' },
        { target: 'follower', actions: 'finishTerm' },
      ],
    },

    stopped: { type: 'final' },
  },
});

/** The machine's type, for typing actors and snapshots. */
export type LeaderElectionMachine = typeof leaderElectionMachine;
