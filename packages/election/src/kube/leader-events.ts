/**
 * Kubernetes Events on leadership transitions, as client-go's elector records them:
 * "<identity> became leader" when a term starts and "<identity> stopped leading" when it ends,
 * type `Normal`, reason `LeaderElection`, regarding the Lease (core v1 Events, which
 * `kubectl events --for lease/NAME` and `kubectl describe lease NAME` show).
 *
 * @remarks
 * Best effort by design: a post is fire-and-forget (never awaited by the election), failures
 * are logged and dropped, and at most `maxPerMinute` Events are sent (a flapping elector must
 * not flood the API server). A 403 is logged once, with the RBAC rule to add.
 *
 * @module
 */
import { hostname } from 'node:os';
import {
  ApiException,
  CoreV1Api,
  type CoreV1Event,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { Observable } from 'rxjs';
import { type Clock, systemClock } from '../core/clock.js';
import { type Logger, toLogSink } from '../core/logger.js';
import type { ElectorEvent } from '../handle/elector-events.js';

/** The Role rule that lets an elector record its Events. */
export const EVENTS_RBAC_RULE =
  '- apiGroups: [""]\n  resources: ["events"]\n  verbs: ["create", "patch"]';

/** What the recorder needs from an elector. */
export interface EventingElector {
  readonly config: { readonly name: string; readonly namespace: string; readonly identity: string };
  readonly events$: Observable<ElectorEvent>;
}

/** Options of {@link recordLeaderEvents}. */
export interface LeaderEventsOptions {
  readonly kubeConfig: KubeConfig;
  /** `source.component` and `reportingComponent`. @defaultValue `"leasehold"` */
  readonly component?: string;
  /** At most this many Events in any minute; extra ones are dropped. @defaultValue 12 */
  readonly maxPerMinute?: number;
  readonly logger?: Logger;
  /** For the rate limit. @defaultValue the system clock */
  readonly clock?: Clock;
}

/** The core v1 Event for one transition. */
export function leaderEvent(
  config: EventingElector['config'],
  action: 'became leader' | 'stopped leading',
  component: string,
  now: Date,
): CoreV1Event {
  return {
    metadata: {
      // As client-go's recorder: the object's name and the time in hex nanoseconds.
      name: `${config.name}.${(BigInt(now.getTime()) * 1_000_000n).toString(16)}`,
      namespace: config.namespace,
    },
    involvedObject: {
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      name: config.name,
      namespace: config.namespace,
    },
    reason: 'LeaderElection',
    message: `${config.identity} ${action}`,
    type: 'Normal',
    source: { component, host: hostname() },
    reportingComponent: component,
    reportingInstance: hostname().slice(0, 128),
    count: 1,
    firstTimestamp: now,
    lastTimestamp: now,
  };
}

/**
 * Posts an Event for each term this elector starts and ends, until it stops or the returned
 * function is called. `createLeaderElector` calls it unless `leaderEvents: false`.
 */
export function recordLeaderEvents(
  elector: EventingElector,
  options: LeaderEventsOptions,
): () => void {
  const api = options.kubeConfig.makeApiClient(CoreV1Api);
  const logger = toLogSink(options.logger);
  const clock = options.clock ?? systemClock;
  const component = options.component ?? 'leasehold';
  const limit = options.maxPerMinute ?? 12;
  const { config } = elector;
  const sent: number[] = [];
  let forbiddenLogged = false;

  const post = (action: 'became leader' | 'stopped leading') => {
    const now = clock.now();
    while (sent.length > 0 && now - (sent[0] ?? 0) >= 60_000) sent.shift();
    if (sent.length >= limit) {
      logger.debug('leader election event dropped by the rate limit', { action });
      return;
    }
    sent.push(now);
    const body = leaderEvent(config, action, component, new Date(clock.wallNow()));
    api.createNamespacedEvent({ namespace: config.namespace, body }).catch((error: unknown) => {
      if (error instanceof ApiException && error.code === 403) {
        if (forbiddenLogged) return;
        forbiddenLogged = true;
        logger.warn(
          `cannot record leader election Events (403 Forbidden); add this rule to the elector's Role in namespace ${config.namespace}:\n${EVENTS_RBAC_RULE}`,
        );
        return;
      }
      logger.debug('recording a leader election event failed', { error: String(error) });
    });
  };

  const subscription = elector.events$.subscribe((event) => {
    if (event.type === 'term.started') post('became leader');
    else if (event.type === 'term.ended') post('stopped leading');
  });
  return () => subscription.unsubscribe();
}
