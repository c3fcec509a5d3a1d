/**
 * `@leasehold/election/otel`: election metrics and spans through the OpenTelemetry API.
 *
 * @remarks
 * `@opentelemetry/api` is an optional peer dependency: only this entry imports it. The
 * instruments are the Prometheus entry's (same names, attributes and meaning; an OTel
 * Prometheus exporter adds `_total` to counters), and each write the elector sends becomes a
 * span: `leasehold.acquire`, `leasehold.renew`, `leasehold.release`, ended with the outcome
 * (status ERROR and `leasehold.error.kind` on failure). Without a registered SDK every call
 * is a no-op.
 *
 * @module
 */
import {
  type Attributes,
  type MeterProvider,
  metrics,
  type Span,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { ElectorEvent } from './handle/elector-events.js';
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
export interface OpenTelemetryOptions {
  /** @defaultValue the global provider (`metrics.getMeterProvider()`) */
  readonly meterProvider?: MeterProvider;
  /** @defaultValue the global provider (`trace.getTracerProvider()`) */
  readonly tracerProvider?: TracerProvider;
}

const SCOPE = '@leasehold/election';

/** The metric sink of one Lease on a meter. */
function meterSink(
  provider: MeterProvider,
  lease: { name: string; namespace: string },
): MetricSink {
  const meter = provider.getMeter(SCOPE);
  const counter = (spec: { name: string; help: string }) =>
    meter.createCounter(spec.name, { description: spec.help });
  const histogram = (spec: { name: string; help: string }, buckets: number[]) =>
    meter.createHistogram(spec.name, {
      description: spec.help,
      unit: 's',
      advice: { explicitBucketBoundaries: buckets },
    });
  const master = meter.createGauge(METRICS.masterStatus.name, {
    description: METRICS.masterStatus.help,
  });
  const termsStarted = counter(METRICS.termsStarted);
  const termsEnded = counter(METRICS.termsEnded);
  const acquisitions = counter(METRICS.acquisitions);
  const renewals = counter(METRICS.renewals);
  const releases = counter(METRICS.releases);
  const roundTrip = histogram(METRICS.roundTrip, ROUND_TRIP_BUCKETS);
  const margin = histogram(METRICS.deadlineMargin, MARGIN_BUCKETS);
  const leaderChanges = counter(METRICS.leaderChanges);
  const watchReconnects = counter(METRICS.watchReconnects);
  const watchErrors = counter(METRICS.watchErrors);
  const at = (extra: Attributes = {}): Attributes => ({ ...lease, ...extra });
  return {
    leading: (on) => master.record(on ? 1 : 0, { name: lease.name }),
    termStarted: () => termsStarted.add(1, at()),
    termEnded: (reason) => termsEnded.add(1, at({ reason })),
    acquisition: (outcome, kind) => acquisitions.add(1, at({ outcome, kind })),
    renewal: (outcome, kind) => renewals.add(1, at({ outcome, kind })),
    release: (outcome, kind) => releases.add(1, at({ outcome, kind })),
    renewalRoundTrip: (seconds) => roundTrip.record(seconds, at()),
    deadlineMargin: (seconds) => margin.record(seconds, at()),
    leaderChanged: () => leaderChanges.add(1, at()),
    watchReconnected: () => watchReconnects.add(1, at()),
    watchFailed: (kind) => watchErrors.add(1, at({ kind })),
  };
}

type Operation = 'acquire' | 'renew' | 'release';

/** Opens and closes one span per write, from the events. */
function spanRecorder(provider: TracerProvider, lease: { name: string; namespace: string }) {
  const tracer = provider.getTracer(SCOPE);
  const open = new Map<Operation, Span>();
  const attributes = {
    'leasehold.lease.name': lease.name,
    'leasehold.lease.namespace': lease.namespace,
  };
  const start = (operation: Operation) => {
    open.get(operation)?.end();
    open.set(operation, tracer.startSpan(`leasehold.${operation}`, { attributes }));
  };
  const end = (operation: Operation, outcome: string, kind?: string, error?: unknown) => {
    const span = open.get(operation);
    if (!span) return;
    open.delete(operation);
    span.setAttribute('leasehold.outcome', outcome);
    if (kind !== undefined) {
      span.setAttribute('leasehold.error.kind', kind);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : kind,
      });
    }
    span.end();
  };
  return (event: ElectorEvent): void => {
    switch (event.type) {
      case 'acquire.attempted':
        start('acquire');
        break;
      case 'acquire.succeeded':
        open.get('acquire')?.setAttribute('leasehold.fencing_token', event.fencingToken);
        end('acquire', 'success');
        break;
      case 'acquire.lost-race':
        end('acquire', 'lost_race');
        break;
      case 'acquire.unconfirmed':
        end('acquire', 'unconfirmed');
        break;
      case 'acquire.failed':
        end('acquire', 'error', event.kind, event.error);
        break;
      case 'renew.attempted':
        start('renew');
        break;
      case 'renew.succeeded':
        end('renew', 'success');
        break;
      case 'renew.failed':
        end('renew', 'error', event.kind, event.error);
        break;
      case 'term.ended':
        end('renew', 'term_ended');
        break;
      case 'release.sent':
        start('release');
        break;
      case 'release.confirmed':
        end('release', 'success');
        break;
      case 'release.failed':
        end('release', 'error', event.kind, event.error);
        break;
      case 'stopped':
        for (const operation of [...open.keys()]) end(operation, 'stopped');
        break;
      default:
        break;
    }
  };
}

/**
 * Records an elector's metrics and spans through OpenTelemetry until it stops (or the returned
 * function is called). Call it before `start()`.
 */
export function instrumentElector(
  elector: ObservableElector,
  options: OpenTelemetryOptions = {},
): () => void {
  const lease = { name: elector.config.name, namespace: elector.config.namespace };
  const stopMetrics = recordElector(
    elector,
    meterSink(options.meterProvider ?? metrics.getMeterProvider(), lease),
  );
  const onEvent = spanRecorder(options.tracerProvider ?? trace.getTracerProvider(), lease);
  const subscription = elector.events$.subscribe(onEvent);
  return () => {
    stopMetrics();
    subscription.unsubscribe();
  };
}
