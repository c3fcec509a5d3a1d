/**
 * Many electors over one shared watch, end to end: two groups (two "processes") compete for
 * the same Leases on the embedded API server through the real client-node. Checks election
 * correctness (never two leaders of a Lease at once, every Lease led), one watch per group,
 * a 410 resync and a dropped watch, and a takeover learned through the shared watch.
 */
import { startLeaseServer } from '@leasehold/testing';
import { afterEach, expect, it, vi } from 'vitest';
import type { LeaderElector } from './leader-elector.js';
import { createLeaseElection, type LeaseElection } from './lease-election-group.js';

const M = 12;
const eventually = (assertion: () => void, options: { timeoutMs?: number } = {}) =>
  vi.waitFor(assertion, { timeout: options.timeoutMs ?? 10_000, interval: 10 });
const TIMING = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 };

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

it('elects exactly one leader per Lease across two groups, through a 410 resync, a dropped watch and a takeover', async () => {
  const server = await startLeaseServer();
  const groups: LeaseElection[] = ['a', 'b'].map(() =>
    createLeaseElection({
      kubeConfig: server.kubeConfig,
      namespace: 'default',
      labels: { app: 'shards' },
    }),
  );
  const electors: LeaderElector[][] = groups.map((group, g) =>
    Array.from({ length: M }, (_, i) =>
      group.elector(`shard-${i}`, {
        ...TIMING,
        identity: `${'ab'[g]}-${i}`,
        keepProcessAlive: false,
      }),
    ),
  );
  cleanup = async () => {
    await Promise.all(electors.flat().map((e) => e.stop()));
    for (const group of groups) group.close();
    await server.close();
  };
  // Never two leaders of one Lease at the same moment, as seen in this process.
  const leaders = Array.from({ length: M }, () => new Set<string>());
  const violations: string[] = [];
  electors.forEach((row, g) => {
    row.forEach((elector, i) => {
      elector.isLeader$.subscribe((is) => {
        const set = leaders[i] as Set<string>;
        if (is) {
          set.add('ab'[g] as string);
          if (set.size > 1) violations.push(`shard-${i}: ${[...set].join(' and ')}`);
        } else set.delete('ab'[g] as string);
      });
      elector.start();
    });
  });
  const everyLeaseLed = async () =>
    eventually(
      () => {
        for (let i = 0; i < M; i++) expect(leaders[i]?.size, `shard-${i}`).toBe(1);
      },
      { timeoutMs: 20_000 },
    );
  await everyLeaseLed();
  // One list and one watch per group, however many Leases.
  expect(server.stats.openWatches).toBe(2);
  for (const group of groups) expect(group.stats.watch.lists).toBe(1);
  expect(server.stats.verbs.list).toBe(2);

  // The holder the server records is the elector that believes it leads.
  const led = new Map<string, string>();
  for (let i = 0; i < M; i++) led.set(`shard-${i}`, `${[...(leaders[i] as Set<string>)][0]}-${i}`);
  for (const [name, holder] of led) {
    expect(server.store.get('default', name)?.spec?.holderIdentity).toBe(holder);
  }

  // A 410 on both shared watches: each group lists once again, for all its electors.
  server.faults.forceGone({ count: 2 });
  server.faults.dropWatches();
  await eventually(() => {
    for (const group of groups) expect(group.stats.watch.resyncs).toBe(1);
    expect(server.stats.verbs.list).toBe(4);
  });
  // A dropped connection: the shared watch resumes from its version, no list.
  server.faults.dropWatches({ mode: 'reset' });
  await eventually(() => expect(server.stats.openWatches).toBe(2));
  await everyLeaseLed();

  // Group a stops: its Leases are released, and group b takes each one over, having seen the
  // release on its shared watch.
  await Promise.all((electors[0] as LeaderElector[]).map((e) => e.stop()));
  await eventually(
    () => {
      for (let i = 0; i < M; i++) expect([...(leaders[i] as Set<string>)]).toEqual(['b']);
    },
    { timeoutMs: 20_000 },
  );
  expect(violations).toEqual([]);
  expect(server.stats.verbs.list).toBe(4);
}, 60_000);
