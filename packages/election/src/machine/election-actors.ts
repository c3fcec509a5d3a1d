/**
 * The machine's effects: the Lease watch, the three writes and the bounded drain, as XState
 * actors that take narrow inputs. The services they use (store, clock, …) come with each
 * input, so that one machine definition serves every elector of the process.
 *
 * @module
 */
import { fromCallback, fromPromise } from 'xstate';
import type { Clock } from '../core/clock.js';
import type { ElectionConfig } from '../core/config.js';
import type { ElectionPolicy } from '../core/election-policy.js';
import type { LeaseStoreError } from '../core/errors.js';
import type { LeaseRecord, StoredLease } from '../core/lease-record.js';
import type { LeaseStore } from '../core/lease-store.js';
import type { AbsenceNote } from '../core/lease-view.js';
import type { LogSink } from '../core/logger.js';
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
  /** `leaseTransitions` of the Lease when we acquired it: increasing per term of one object. */
  readonly fencingToken: number;
  /** The Lease object's fencing epoch (`core/fence.ts`); `"0"` when it carries none. */
  readonly fencingEpoch: string;
  /** The term's one comparable fence: (epoch, token) as a decimal string. */
  readonly fence: string;
  /** Local monotonic time just before the acquiring write was sent. */
  readonly acquiredAt: number;
  /** Aborted (with a `LeadershipLostError`) the moment the term ends. */
  readonly controller: AbortController;
  /**
   * `preferredHolder` on the Lease when we took it. We yield to a preferred holder named after
   * our term began; one already named when we acquired (it did not take the Lease) is not a
   * reason to give it back, or every candidate would take and drop it in turn.
   */
  readonly preferredAtAcquisition: string | null;
}

/** How a drain ended: `settled` is false when the bound passed with the work still running. */
export interface DrainResult {
  readonly settled: boolean;
}

/** Events the machine accepts. */
export type ElectionEvent =
  | {
      readonly type: 'lease.observed';
      readonly lease: StoredLease | null;
      /** For an absent Lease: the version it was absent at, and whether a deletion said so. */
      readonly absence?: AbsenceNote;
    }
  | { readonly type: 'watch.synced' }
  /** The watch lost its history (410) and listed again: what happened in between is unknown. */
  | { readonly type: 'watch.gap' }
  | { readonly type: 'watch.failed'; readonly error: LeaseStoreError }
  | { readonly type: 'stepDown' }
  | { readonly type: 'stop' };

/**
 * What the machine tells its watch: `watch.resendEcho` asks for the last upsert it dropped as
 * the echo of a renewal, once that renewal has gone unanswered or the term ended with it in
 * flight.
 */
export type WatchCommand = { readonly type: 'watch.resendEcho' };

/** The services the machine's effects use, resolved (no optional members). */
export interface ElectionEffects {
  readonly store: LeaseStore;
  readonly clock: Clock;
  readonly logger: LogSink;
  readonly random: () => number;
  /** Resolves when the leader work of `term` has finished; the machine bounds the wait. */
  readonly drain: (term: ActiveTerm) => Promise<void>;
  readonly policy: ElectionPolicy;
}

/** The services an actor uses, passed with its input. */
export interface WithEffects {
  readonly effects: ElectionEffects;
}

/** The machine's actors; each takes the services it uses in its input. */
export function electionActors() {
  return {
    watchLease: fromCallback<
      WatchCommand,
      WithEffects & {
        idleTimeoutMs: number;
        requestTimeoutMs: number;
        timing: ElectionConfig;
        /** An upsert the machine would fold to the view it has (see `repeatsLeaderView`). */
        repeatsLeaderView?: (lease: StoredLease) => boolean;
      }
    >(({ input, sendBack, receive }) => {
      const { effects, repeatsLeaderView, ...watch } = input;
      const { store, clock, logger, random } = effects;
      const controller = new AbortController();
      const send = (event: ElectionEvent) => {
        if (!controller.signal.aborted) sendBack(event);
      };
      // The newest version the watch delivered, when it was dropped as an echo: the renewal's
      // answer normally brings the same version, but an answer that never comes would leave
      // the leader's view behind the Lease, and every later attempt would conflict and spend
      // two more round trips reading afresh. `watch.resendEcho` hands it over in that case.
      let droppedEcho: StoredLease | null = null;
      receive((command) => {
        if (command.type !== 'watch.resendEcho' || droppedEcho === null) return;
        const lease = droppedEcho;
        droppedEcho = null;
        if (!repeatsLeaderView?.(lease)) send({ type: 'lease.observed', lease });
      });
      void runLeaseWatcher({
        store,
        clock,
        logger,
        random,
        ...watch,
        signal: controller.signal,
        sink: {
          lease: (lease, absence) => {
            if (absence === undefined && lease !== null && repeatsLeaderView?.(lease)) {
              droppedEcho = lease;
              return;
            }
            droppedEcho = null;
            send(
              absence === undefined
                ? { type: 'lease.observed', lease }
                : { type: 'lease.observed', lease, absence },
            );
          },
          synced: () => send({ type: 'watch.synced' }),
          gap: () => send({ type: 'watch.gap' }),
          error: (error) => send({ type: 'watch.failed', error }),
        },
      });
      return () => controller.abort();
    }),
    acquire: fromPromise<
      AcquireResult,
      WithEffects & {
        config: ElectionConfig;
        decidedOn: StoredLease | null;
        tombstone: LeaseRecord | null;
      }
    >(({ input, signal }) => {
      const { store, clock } = input.effects;
      return acquireLease(
        { store, clock, config: input.config, signal },
        input.decidedOn,
        input.tombstone,
      );
    }),
    renew: fromPromise<
      RenewResult,
      WithEffects & { config: ElectionConfig; cached: StoredLease | null; epoch: string | null }
    >(({ input, signal }) => {
      const { store, clock } = input.effects;
      return renewLease({ store, clock, config: input.config, signal }, input.cached, input.epoch);
    }),
    release: fromPromise<ReleaseResult, WithEffects & { config: ElectionConfig }>(
      ({ input, signal }) => {
        const { store, clock, policy } = input.effects;
        return releaseLease({
          store,
          clock,
          config: input.config,
          signal,
          holds: policy.stillHeld,
        });
      },
    ),
    /**
     * Waits for the term's work, at most `boundMs`; resolves to whether it settled. A drain
     * cut short by leaving the state counts as settled (nothing decides on it any more).
     */
    drain: fromPromise<DrainResult, WithEffects & { term: ActiveTerm | null; boundMs: number }>(
      async ({ input, signal }) => {
        if (!input.term) return { settled: true };
        const { clock, drain } = input.effects;
        let timer: unknown;
        const bound = new Promise<boolean>((resolve) => {
          timer = clock.setTimeout(() => resolve(false), input.boundMs);
          signal.addEventListener('abort', () => resolve(true), { once: true });
        });
        const work = drain(input.term).then(
          () => true,
          () => true,
        );
        try {
          return { settled: await Promise.race([work, bound]) };
        } finally {
          clock.clearTimeout(timer);
        }
      },
    ),
  };
}
