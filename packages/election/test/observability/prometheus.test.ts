import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentElector } from '../../src/prometheus.js';
import { createFleet, type Fleet, NAME, NAMESPACE } from './fleet.js';

let fleets: Fleet[] = [];
afterEach(async () => {
  for (const f of fleets) await f.stopAll();
  fleets = [];
});

/** The value of one series, 0 when it does not exist yet. */
async function value(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const found = values.find((v) =>
    Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
  );
  return found?.value ?? 0;
}

const lease = { name: NAME, namespace: NAMESPACE };

/** Two electors, each with its own registry, as two processes would have. */
async function twoProcesses() {
  const f = createFleet(2, {}, { latency: { requestMs: 3, responseMs: 2 } });
  fleets.push(f);
  const registries = f.electors.map((elector) => {
    const registry = new Registry();
    instrumentElector(elector, { registry });
    return registry;
  }) as [Registry, Registry];
  f.electors[0]!.start();
  await f.advance(100);
  f.electors[1]!.start();
  await f.advance(100);
  return { f, registries };
}

describe('@leasehold/election/prometheus', () => {
  it('shows the client-go gauge 1 on the leader and 0 on the follower', async () => {
    const { registries } = await twoProcesses();
    expect(await value(registries[0], 'leader_election_master_status', { name: NAME })).toBe(1);
    expect(await value(registries[1], 'leader_election_master_status', { name: NAME })).toBe(0);
    const text = await registries[0].metrics();
    expect(text).toContain(
      "# HELP leader_election_master_status Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
    );
    expect(text).toContain('leader_election_master_status{name="lease"} 1');
    // Bounded labels: the identity appears nowhere.
    expect(text).not.toContain('candidate-0');
  });

  it('moves the transition counters by one on a failover, and the gauges swap', async () => {
    const { f, registries } = await twoProcesses();
    const [a, b] = registries;
    const before = {
      aEnded: await value(a, 'leasehold_terms_ended_total', { ...lease, reason: 'stop' }),
      bStarted: await value(b, 'leasehold_terms_started_total', lease),
      bChanges: await value(b, 'leasehold_leader_changes_total', lease),
      bAcquired: await value(b, 'leasehold_acquisitions_total', { ...lease, outcome: 'success' }),
    };
    expect(before).toEqual({ aEnded: 0, bStarted: 0, bChanges: 0, bAcquired: 0 });
    const stopping = f.electors[0]!.stop();
    await f.advance(100); // the store answers after 5 ms of the manual clock
    await stopping;
    expect(await value(a, 'leasehold_terms_ended_total', { ...lease, reason: 'stop' })).toBe(1);
    expect(await value(a, 'leasehold_releases_total', { ...lease, outcome: 'success' })).toBe(1);
    expect(await value(b, 'leasehold_terms_started_total', lease)).toBe(1);
    expect(await value(b, 'leasehold_leader_changes_total', lease)).toBe(1);
    expect(await value(b, 'leasehold_acquisitions_total', { ...lease, outcome: 'success' })).toBe(
      1,
    );
    expect(await value(a, 'leader_election_master_status', { name: NAME })).toBe(0);
    expect(await value(b, 'leader_election_master_status', { name: NAME })).toBe(1);
  });

  it('counts a drain that outlasted its bound as a release not sent (kind drain-timeout)', async () => {
    const f = createFleet(1, { drainTimeoutMs: 1_000 });
    fleets.push(f);
    const registry = new Registry();
    const elector = f.electors[0]!;
    instrumentElector(elector, { registry });
    elector.runWhileLeader(() => new Promise(() => {})); // work that ignores its signal
    elector.start();
    await f.advance(100);
    expect(elector.isLeader).toBe(true);
    elector.stepDown();
    await f.advance(1_100);
    const releases = (outcome: string, kind?: string) =>
      value(registry, 'leasehold_releases_total', {
        ...lease,
        outcome,
        ...(kind === undefined ? {} : { kind }),
      });
    expect(await releases('error', 'drain-timeout')).toBe(1);
    expect(await releases('success')).toBe(0);
    expect(
      await value(registry, 'leasehold_terms_ended_total', { ...lease, reason: 'step-down' }),
    ).toBe(1);
  });

  it('records renewal round trips, deadline margins and failures by kind', async () => {
    const { f, registries } = await twoProcesses();
    const [a] = registries;
    await f.advance(10_000); // five renewals
    f.store.failNext('unavailable', { method: 'replace' });
    await f.advance(2_000);
    const roundTrip = await a.getSingleMetric('leasehold_renewal_round_trip_seconds')!.get();
    const series = (suffix: string) =>
      roundTrip.values.find((v) => (v as { metricName?: string }).metricName?.endsWith(suffix))
        ?.value;
    const count = series('_count');
    const sum = series('_sum');
    expect(count).toBeGreaterThanOrEqual(5);
    expect(sum! / count!).toBeCloseTo(0.005, 6); // 3 ms there + 2 ms back
    expect(
      await value(a, 'leasehold_renewals_total', {
        ...lease,
        outcome: 'error',
        kind: 'unavailable',
      }),
    ).toBe(1);
    const margin = await a.getSingleMetric('leasehold_renewal_deadline_margin_seconds')!.get();
    // Every renewal so far came back with about 8 s of its term left: all in the le=8 bucket.
    const le8 = margin.values.find((v) => v.labels.le === 8)?.value;
    const le7 = margin.values.find((v) => v.labels.le === 7)?.value;
    expect(le7).toBe(0);
    expect(le8).toBe(count);
  });

  it('can share one registry between instrumentations and counts watch reconnects', async () => {
    const f = createFleet(1);
    fleets.push(f);
    const registry = new Registry();
    instrumentElector(f.electors[0]!, { registry });
    instrumentElector({ ...f.electors[0]!, config: { name: 'other', namespace: 'ns' } } as never, {
      registry,
    });
    f.electors[0]!.start();
    await f.settle();
    f.store.dropWatches('gone');
    await f.settle();
    expect(await value(registry, 'leasehold_watch_reconnects_total', lease)).toBe(1);
    f.store.dropWatches('forbidden');
    await f.settle();
    expect(
      await value(registry, 'leasehold_watch_errors_total', { ...lease, kind: 'forbidden' }),
    ).toBe(1);
  });
});
