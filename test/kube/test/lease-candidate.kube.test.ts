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
 *
 * The second case is a mixed fleet: client-go's own candidate (goelector --candidate:
 * `leaderelection.NewCandidate` and a `Coordinated: true` elector, as kube-controller-manager
 * runs them) competes with leasehold candidates, and the coordinator picks by the same
 * strategy whichever library a candidate uses.
 */
import {
  CoordinationV1Api,
  CoordinationV1beta1Api,
  type V1beta1LeaseCandidate,
} from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLeaderElector, type LeaderElector } from '../../../packages/election/src/index.js';
import { connectKubeApiserver, type KubeApiserverHandle } from '../src/apiserver.js';
import { type GoElector, startGoElector } from '../src/electors.js';
import { electorRules } from '../src/rbac.js';

let kube: KubeApiserverHandle;
beforeAll(() => {
  kube = connectKubeApiserver(inject('kube'));
});

const NAME = 'candidates';
const TIMING = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 } as const;

let electors: LeaderElector[] = [];
let goElectors: GoElector[] = [];
afterEach(async () => {
  await Promise.all([...electors.map((e) => e.stop()), ...goElectors.map((g) => g.stop())]);
  electors = [];
  goElectors = [];
});

const CANDIDATE_RULE = {
  apiGroups: ['coordination.k8s.io'],
  resources: ['leasecandidates'],
  verbs: ['get', 'list', 'watch', 'create', 'update'],
};

async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 60_000) {
  const started = performance.now();
  while (!(await predicate())) {
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

  it('a mixed fleet: the coordinator elects a client-go candidate over leasehold ones, then a leasehold one over it', async () => {
    const name = 'mixed';
    const namespace = await kube.namespace({
      prefix: 'lc-mixed',
      rules: [...electorRules(name), CANDIDATE_RULE],
    });
    /** Leadership intervals on CLOCK_MONOTONIC (goelector's `at`, Node's hrtime). */
    const intervals: Array<{ identity: string; start: bigint; end: bigint | null }> = [];
    const make = (identity: string, binaryVersion: string) => {
      const e = createLeaderElector({
        name,
        namespace,
        kubeConfig: kube.restrictedKubeConfig,
        identity,
        candidate: { binaryVersion },
        ...TIMING,
      });
      let open: (typeof intervals)[number] | null = null;
      e.state$.subscribe((state) => {
        const now = process.hrtime.bigint();
        if (state.role === 'leader' && open === null) {
          open = { identity, start: now, end: null };
          intervals.push(open);
        } else if (state.role !== 'leader' && open !== null) {
          open.end = now;
          open = null;
        }
      });
      electors.push(e);
      return e;
    };
    const newest = make('ts-1-35', '1.35.0').start();
    await until(() => newest.isLeader, 'ts-1-35 leads');
    // As admin: client-go's NewCandidate runs its LeaseCandidate informer across all
    // namespaces (its informer factory has no namespace option), so it needs list and watch
    // of leasecandidates at cluster scope, which the namespaced Role cannot grant.
    const go = startGoElector({
      binDir: kube.info.binDir,
      kubeconfig: kube.adminKubeconfigPath,
      namespace,
      name,
      identity: 'go-1-33',
      leaseDuration: '4s',
      renewDeadline: '3s',
      retryPeriod: '1s',
      candidate: { binaryVersion: '1.33.0' },
    });
    goElectors.push(go);
    await go.waitFor((e) => e.type === 'candidate', 30_000);

    // 1. The lowest emulation version is client-go's: the coordinator hands it the Lease.
    //    ts-1-34 joins only then. Joining earlier, it could take the Lease ts-1-35 released
    //    for go-1-33 once the 1 s head start passed, before the coordinator assigned it, and
    //    then keep it: a preference already named when a term began is not yielded to, and
    //    the coordinator does not write it again (a known limitation, docs/kube-differences.md).
    const goLeading = await go.waitFor((e) => e.type === 'leading', 90_000);
    const middle = make('ts-1-34', '1.34.1').start();
    const leases = kube.adminKubeConfig.makeApiClient(CoordinationV1Api);
    const lease = await leases.readNamespacedLease({ name, namespace });
    expect(lease.spec?.holderIdentity).toBe('go-1-33');
    const candidates = kube.adminKubeConfig.makeApiClient(CoordinationV1beta1Api);
    let published: V1beta1LeaseCandidate[] = [];
    await until(
      async () => {
        published = (await candidates.listNamespacedLeaseCandidate({ namespace })).items;
        return published.length >= 3;
      },
      'three LeaseCandidates published',
      30_000,
    );
    expect(newest.isLeader || middle.isLeader).toBe(false);
    expect(
      published
        .map((c) => [c.metadata?.name, c.spec?.binaryVersion, c.spec?.emulationVersion])
        .sort(),
    ).toEqual([
      ['go-1-33', '1.33.0', '1.33.0'],
      ['ts-1-34', '1.34.1', '1.34.1'],
      ['ts-1-35', '1.35.0', '1.35.0'],
    ]);
    for (const c of published) expect(c.spec?.strategy).toBe('OldestEmulationVersion');

    // 2. An older leasehold candidate joins: the coordinator prefers it, client-go's
    //    Coordinated elector stops renewing and gives the Lease up, and the newcomer leads.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const oldest = make('ts-1-32', '1.32.0').start();
    await go.waitFor((e) => e.type === 'stopped-leading', 60_000);
    await until(() => oldest.isLeader, 'ts-1-32 leads', 60_000);
    const after = await leases.readNamespacedLease({ name, namespace });
    expect(after.spec?.holderIdentity).toBe('ts-1-32');

    // client-go's interval: from `leading` to its release write (or `stopped-leading`).
    const goEnd = go.events.find(
      (e) => e.at > goLeading.at && (e.type === 'releasing' || e.type === 'stopped-leading'),
    );
    intervals.push({ identity: 'go-1-33', start: goLeading.at, end: goEnd?.at ?? null });
    const sorted = [...intervals].sort((a, b) => (a.start < b.start ? -1 : 1));
    for (let i = 1; i < sorted.length; i++) {
      const previous = sorted[i - 1]!;
      expect(previous.end, `${previous.identity} ended before ${sorted[i]!.identity}`).not.toBe(
        null,
      );
      expect(
        sorted[i]!.start >= previous.end!,
        `${previous.identity} then ${sorted[i]!.identity}`,
      ).toBe(true);
    }
    console.log(
      `[kube] LeaseCandidate mixed fleet: terms ${sorted.map((t) => t.identity).join(' ')}`,
    );
  }, 180_000);
});
