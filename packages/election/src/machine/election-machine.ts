/**
 * The leader-election state machine: the chart, and one-line wiring into the policy.
 *
 * @remarks
 * States (the roles users see): `follower` watches and waits until the Lease is free or its
 * holder's lease has expired on our clock; `candidate` writes once to take it (a write that
 * created the Lease is led on only once the watch confirms nothing came before it); `leader`
 * renews every `retryPeriodMs` and ends its own term at its local deadline; `stepping-down`
 * aborts the term, drains the leader's work and releases — or, when the work outlasts the
 * drain bound, does not release and waits out the term instead; `stopped` is final.
 *
 * Inputs arrive as events — `lease.observed` from the watch loop, `stepDown`, `stop` — and
 * every side effect is a named actor (`watchLease`, `acquire`, `renew`, `drain`, `release`)
 * or a named delay. Every decision is a call into `core/election-policy.ts`; the context
 * holds data only, and the services (store, clock, logger, random, drain) are bound to each
 * running machine when its context is created (machine/machine-services.ts), so that one
 * definition serves every elector of a process ({@link sharedElectionMachine}). The clock
 * passed to `createActor` must be the same clock: it drives every timer.
 *
 * @module
 */
import { assign, sendTo, setup } from 'xstate';
import { NO_BACKOFF } from '../core/acquisition-policy.js';
import { LeaseStoreError, type TermEndReason } from '../core/errors.js';
import { type StoredLease, sameRecord } from '../core/lease-record.js';
import { isOlderVersion } from '../core/lease-view.js';
import { type DrainResult, type ElectionEvent, electionActors } from './election-actors.js';
import type {
  ElectionContext,
  ElectionMachineInput,
  ElectionServices,
} from './election-context.js';
import type { AcquireResult, RenewResult } from './lease-writes.js';
import { bindServices, servicesOf } from './machine-services.js';

export type { ActiveTerm, ElectionEvent } from './election-actors.js';
export type {
  ElectionContext,
  ElectionMachineInput,
  ElectionServices,
} from './election-context.js';

/** An ended term's deadline timer, in every leader sub-state (see the `leader` state). */
const endAtDeadline = {
  termDeadline: {
    target: '#leaderElection.stepping-down',
    actions: { type: 'endTerm', params: { reason: 'deadline' } },
  },
} as const;

/** The parameterised `endTerm` action, spelled out where it is used. */
const endTerm = (reason: TermEndReason) => ({ type: 'endTerm', params: { reason } }) as const;

/** The part of the machine's snapshot {@link repeatsLeaderView} reads. */
interface LeaderViewSnapshot {
  readonly status: string;
  readonly value: unknown;
  readonly context: Pick<ElectionContext, 'view' | 'config'>;
}

/**
 * Whether a Lease the watch delivered is only the echo of the leader's own renewal, which the
 * leader learns from the renewal's answer: the watch drops it instead of sending it, and a
 * leader renewing every 2 s runs two macrosteps per renewal instead of three (the timer, the
 * answer; not the echo).
 *
 * @remarks
 * Two cases, by which of the two copies of the renewed version arrives first:
 * - **After the answer**: the held version with the held record. It folds to the view the
 *   leader has already: an identical record does not restart the expiry clock
 *   (core/lease-view.ts, `observe`) and names no other holder.
 * - **Before the answer**, while a renewal is in flight (`renewing`): a newer version naming us,
 *   in the same term (same `acquireTime` and `leaseTransitions`), differing at most in
 *   `renewTime`. Recording it would only move the view's version ahead of the answer, which
 *   brings the same version; a holder naming us ends no term. Should the answer be lost
 *   (an error, or no answer in time), the watch keeps the last echo it dropped and sends it
 *   when the leader enters `retrying` (or steps down), so the next attempt is written at that
 *   version. Without it every later attempt would conflict and read afresh: three round trips,
 *   which on a slow link outlast the attempt's timeout each time, until the term runs out.
 *
 * Never dropped: anything outside `leader` (a candidate waits for exactly this echo to confirm
 * its create; a follower re-enters on every observation), another holder, another term of
 * ours, and a record naming another `preferredHolder`: a renewal that conflicted with the edit
 * setting it renews over the fresh read and keeps the field, and the observation that shows it
 * is what makes the leader yield (after a relist, that may be this very version).
 */
export function repeatsLeaderView(snapshot: LeaderViewSnapshot, lease: StoredLease): boolean {
  if (snapshot.status !== 'active') return false;
  const { value, context } = snapshot;
  if (typeof value !== 'object' || value === null || !('leader' in value)) return false;
  const held = context.view.lease;
  const { record } = lease;
  const identity = context.config.identity;
  if (held === null || (record.preferredHolder !== null && record.preferredHolder !== identity)) {
    return false;
  }
  if (held.resourceVersion === lease.resourceVersion) return sameRecord(held.record, record);
  return (
    (value as { leader?: unknown }).leader === 'renewing' &&
    isOlderVersion(held.resourceVersion, lease.resourceVersion) &&
    record.holderIdentity === identity &&
    sameRecord(held.record, { ...record, renewTime: held.record.renewTime })
  );
}

/** Creates the leader-election machine over `services`; see the module documentation. */
export function createElectionMachine(services: ElectionServices) {
  return buildElectionMachine(() => services);
}

let shared: LeaderElectionMachine | undefined;

/**
 * The one machine definition of the process: each actor of it takes its services in its
 * input (`createActor(sharedElectionMachine(), { input: { config, services } })`). Same chart
 * and behaviour as {@link createElectionMachine}, without a state-node tree per elector.
 */
export function sharedElectionMachine(): LeaderElectionMachine {
  shared ??= buildElectionMachine((input) => {
    if (input.services === undefined) {
      throw new TypeError('sharedElectionMachine: the input has no services');
    }
    return input.services;
  });
  return shared;
}

/** The services an implementation uses, resolved, from the context it is given. */
const effectsOf = (context: ElectionContext) => servicesOf(context).effects;
const updateOf = (context: ElectionContext) => servicesOf(context).update;

function buildElectionMachine(servicesFor: (input: ElectionMachineInput) => ElectionServices) {
  return setup({
    types: {
      context: {} as ElectionContext,
      events: {} as ElectionEvent,
      input: {} as ElectionMachineInput,
    },
    actors: electionActors(),
    guards: {
      canAcquire: ({ context }) => {
        const { policy, clock } = effectsOf(context);
        return policy.mayAcquire(context, context.config, clock.now());
      },
      stopRequested: ({ context }) => context.stopRequested,
      deadlinePassed: ({ context }) => {
        const { policy, clock } = effectsOf(context);
        return policy.deadlinePassed(context.deadline, clock.now());
      },
      nothingToRelease: ({ context }) => !context.releaseOnExit,
      observedAnotherHolder: ({ context, event }) =>
        updateOf(context).foldOf(context, event)?.endsTerm === 'lost',
      preferredHolderIsAnother: ({ context, event }) =>
        updateOf(context).foldOf(context, event)?.endsTerm === 'preferred-holder',
      renewed: (_, result: RenewResult) => result.outcome === 'renewed',
      drained: (_, drain: DrainResult) => drain.settled,
      acquiredLate: (_, result: AcquireResult) => result.outcome === 'acquired',
      created: (_, result: AcquireResult) => result.outcome === 'acquired' && result.created,
      createConfirmed: ({ context }) => updateOf(context).createdStanding(context) === 'confirmed',
      createUnconfirmable: ({ context }) =>
        context.stopRequested || updateOf(context).createdStanding(context) !== 'pending',
      acquiredInTime: ({ context }, result: AcquireResult) =>
        result.outcome === 'acquired' &&
        effectsOf(context).policy.answeredInTime(
          updateOf(context).written(result.sentAt),
          context.config,
        ),
    },
    delays: {
      followerWake: ({ context }) => {
        const { policy, clock } = effectsOf(context);
        return policy.followerWake(context, context.config, clock.now());
      },
      renewInterval: ({ context }) => effectsOf(context).policy.renewInterval(context.config),
      attemptTimeout: ({ context }) => {
        const { policy, clock } = effectsOf(context);
        return policy.attemptTimeout(
          context.deadline,
          context.roundTripMs,
          context.config,
          clock.now(),
        );
      },
      writeTimeout: ({ context }) => effectsOf(context).policy.writeTimeout(context.config),
      confirmTimeout: ({ context }) => {
        const { policy, clock } = effectsOf(context);
        return policy.termDeadline(context.pendingCreate?.deadline ?? null, clock.now());
      },
      termDeadline: ({ context }) => {
        const { policy, clock } = effectsOf(context);
        return policy.termDeadline(context.deadline, clock.now());
      },
      renewRetry: ({ context }) => {
        const { policy, clock, random } = effectsOf(context);
        return policy.renewRetry(context.deadline, context.config, clock.now(), random);
      },
    },
    actions: {
      recordObservation: assign(({ context, event }) =>
        updateOf(context).recordObservation(context, event),
      ),
      recordLease: assign(({ context }, lease: StoredLease | null) =>
        updateOf(context).recordLease(context, lease),
      ),
      recordFreshList: assign(({ context }, found: AcquireResult) =>
        found.outcome === 'lost-race'
          ? updateOf(context).recordLease(context, found.lease, found.absence)
          : {},
      ),
      resetBackoff: assign(NO_BACKOFF),
      recordWatchFailure: assign(({ event }) =>
        event.type === 'watch.failed' ? { error: event.error } : {},
      ),
      clearWatchFailure: assign(({ context }) =>
        context.error instanceof LeaseStoreError && context.term === null ? { error: null } : {},
      ),
      requestStop: assign({ stopRequested: true }),
      acquireFailed: assign(({ context }, failure: unknown) =>
        updateOf(context).acquireFailed(context, failure),
      ),
      endTerm: assign(({ context }, { reason }: { reason: TermEndReason }) =>
        updateOf(context).endTerm(context, reason),
      ),
      startTerm: assign(({ context }, result: AcquireResult) =>
        updateOf(context).startTerm(context, result),
      ),
      noteDecision: assign(({ context }) => updateOf(context).noteDecision(context)),
      noteGap: assign({ gapSinceDecision: true }),
      holdCreated: assign(({ context }, result: AcquireResult) =>
        updateOf(context).holdCreated(context, result),
      ),
      startCreatedTerm: assign(({ context }) => {
        const pending = context.pendingCreate;
        return pending === null
          ? {}
          : updateOf(context).startTerm(context, {
              outcome: 'acquired',
              lease: pending.lease,
              sentAt: pending.sentAt,
              created: true,
            });
      }),
      abandonCreated: assign(({ context }) => updateOf(context).abandonCreated(context)),
      recordRenewal: assign(({ context }, result: RenewResult) =>
        updateOf(context).recordRenewal(context, result),
      ),
      warnRenewalUnanswered: ({ context }) =>
        effectsOf(context).logger.warn(
          'renewal got no answer in time; retrying before the deadline',
          { timeoutMs: context.config.retryPeriodMs },
        ),
      renewalFailed: assign(({ context }, failure: unknown) =>
        updateOf(context).renewalFailed(context, failure),
      ),
      warnReleaseUnanswered: ({ context }) =>
        effectsOf(context).logger.warn(
          'release got no answer in time; the lease will expire instead',
        ),
      releaseFailed: assign(({ context }, failure: unknown) =>
        updateOf(context).releaseFailed(failure),
      ),
      leaveLeaseToExpire: assign(({ context }) => updateOf(context).leaveLeaseToExpire(context)),
      limitReleaseToStop: assign(({ context }) => updateOf(context).limitReleaseToStop(context)),
      abortTerm: ({ context }) => updateOf(context).abortTerm(context),
      // A renewal left without its answer (it failed, timed out, or the term ended while it
      // was in flight): if its write landed, the watch's echo of it, dropped meanwhile, is
      // the only news of it (see `repeatsLeaderView`).
      resendDroppedEcho: sendTo('watch', { type: 'watch.resendEcho' }),
      finishTerm: assign(({ context }) => updateOf(context).finishTerm(context)),
    },
  }).createMachine({
    id: 'leaderElection',
    context: ({ input }) => bindServices(input, servicesFor(input)),
    invoke: {
      id: 'watch',
      src: 'watchLease',
      input: ({ context, self }) => ({
        repeatsLeaderView: (lease: StoredLease) =>
          repeatsLeaderView(self.getSnapshot() as LeaderViewSnapshot, lease),
        effects: effectsOf(context),
        idleTimeoutMs: effectsOf(context).policy.watchIdleTimeout(context.config),
        requestTimeoutMs: effectsOf(context).policy.writeTimeout(context.config),
        timing: context.config,
      }),
    },
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
        initial: 'writing',
        on: {
          // A write is in flight, or a create waits for the watch: let it settle (so a Lease
          // we may now hold gets released or waited out) before acting on anything else.
          'lease.observed': { actions: 'recordObservation' },
          'watch.gap': { actions: 'noteGap' },
          stop: { actions: 'requestStop' },
        },
        states: {
          writing: {
            entry: 'noteDecision',
            after: {
              writeTimeout: {
                target: '#leaderElection.follower',
                actions: {
                  type: 'acquireFailed',
                  params: () =>
                    new LeaseStoreError('unavailable', 'no answer to the acquiring write'),
                },
              },
            },
            invoke: {
              src: 'acquire',
              input: ({ context }) => ({
                effects: effectsOf(context),
                config: context.config,
                decidedOn: context.view.lease,
                tombstone: context.view.tombstone,
              }),
              onDone: [
                {
                  // We created the Lease: lead only once the watch shows nothing came between
                  // the absence we waited out and our create.
                  guard: { type: 'created', params: ({ event }) => event.output },
                  target: 'confirming',
                  actions: { type: 'holdCreated', params: ({ event }) => event.output },
                },
                {
                  guard: { type: 'acquiredInTime', params: ({ event }) => event.output },
                  target: '#leaderElection.leader',
                  actions: { type: 'startTerm', params: ({ event }) => event.output },
                },
                {
                  // The write landed, but its answer came after the term it started had
                  // already ended on our clock: never act as leader; release what we hold.
                  guard: { type: 'acquiredLate', params: ({ event }) => event.output },
                  target: '#leaderElection.stepping-down',
                  actions: [
                    { type: 'startTerm', params: ({ event }) => event.output },
                    endTerm('deadline'),
                  ],
                },
                {
                  // Lost the race: re-decide on the fresh read, with no back-off (nothing
                  // failed).
                  target: '#leaderElection.follower',
                  actions: [
                    { type: 'recordFreshList', params: ({ event }) => event.output },
                    'resetBackoff',
                  ],
                },
              ],
              onError: {
                target: '#leaderElection.follower',
                actions: {
                  type: 'acquireFailed',
                  params: ({ event }: { event: { error: unknown } }) => event.error,
                },
              },
            },
          },
          // Usually one watch delivery: our own create coming back. Never past the term the
          // create would start, never while stopping; neither renewed nor released on the way
          // out (see abandonCreated).
          confirming: {
            always: [
              {
                guard: 'createConfirmed',
                target: '#leaderElection.leader',
                actions: 'startCreatedTerm',
              },
              {
                guard: 'createUnconfirmable',
                target: '#leaderElection.follower',
                actions: 'abandonCreated',
              },
            ],
            after: {
              confirmTimeout: { target: '#leaderElection.follower', actions: 'abandonCreated' },
            },
          },
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
        // Ending at the deadline is unconditional. The timer lives in every sub-state rather
        // than on `leader` because a delay is computed on entry: each renewal re-enters
        // `holding`, which re-arms it at the moved deadline.
        states: {
          holding: {
            after: { renewInterval: 'renewing', ...endAtDeadline },
          },
          renewing: {
            after: {
              ...endAtDeadline,
              attemptTimeout: { target: 'retrying', actions: 'warnRenewalUnanswered' },
            },
            invoke: {
              src: 'renew',
              input: ({ context }) => ({
                effects: effectsOf(context),
                config: context.config,
                cached: context.view.lease,
                epoch: context.term?.fencingEpoch ?? null,
              }),
              onDone: [
                {
                  guard: { type: 'renewed', params: ({ event }) => event.output },
                  target: 'holding',
                  actions: { type: 'recordRenewal', params: ({ event }) => event.output },
                },
                {
                  target: '#leaderElection.stepping-down',
                  actions: [
                    { type: 'recordLease', params: ({ event }) => event.output.lease },
                    endTerm('lost'),
                  ],
                },
              ],
              onError: {
                target: 'retrying',
                actions: {
                  type: 'renewalFailed',
                  params: ({ event }: { event: { error: unknown } }) => event.error,
                },
              },
            },
          },
          retrying: {
            entry: 'resendDroppedEcho',
            after: { renewRetry: 'renewing', ...endAtDeadline },
          },
        },
      },

      'stepping-down': {
        entry: ['abortTerm', 'resendDroppedEcho'],
        initial: 'draining',
        on: {
          'lease.observed': { actions: 'recordObservation' },
          stop: { actions: ['requestStop', 'limitReleaseToStop'] },
        },
        states: {
          draining: {
            invoke: {
              src: 'drain',
              input: ({ context }) => ({
                effects: effectsOf(context),
                term: context.term,
                boundMs: effectsOf(context).policy.drainBound(context.config),
              }),
              onDone: [
                {
                  guard: { type: 'drained', params: ({ event }) => event.output },
                  target: 'releasing',
                },
                { guard: 'nothingToRelease', target: 'done' },
                // Work still running: a release would let a successor lead beside it.
                { target: 'lapsing', actions: 'leaveLeaseToExpire' },
              ],
            },
          },
          // No release and no renewal: wait out our own term, so that the Lease has run out
          // on our clock before we compete again or report being stopped.
          lapsing: {
            after: { termDeadline: 'done' },
          },
          releasing: {
            always: { guard: 'nothingToRelease', target: 'done' },
            after: { writeTimeout: { target: 'done', actions: 'warnReleaseUnanswered' } },
            invoke: {
              src: 'release',
              input: ({ context }) => ({ effects: effectsOf(context), config: context.config }),
              onDone: {
                target: 'done',
                actions: { type: 'recordLease', params: ({ event }) => event.output.lease },
              },
              onError: {
                target: 'done',
                actions: {
                  type: 'releaseFailed',
                  params: ({ event }: { event: { error: unknown } }) => event.error,
                },
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
}

/** The machine's type, for typing actors and snapshots. */
export type LeaderElectionMachine = ReturnType<typeof buildElectionMachine>;
