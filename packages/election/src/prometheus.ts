/**
 * `@leasehold/election/prometheus`: election metrics on a prom-client registry.
 *
 * @remarks
 * `prom-client` is an optional peer dependency: only this entry imports it. The gauge
 * `leader_election_master_status{name}` is the one client-go components (kube-controller-manager,
 * kube-scheduler, controller-runtime managers) export, with the same HELP text, so existing
 * dashboards and alerts work unchanged; the `leasehold_` series add what client-go does not
 * measure. See docs/observability.md for the list.
 *
 * @example
 * ```ts
 * import { register } from 'prom-client';
 * import { instrumentElector } from '@leasehold/election/prometheus';
 * const elector = createLeaderElector({ name: 'my-controller' });
 * instrumentElector(elector, { registry: register });
 * elector.start();
 * ```
 *
 * @module
 */
import { Counter, Gauge, Histogram, type Registry, register } from 'prom-client';
import {
  MARGIN_BUCKETS,
  METRICS,
  type MetricSink,
  type ObservableElector,
  ROUND_TRIP_BUCKETS,
  recordElector,
} from './metrics/election-metrics.js';

export { METRICS, type ObservableElector } from './metrics/election-metrics.js';

/** Options of {@link instrumentElector}. */
export interface PrometheusOptions {
  /** Where the metrics are registered. @defaultValue prom-client's global `register` */
  readonly registry?: Registry;
}

const LEASE = ['name', 'namespace'] as const;

/** The metric of `name` in `registry`, created on first use (a name registers only once). */
function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** prom-client's instruments for one registry. */
function instrumentsFor(registry: Registry) {
  const registers = [registry];
  const counter = (spec: { name: string; help: string }, extra: string[] = []) =>
    metric(
      registry,
      `${spec.name}_total`,
      () =>
        new Counter({
          name: `${spec.name}_total`,
          help: spec.help,
          labelNames: [...LEASE, ...extra],
          registers,
        }),
    );
  const histogram = (spec: { name: string; help: string }, buckets: number[]) =>
    metric(
      registry,
      spec.name,
      () =>
        new Histogram({ name: spec.name, help: spec.help, labelNames: LEASE, buckets, registers }),
    );
  return {
    master: metric(
      registry,
      METRICS.masterStatus.name,
      () =>
        new Gauge({
          name: METRICS.masterStatus.name,
          help: METRICS.masterStatus.help,
          labelNames: ['name'],
          registers,
        }),
    ),
    termsStarted: counter(METRICS.termsStarted),
    termsEnded: counter(METRICS.termsEnded, ['reason']),
    acquisitions: counter(METRICS.acquisitions, ['outcome', 'kind']),
    renewals: counter(METRICS.renewals, ['outcome', 'kind']),
    releases: counter(METRICS.releases, ['outcome', 'kind']),
    roundTrip: histogram(METRICS.roundTrip, ROUND_TRIP_BUCKETS),
    deadlineMargin: histogram(METRICS.deadlineMargin, MARGIN_BUCKETS),
    leaderChanges: counter(METRICS.leaderChanges),
    watchReconnects: counter(METRICS.watchReconnects),
    watchErrors: counter(METRICS.watchErrors, ['kind']),
  };
}

/**
 * Records an elector's metrics on a prom-client registry until the elector stops (or the
 * returned function is called). Call it before `start()`.
 *
 * One elector per Lease per registry: `leader_election_master_status` is labelled by Lease
 * name only, as in client-go, so two electors of one Lease in one process share the gauge.
 */
export function instrumentElector(
  elector: ObservableElector,
  options: PrometheusOptions = {},
): () => void {
  const m = instrumentsFor(options.registry ?? register);
  const { name, namespace } = elector.config;
  const lease = { name, namespace };
  const sink: MetricSink = {
    leading: (on) => m.master.set({ name }, on ? 1 : 0),
    termStarted: () => m.termsStarted.inc(lease),
    termEnded: (reason) => m.termsEnded.inc({ ...lease, reason }),
    acquisition: (outcome, kind) => m.acquisitions.inc({ ...lease, outcome, kind }),
    renewal: (outcome, kind) => m.renewals.inc({ ...lease, outcome, kind }),
    release: (outcome, kind) => m.releases.inc({ ...lease, outcome, kind }),
    renewalRoundTrip: (seconds) => m.roundTrip.observe(lease, seconds),
    deadlineMargin: (seconds) => m.deadlineMargin.observe(lease, seconds),
    leaderChanged: () => m.leaderChanges.inc(lease),
    watchReconnected: () => m.watchReconnects.inc(lease),
    watchFailed: (kind) => m.watchErrors.inc({ ...lease, kind }),
  };
  // Counters show 0 from the first scrape, so rate() and increase() see their first step.
  m.termsStarted.inc(lease, 0);
  m.leaderChanges.inc(lease, 0);
  m.watchReconnects.inc(lease, 0);
  return recordElector(elector, sink);
}
