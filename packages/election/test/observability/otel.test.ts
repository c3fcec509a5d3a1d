import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentElector } from '../../src/otel.js';
import { createFleet, type Fleet, NAME, NAMESPACE } from './fleet.js';

let fleets: Fleet[] = [];
afterEach(async () => {
  for (const f of fleets) await f.stopAll();
  fleets = [];
});

/** A reader collected on demand. */
class PullReader extends MetricReader {
  protected override async onForceFlush() {}
  protected override async onShutdown() {}
}

/** Every data point of `name`, from one collection. */
function points(collected: ResourceMetrics, name: string) {
  return collected.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) => metric.dataPoints as { attributes: object; value: unknown }[]);
}

function otelFor(elector: Fleet['electors'][number]) {
  const reader = new PullReader({
    aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
  instrumentElector(elector, { meterProvider, tracerProvider });
  return {
    spans,
    collect: async () => (await reader.collect()).resourceMetrics,
  };
}

describe('@leasehold/election/otel', () => {
  it('records the same instruments: gauge, terms and leader changes across a failover', async () => {
    const f = createFleet(2);
    fleets.push(f);
    const [a, b] = f.electors.map(otelFor) as [
      ReturnType<typeof otelFor>,
      ReturnType<typeof otelFor>,
    ];
    f.electors[0]!.start();
    await f.settle();
    f.electors[1]!.start();
    await f.settle();
    expect(points(await a.collect(), 'leader_election_master_status')).toMatchObject([
      { attributes: { name: NAME }, value: 1 },
    ]);
    expect(points(await b.collect(), 'leader_election_master_status')).toMatchObject([
      { attributes: { name: NAME }, value: 0 },
    ]);
    await f.electors[0]!.stop();
    await f.settle();
    expect(points(await a.collect(), 'leasehold_terms_ended')).toMatchObject([
      { attributes: { name: NAME, namespace: NAMESPACE, reason: 'stop' }, value: 1 },
    ]);
    const bMetrics = await b.collect();
    expect(points(bMetrics, 'leasehold_terms_started')).toMatchObject([{ value: 1 }]);
    expect(points(bMetrics, 'leasehold_leader_changes')).toMatchObject([{ value: 1 }]);
    expect(points(bMetrics, 'leader_election_master_status')).toMatchObject([{ value: 1 }]);
  });

  it('makes a span of each acquire, renew and release, failures marked with their kind', async () => {
    const f = createFleet(1);
    fleets.push(f);
    const { spans, collect } = otelFor(f.electors[0]!);
    f.electors[0]!.start();
    await f.settle();
    f.store.failNext('unavailable', { method: 'replace' });
    await f.advance(2_000);
    await f.advance(2_000);
    await f.electors[0]!.stop();
    await f.settle();
    const finished = spans.getFinishedSpans().map((s) => ({
      name: s.name,
      outcome: s.attributes['leasehold.outcome'],
      kind: s.attributes['leasehold.error.kind'],
      status: s.status.code,
    }));
    expect(finished).toEqual([
      { name: 'leasehold.acquire', outcome: 'success', kind: undefined, status: 0 },
      { name: 'leasehold.renew', outcome: 'error', kind: 'unavailable', status: 2 },
      { name: 'leasehold.renew', outcome: 'success', kind: undefined, status: 0 },
      { name: 'leasehold.release', outcome: 'success', kind: undefined, status: 0 },
    ]);
    const histogram = points(await collect(), 'leasehold_renewal_round_trip_seconds');
    expect(histogram).toMatchObject([{ value: { count: 1 } }]);
  });

  it('is a no-op without an SDK', async () => {
    const f = createFleet(1);
    fleets.push(f);
    instrumentElector(f.electors[0]!);
    f.electors[0]!.start();
    await f.advance(5_000);
    expect(f.electors[0]!.isLeader).toBe(true);
  });
});
