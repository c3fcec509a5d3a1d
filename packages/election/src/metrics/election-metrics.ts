/**
 * The metrics every backend records, and the one mapping from {@link ElectorEvent}s to them.
 *
 * @remarks
 * Labels are bounded on purpose: the Lease's name and namespace, and a reason or error kind
 * from a closed set. Never the identity, which changes with every restart and would make a
 * new series per pod incarnation.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import type { ElectorEvent } from '../handle/elector-events.js';

/** What a metrics backend needs from an elector. */
export interface ObservableElector {
  readonly config: { readonly name: string; readonly namespace: string };
  readonly events$: Observable<ElectorEvent>;
  readonly isLeader: boolean;
}

/**
 * Outcome label of an attempt: `success`, `error`, and for acquisitions only `lost_race` or
 * `unconfirmed` (a create the watch did not confirm; see `acquire.unconfirmed`).
 */
export type AttemptOutcome = 'success' | 'lost_race' | 'unconfirmed' | 'error';

/** One backend's instruments, already bound to a Lease's name and namespace. */
export interface MetricSink {
  /** `leader_election_master_status`: 1 while leading, else 0. */
  leading(on: boolean): void;
  termStarted(): void;
  termEnded(reason: string): void;
  acquisition(outcome: AttemptOutcome, kind: string): void;
  renewal(outcome: 'success' | 'error', kind: string): void;
  release(outcome: 'success' | 'error', kind: string): void;
  renewalRoundTrip(seconds: number): void;
  deadlineMargin(seconds: number): void;
  leaderChanged(): void;
  watchReconnected(): void;
  watchFailed(kind: string): void;
}

/** Metric names and their meaning, shared by the Prometheus and OpenTelemetry backends. */
export const METRICS = {
  masterStatus: {
    name: 'leader_election_master_status',
    help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
  },
  termsStarted: {
    name: 'leasehold_terms_started',
    help: 'Terms of leadership this process started.',
  },
  termsEnded: {
    name: 'leasehold_terms_ended',
    help: 'Terms of leadership this process ended, by reason (deadline, lost, preferred-holder, step-down, stop).',
  },
  acquisitions: {
    name: 'leasehold_acquisitions',
    help: 'Writes sent to take the Lease, by outcome (success, lost_race, unconfirmed, error) and error kind.',
  },
  renewals: {
    name: 'leasehold_renewals',
    help: 'Renewal rounds of the leader, by outcome (success, error) and error kind (timeout: no answer in time).',
  },
  releases: {
    name: 'leasehold_releases',
    help: 'Releases after a term, by outcome (success, error) and kind (not-held: a successor already held it; drain-timeout: the work did not settle, so none was sent and the Lease runs out).',
  },
  roundTrip: {
    name: 'leasehold_renewal_round_trip_seconds',
    help: 'Time from sending a successful renewal to its answer.',
  },
  deadlineMargin: {
    name: 'leasehold_renewal_deadline_margin_seconds',
    help: "Time that was left to the term's local deadline when a renewal succeeded; near 0 means the term was nearly lost.",
  },
  leaderChanges: {
    name: 'leasehold_leader_changes',
    help: 'Times this process observed a holder take the Lease (the first observation is not counted).',
  },
  watchReconnects: {
    name: 'leasehold_watch_reconnects',
    help: 'Times the Lease watch had to list the Lease again after its first list.',
  },
  watchErrors: {
    name: 'leasehold_watch_errors',
    help: 'Failed lists and watches of the Lease, by error kind.',
  },
} as const;

/** Histogram buckets for round trips, in seconds. */
export const ROUND_TRIP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Histogram buckets for the deadline margin, in seconds (the default renew deadline is 10 s). */
export const MARGIN_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 30];

/** Records one event on `sink`. */
export function recordEvent(sink: MetricSink, event: ElectorEvent): void {
  switch (event.type) {
    case 'acquire.succeeded':
      sink.acquisition('success', '');
      break;
    case 'acquire.lost-race':
      sink.acquisition('lost_race', '');
      break;
    case 'acquire.unconfirmed':
      sink.acquisition('unconfirmed', '');
      break;
    case 'acquire.failed':
      sink.acquisition('error', event.kind);
      break;
    case 'renew.succeeded':
      sink.renewal('success', '');
      sink.renewalRoundTrip(event.roundTripMs / 1000);
      sink.deadlineMargin(Math.max(0, event.deadlineMarginMs) / 1000);
      break;
    case 'renew.failed':
      sink.renewal('error', event.kind);
      break;
    case 'term.started':
      sink.termStarted();
      sink.leading(true);
      break;
    case 'term.ended':
      sink.leading(false);
      sink.termEnded(event.reason);
      break;
    case 'release.confirmed':
      sink.release('success', '');
      break;
    case 'release.failed':
      sink.release('error', event.kind);
      break;
    case 'drain.timed-out':
      // No release is sent: counted as a failed one, with the reason as its kind.
      sink.release('error', 'drain-timeout');
      break;
    case 'leader.changed':
      if (!event.initial && event.holder !== null) sink.leaderChanged();
      break;
    case 'watch.synced':
      if (event.reconnect) sink.watchReconnected();
      break;
    case 'watch.failed':
      sink.watchFailed(event.kind);
      break;
    case 'stopped':
      sink.leading(false);
      break;
    default:
      break;
  }
}

/**
 * Feeds an elector's events to `sink` until it stops or the returned function is called.
 * Call before `start()` to see the first acquisition; the gauge starts from `isLeader`.
 */
export function recordElector(elector: ObservableElector, sink: MetricSink): () => void {
  sink.leading(elector.isLeader);
  const subscription = elector.events$.subscribe((event) => recordEvent(sink, event));
  return () => subscription.unsubscribe();
}
