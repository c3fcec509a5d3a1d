/**
 * What each of the machine's actions changes in its context, as functions of the context and
 * the action's input. Every decision in them is a call into the policy; what is left is
 * bookkeeping and logging.
 *
 * @module
 */
import { NO_BACKOFF } from '../core/acquisition-policy.js';
import type { Clock } from '../core/clock.js';
import type { ElectionPolicy } from '../core/election-policy.js';
import {
  DrainTimeoutError,
  LeadershipLostError,
  type TermEndReason,
  toStoreError,
} from '../core/errors.js';
import { fenceOf, fencingEpochOf, hasFencingEpoch } from '../core/fence.js';
import type { StoredLease } from '../core/lease-record.js';
import { type AbsenceNote, type CreatedStanding, holderOf, observe } from '../core/lease-view.js';
import type { LogSink } from '../core/logger.js';
import type { ObservationFold } from '../core/observation-fold.js';
import type { ElectionEvent } from './election-actors.js';
import type { ElectionContext } from './election-context.js';
import type { AcquireResult, RenewResult } from './lease-writes.js';

/** What the updates use besides the context. */
export interface UpdateServices {
  readonly clock: Clock;
  readonly logger: LogSink;
  readonly random: () => number;
  readonly policy: ElectionPolicy;
}

type Update = Partial<ElectionContext>;

type ObservedEvent = Extract<ElectionEvent, { type: 'lease.observed' }>;

/** The context updates, closing over `services`. */
export function contextUpdates({ clock, logger, random, policy }: UpdateServices) {
  // The observation fold runs once per event: the leader's guards and the action that records
  // it read the same result (same event, same context).
  const folds = new WeakMap<object, { context: ElectionContext; fold: ObservationFold }>();
  const foldObserved = (context: ElectionContext, event: ObservedEvent): ObservationFold => {
    const cached = folds.get(event);
    if (cached?.context === context) return cached.fold;
    const fold = policy.foldObservation(
      context,
      event.lease,
      context.config.identity,
      clock.now(),
      event.absence,
    );
    folds.set(event, { context, fold });
    return fold;
  };
  const foldOf = (context: ElectionContext, event: ElectionEvent): ObservationFold | null =>
    event.type === 'lease.observed' ? foldObserved(context, event) : null;
  const written = (sentAt: number) => ({ sentAt, answeredAt: clock.now() });

  return {
    foldOf,
    written,

    recordObservation(context: ElectionContext, event: ElectionEvent): Update {
      if (event.type !== 'lease.observed') return {};
      const fold = foldObserved(context, event);
      const lease = event.lease;
      if (lease && lease.anomalies.length > 0) {
        logger.warn('lease record has anomalies; reading it conservatively', {
          anomalies: lease.anomalies,
          resourceVersion: lease.resourceVersion,
        });
      }
      const { view, assigned } = fold;
      return fold.endsBackoff
        ? { view, assigned, yieldUntil: null, ...NO_BACKOFF }
        : { view, assigned };
    },

    recordLease(
      context: ElectionContext,
      lease: StoredLease | null,
      absence?: AbsenceNote,
    ): Update {
      const view = observe(context.view, lease, clock.now(), absence);
      // A fresh read that names someone else ends an assignment (see holdsAssignment).
      return { view, assigned: context.assigned && holderOf(view) === context.config.identity };
    },

    /** Notes what an acquisition is decided on: the view's `observedAt`. */
    noteDecision: (context: ElectionContext): Update => ({
      decidedAt: context.view.observedAt,
      gapSinceDecision: false,
    }),

    /** A create landed: hold it back until the watch confirms the Lease was absent all along. */
    holdCreated(context: ElectionContext, result: AcquireResult): Update {
      if (result.outcome !== 'acquired') return {};
      const { lease, sentAt } = result;
      const deadline = policy.deadlineAfterWrite(written(sentAt), null, context.config);
      return { pendingCreate: { lease, sentAt, deadline } };
    },

    /**
     * Where the create held back stands on the watch now; past the deadline its term would
     * have had, it can no longer be confirmed.
     */
    createdStanding(context: ElectionContext): CreatedStanding | null {
      const pending = context.pendingCreate;
      if (pending === null) return null;
      // A relist after lost history may show our object with what came before it unseen.
      if (context.gapSinceDecision || policy.deadlinePassed(pending.deadline, clock.now())) {
        return 'contradicted';
      }
      return policy.createdStanding(
        context.view,
        pending.lease,
        context.decidedAt,
        context.config.identity,
      );
    },

    /**
     * The create held back was not confirmed: never lead on it. It is neither renewed nor
     * released (a release would free the Lease at once for a term we may not have seen);
     * our own record is waited out like any holder's, from now.
     */
    abandonCreated(context: ElectionContext): Update {
      const pending = context.pendingCreate;
      if (pending === null) return {};
      logger.warn(
        'the watch did not confirm that the lease we created was absent throughout; not leading on it, waiting it out',
        { resourceVersion: pending.lease.resourceVersion },
      );
      return { pendingCreate: null, view: observe(context.view, pending.lease, clock.now()) };
    },

    /** A failed or unanswered acquisition: back off (growing), remembering the error. */
    acquireFailed(context: ElectionContext, failure: unknown): Update {
      const error = toStoreError(failure);
      const retry = policy.acquireRetry(context.acquireFailures, error, context.config, random);
      logger.warn('acquiring the lease failed', { error: error.message, retryInMs: retry.delayMs });
      const { acquireFailures } = retry;
      return { error, acquireFailures, retryAt: clock.now() + retry.delayMs };
    },

    endTerm: (context: ElectionContext, reason: TermEndReason): Update => ({
      termEnd: reason,
      releaseOnExit: policy.termEndPolicy(reason, context.config).release,
    }),

    startTerm(context: ElectionContext, result: AcquireResult): Update {
      if (result.outcome !== 'acquired') return {};
      const write = written(result.sentAt);
      const fencingToken = result.lease.record.leaseTransitions;
      // A Lease we created carries no epoch yet: its epoch is the version of our create.
      const fencingEpoch =
        result.created && !hasFencingEpoch(result.lease)
          ? result.lease.resourceVersion
          : fencingEpochOf(result.lease);
      const fence = fenceOf(fencingEpoch, fencingToken);
      logger.info('acquired leadership', { fencingToken, fencingEpoch, fence });
      return {
        view: observe(context.view, result.lease, write.answeredAt),
        term: {
          fencingToken,
          fencingEpoch,
          fence,
          acquiredAt: result.sentAt,
          controller: new AbortController(),
          preferredAtAcquisition: result.lease.record.preferredHolder,
        },
        deadline: policy.deadlineAfterWrite(write, null, context.config),
        roundTripMs: policy.nextRoundTrip(null, write),
        pendingCreate: null,
        termEnd: null,
        assigned: false,
        yieldUntil: null,
        error: null,
        ...NO_BACKOFF,
      };
    },

    recordRenewal(context: ElectionContext, result: RenewResult): Update {
      if (result.outcome !== 'renewed') return {};
      const write = written(result.sentAt);
      return {
        view: observe(context.view, result.lease, write.answeredAt),
        deadline: policy.deadlineAfterWrite(write, context.deadline, context.config),
        roundTripMs: policy.nextRoundTrip(context.roundTripMs, write),
        error: null,
      };
    },

    renewalFailed(context: ElectionContext, failure: unknown): Update {
      const error = toStoreError(failure);
      logger.warn('renewal failed; retrying before the deadline', {
        error: error.message,
        msLeft: Math.round((context.deadline ?? 0) - clock.now()),
      });
      return { error };
    },

    /** The drain bound passed with work still running: no release, the lease runs out. */
    leaveLeaseToExpire(context: ElectionContext): Update {
      const error = new DrainTimeoutError(context.config.drainTimeoutMs);
      logger.warn('the term’s work did not settle; not releasing, the lease will expire', {
        drainTimeoutMs: context.config.drainTimeoutMs,
        fencingToken: context.term?.fencingToken,
      });
      return { error, releaseOnExit: false };
    },

    releaseFailed(failure: unknown): Update {
      const error = toStoreError(failure);
      logger.warn('release failed; the lease will expire instead', { error: error.message });
      return { error };
    },

    limitReleaseToStop: (context: ElectionContext): Update => ({
      releaseOnExit: policy.releaseAfterStop(context.releaseOnExit, context.config),
    }),

    abortTerm(context: ElectionContext): void {
      context.term?.controller.abort(new LeadershipLostError(context.termEnd ?? 'stop'));
      logger.info('leadership ended', {
        reason: context.termEnd,
        fencingToken: context.term?.fencingToken,
      });
    },

    finishTerm: (context: ElectionContext): Update => ({
      term: null,
      deadline: null,
      releaseOnExit: false,
      yieldUntil: policy.yieldUntilAfterTerm(
        context.termEnd ?? 'stop',
        context.yieldUntil,
        context.config,
        clock.now(),
      ),
    }),
  };
}
