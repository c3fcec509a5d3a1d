/**
 * leasehold as a coordinated-election candidate (`candidate` option of createLeaderElector)
 * against kube-apiserver v1.34's own coordinator (`CoordinatedLeaderElection` gate and
 * `coordination.k8s.io/v1beta1` on, see global-setup.ts). Unlike coordinated.kube.test.ts,
 * nothing here plays the candidate's part: each elector publishes its LeaseCandidate and
 * answers the coordinator's pings itself, as the restricted user with the Role of
 * docs/rbac.md (Lease rules plus get/list/watch/create/update on leasecandidates).
 *
 * The coordinator's only built-in strategy, `OldestEmulationVersion`, elects the lowest
 * emulation version, then the lowest binary version: during an upgrade the old version leads
 * until every candidate emulates the new one.
 */
import { CoordinationV1Api, CoordinationV1beta1Api } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLeaderElector, type LeaderElector } from '../../../packages/election/src/index.js';
import { connectKubeApiserver, type KubeApiserverHandle } from '../src/apiserver.js';
import { electorRules } from '../src/rbac.js';

let kube: KubeApiserverHandle;
beforeAll(() => {
  kube = connectKubeApiserver(inject('kube'));
});

const NAME = 'candidates';
const TIMING = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 } as const;

let electors: LeaderElector[] = [];
afterEach(async () => {
  await Promise.all(electors.map((e) => e.stop()));
  electors = [];
});

async function until(predicate: () => boolean, what: string, ms = 60_000) {
  const started = performance.now();
  while (!predicate()) {
    if (performance.now() - started > ms) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Interval {
  identity: string;
  start: number;
  end: number;
}

describe('leasehold candidates elected by the coordinator', () => {
  it('publishes LeaseCandidates, answers pings, and the coordinator hands the Lease to the oldest version', async () => {
    const namespace = await kube.namespace({
      prefix: 'lc',
      rules: [
        ...electorRules(NAME),
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leasecandidates'],
          verbs: ['get', 'list', 'watch', 'create', 'update'],
        },
      ],
    });
    const intervals: Interval[] = [];
    const make = (identity: string, binaryVersion: string) => {
      const e = createLeaderElector({
        name: NAME,
        namespace,
        kubeConfig: kube.restrictedKubeConfig,
        identity,
        candidate: { binaryVersion },
        ...TIMING,
      });
      let open: Interval | null = null;
      e.state$.subscribe((state) => {
        const now = performance.now();
        if (state.role === 'leader' && open === null) {
          open = { identity, start: now, end: Number.POSITIVE_INFINITY };
          intervals.push(open);
        } else if (state.role !== 'leader' && open !== null) {
          open.end = now;
          open = null;
        }
      });
      electors.push(e);
      return e;
    };
    const started = performance.now();
    // 1. The newest binary leads first, before the others exist; then all three are candidates.
    const newest = make('v1-35', '1.35.0').start();
    await until(() => newest.isLeader, 'v1-35 leads');
    const middle = make('v1-34', '1.34.1').start();
    const oldest = make('v1-33', '1.33.2').start();

    const candidates = kube.adminKubeConfig.makeApiClient(CoordinationV1beta1Api);
    const listed = async () =>
      (await candidates.listNamespacedLeaseCandidate({ namespace })).items.map((c) => ({
        name: c.metadata?.name,
        spec: c.spec,
      }));
    await until(() => oldest.isLeader, 'the coordinator makes v1-33 the leader', 90_000);
    const handedOverMs = performance.now() - started;
    const leases = kube.adminKubeConfig.makeApiClient(CoordinationV1Api);
    const lease = await leases.readNamespacedLease({ name: NAME, namespace });
    expect(lease.spec?.holderIdentity).toBe('v1-33');
    expect(lease.spec?.strategy).toBe('OldestEmulationVersion');
    expect(newest.isLeader || middle.isLeader).toBe(false);

    const published = await listed();
    expect(published.map((c) => c.name).sort()).toEqual(['v1-33', 'v1-34', 'v1-35']);
    for (const c of published) {
      expect(c.spec).toMatchObject({
        leaseName: NAME,
        strategy: 'OldestEmulationVersion',
        binaryVersion: c.spec?.emulationVersion,
      });
      expect(c.spec?.renewTime).toBeDefined();
    }
    // 2. The candidates are now older than the coordinator's 5 s freshness window. A new,
    //    older candidate makes the coordinator elect again: it must ping the others and elect
    //    among those that answer within 5 s; v1-32 wins.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const joinedAt = performance.now();
    const older = make('v1-32', '1.32.0').start();
    await until(() => older.isLeader && !oldest.isLeader, 'v1-32 leads', 60_000);
    const secondMs = performance.now() - joinedAt;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(older.isLeader).toBe(true);
    const after = await leases.readNamespacedLease({ name: NAME, namespace });
    expect(after.spec?.holderIdentity).toBe('v1-32');
    const byName = new Map((await listed()).map((c) => [c.name, c.spec]));
    const ms = (t: Date | undefined) => (t === undefined ? Number.NaN : new Date(t).getTime());
    const pinged = ['v1-33', 'v1-34', 'v1-35'].filter((n) => byName.get(n)?.pingTime !== undefined);
    expect(pinged.length, 'the coordinator pinged the stale candidates').toBeGreaterThan(0);
    for (const name of pinged) {
      const spec = byName.get(name);
      expect(ms(spec?.renewTime), `${name} answered`).toBeGreaterThanOrEqual(ms(spec?.pingTime));
    }

    // No two ever led at once.
    const sorted = [...intervals].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      expect(
        sorted[i]!.start,
        `${sorted[i - 1]!.identity} then ${sorted[i]!.identity}`,
      ).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
    }
    console.log(
      `[kube] LeaseCandidate: v1-33 led ${Math.round(handedOverMs)} ms after v1-35 started; ` +
        `v1-32 led ${Math.round(secondMs)} ms after it started; terms ` +
        `${sorted.map((t) => t.identity).join(' ')}; pinged and answered: ${pinged.join(' ') || 'none'}`,
    );
  }, 150_000);
});
