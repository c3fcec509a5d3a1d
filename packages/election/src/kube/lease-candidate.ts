/**
 * Coordinated leader election as a candidate: publishes and renews a `LeaseCandidate`
 * (`coordination.k8s.io/v1beta1`, served by kube-apiserver 1.33+ when enabled) for the
 * elector's Lease, as client-go's `NewCandidate` does, so that kube-apiserver's coordinator
 * (feature gate `CoordinatedLeaderElection`) can pick among the candidates.
 *
 * @remarks
 * The candidate is named after the elector's identity: the coordinator writes the winning
 * candidate's `metadata.name` as the Lease's `holderIdentity`, and the elector takes a Lease
 * whose holder is its own identity as handed to it. Timing follows client-go: the candidate is
 * written when the elector starts (GET, then POST or PUT with `renewTime` now), again whenever
 * the coordinator pings it (`pingTime` after `renewTime`, seen on a watch of this one object),
 * and every 5 minutes, on the elector's injected clock. Best effort: nothing here is awaited by the election; errors are retried
 * with a capped backoff, a 403 is logged once with the RBAC rule to add. The candidate is not
 * deleted on stop (that needs the `delete` verb): one that stops answering pings is no longer
 * eligible, and the coordinator removes candidates 30 minutes after their last renewal.
 *
 * @module
 */
import {
  ApiException,
  CoordinationV1beta1Api,
  type KubeConfig,
  type V1beta1LeaseCandidate,
  V1MicroTime,
  Watch,
} from '@kubernetes/client-node';
import type { Observable, Subscription } from 'rxjs';
import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import { type Logger, toLogSink } from '../core/logger.js';
import type { ElectorEvent } from '../handle/elector-events.js';

/** The Role rule a candidate needs. */
export const LEASE_CANDIDATE_RBAC_RULE =
  '- apiGroups: ["coordination.k8s.io"]\n  resources: ["leasecandidates"]\n  verbs: ["get", "list", "watch", "create", "update"]';

/** How this process describes itself to the coordinator. */
export interface LeaseCandidateOptions {
  /** This binary's version: strict semver without a `v`, e.g. `"1.34.0"`. */
  readonly binaryVersion: string;
  /**
   * The version whose behaviour this binary emulates (≤ binaryVersion); the
   * `OldestEmulationVersion` strategy elects the lowest. @defaultValue `binaryVersion`
   */
  readonly emulationVersion?: string;
  /** The election strategy this candidate asks for. @defaultValue `"OldestEmulationVersion"` */
  readonly strategy?: string;
  /** Renewal period without pings. @defaultValue 5 minutes, as client-go */
  readonly renewIntervalMs?: number;
}

/** What publishing needs from an elector. */
export interface CandidateElector {
  readonly config: { readonly name: string; readonly namespace: string; readonly identity: string };
  readonly events$: Observable<ElectorEvent>;
}

/** First retry delay after a failed write; doubles with each failure up to the cap. */
export const CANDIDATE_RETRY_MIN_MS = 1_000;
/** Longest retry delay after failed writes. */
export const CANDIDATE_RETRY_MAX_MS = 30_000;
/** Renewal period without pings, as client-go. */
export const CANDIDATE_RENEW_INTERVAL_MS = 5 * 60_000;

/** Delay before the retry that follows the `failures`-th consecutive failed write. */
export function candidateRetryDelayMs(failures: number): number {
  return Math.min(CANDIDATE_RETRY_MAX_MS, CANDIDATE_RETRY_MIN_MS * 2 ** Math.max(0, failures - 1));
}

/** The LeaseCandidate this elector publishes, with `renewTime` = `now`. */
export function leaseCandidateFor(
  config: CandidateElector['config'],
  options: LeaseCandidateOptions,
  now: Date,
): V1beta1LeaseCandidate {
  return {
    apiVersion: 'coordination.k8s.io/v1beta1',
    kind: 'LeaseCandidate',
    metadata: { name: config.identity, namespace: config.namespace },
    spec: {
      leaseName: config.name,
      binaryVersion: options.binaryVersion,
      emulationVersion: options.emulationVersion ?? options.binaryVersion,
      strategy: options.strategy ?? 'OldestEmulationVersion',
      renewTime: new V1MicroTime(now.getTime()),
    },
  };
}

/** True when the coordinator asked for an acknowledgement that has not been given yet. */
export function isPinged(candidate: V1beta1LeaseCandidate | undefined): boolean {
  const ping = candidate?.spec?.pingTime;
  if (ping === undefined || ping === null) return false;
  const renew = candidate?.spec?.renewTime;
  return renew === undefined || renew === null || new Date(ping) > new Date(renew);
}

/**
 * Publishes the elector's LeaseCandidate from its first event until it stops (or the returned
 * function is called). `createLeaderElector` calls it when given `candidate`.
 */
export function publishLeaseCandidate(
  elector: CandidateElector,
  options: LeaseCandidateOptions & {
    readonly kubeConfig: KubeConfig;
    readonly logger?: Logger;
    /** The elector's clock: renewals and retries are timed on it. @defaultValue the system clock */
    readonly clock?: Clock;
  },
): () => void {
  const clock = options.clock ?? systemClock;
  const renewIntervalMs = options.renewIntervalMs ?? CANDIDATE_RENEW_INTERVAL_MS;
  const api = options.kubeConfig.makeApiClient(CoordinationV1beta1Api);
  const logger = toLogSink(options.logger);
  const { config } = elector;
  const name = config.identity;
  const namespace = config.namespace;
  let running = false;
  let done = false;
  let writing = false;
  let again = false;
  let failures = 0;
  let forbiddenLogged = false;
  let retryTimer: TimerHandle | undefined;
  let renewTimer: TimerHandle | undefined;
  let watchTimer: TimerHandle | undefined;
  const clear = (timer: TimerHandle | undefined) => {
    if (timer !== undefined) clock.clearTimeout(timer);
  };
  let watchAbort: AbortController | undefined;
  let subscription: Subscription | undefined;

  const onError = (error: unknown, what: string): void => {
    if (error instanceof ApiException && error.code === 403) {
      if (!forbiddenLogged) {
        forbiddenLogged = true;
        logger.warn(
          `cannot ${what} LeaseCandidate ${namespace}/${name} (403 Forbidden); add this rule to the elector's Role:\n${LEASE_CANDIDATE_RBAC_RULE}`,
        );
      }
      return;
    }
    logger.debug(`LeaseCandidate ${what} failed`, { error: String(error) });
  };

  /** GET, then POST or PUT (preconditioned on the read resourceVersion) with renewTime now. */
  const write = async (): Promise<void> => {
    const body = leaseCandidateFor(config, options, new Date(clock.wallNow()));
    let current: V1beta1LeaseCandidate | undefined;
    try {
      current = await api.readNamespacedLeaseCandidate({ name, namespace });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    }
    if (current === undefined) {
      await api.createNamespacedLeaseCandidate({ namespace, body });
      return;
    }
    const resourceVersion = current.metadata?.resourceVersion;
    await api.replaceNamespacedLeaseCandidate({
      name,
      namespace,
      // As client-go: the read object with this process's fields and renewTime; pingTime
      // stays, so the coordinator (and an operator) can see the ping was answered.
      body: {
        ...current,
        ...body,
        metadata: {
          ...current.metadata,
          ...body.metadata,
          ...(resourceVersion && { resourceVersion }),
        },
        spec: { ...current.spec, ...(body.spec as NonNullable<typeof body.spec>) },
      },
    });
  };

  /** Runs one write at a time; a request during a write runs once more after it. */
  const renew = (): void => {
    if (done) return;
    if (writing) {
      again = true;
      return;
    }
    writing = true;
    clear(retryTimer);
    retryTimer = undefined;
    write()
      .then(
        () => {
          failures = 0;
          logger.debug('LeaseCandidate renewed', { name, namespace });
        },
        (error: unknown) => {
          onError(error, 'write');
          failures++;
          if (!done) retryTimer = clock.setTimeout(renew, candidateRetryDelayMs(failures));
        },
      )
      .finally(() => {
        writing = false;
        if (again) {
          again = false;
          renew();
        }
      });
  };

  /** Watches this one candidate and renews when the coordinator pings it. */
  const watch = (): void => {
    if (done) return;
    const restart = (error: unknown): void => {
      if (error) onError(error, 'watch');
      if (!done)
        watchTimer = clock.setTimeout(
          watch,
          error ? CANDIDATE_RETRY_MAX_MS / 6 : CANDIDATE_RETRY_MIN_MS,
        );
    };
    new Watch(options.kubeConfig)
      .watch(
        `/apis/coordination.k8s.io/v1beta1/namespaces/${namespace}/leasecandidates`,
        { fieldSelector: `metadata.name=${name}` },
        (type, object: V1beta1LeaseCandidate) => {
          if ((type === 'ADDED' || type === 'MODIFIED') && isPinged(object)) renew();
        },
        restart,
      )
      .then((controller) => {
        if (done) controller.abort();
        else watchAbort = controller;
      }, restart);
  };

  /** The periodic renewal, re-armed each period (the clock has one-shot timers only). */
  const periodic = (): void => {
    if (done) return;
    renewTimer = clock.setTimeout(() => {
      renew();
      periodic();
    }, renewIntervalMs);
  };
  const begin = (): void => {
    running = true;
    renew();
    watch();
    periodic();
  };
  const end = (): void => {
    done = true;
    clear(retryTimer);
    clear(watchTimer);
    clear(renewTimer);
    watchAbort?.abort();
    subscription?.unsubscribe();
  };
  subscription = elector.events$.subscribe({
    next: (event) => {
      if (event.type === 'stopped') end();
      else if (!running && !done) begin();
    },
    complete: end,
  });
  return end;
}
