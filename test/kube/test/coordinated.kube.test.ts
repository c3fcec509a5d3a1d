/**
 * Coordinated leader election (KEP-4355) with the real coordinator: kube-apiserver v1.34 runs
 * it itself when the `CoordinatedLeaderElection` feature gate is on (global-setup.ts turns it
 * on, with the `coordination.k8s.io/v1beta1` LeaseCandidate API); no controller-manager is
 * involved. The coordinator elects among the LeaseCandidates naming a Lease (strategy
 * `OldestEmulationVersion`: the oldest emulation version wins) and, when a better candidate
 * than the current holder exists, writes `spec.strategy` and `spec.preferredHolder` on the
 * Lease. A leasehold leader that sees `preferredHolder` naming another identity yields.
 *
 * Here the test plays the candidates' part as the admin (lease-candidate.kube.test.ts has the
 * electors publish their own, with the `candidate` option): it creates one LeaseCandidate per elector (named
 * after its identity, as the coordinator requires) and answers the coordinator's pings
 * (`spec.pingTime` newer than `spec.renewTime`) by renewing. The test never writes the Lease.
 */
import { CoordinationV1Api, type V1Lease, Watch } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatMicroTime } from '../../../packages/election/src/core/index.js';
import { createLeaderElector, type LeaderElector } from '../../../packages/election/src/index.js';
import { connectKubeApiserver, type KubeApiserverHandle } from '../src/apiserver.js';
import { rawRequest } from '../src/http.js';

let kube: KubeApiserverHandle;
beforeAll(() => {
  kube = connectKubeApiserver(inject('kube'));
});

const NAME = 'coordinated';
const CANDIDATES = '/apis/coordination.k8s.io/v1beta1';
const TIMING = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 } as const;

let electors: LeaderElector[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
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

interface LeaseCandidate {
  metadata: { name: string; resourceVersion?: string };
  spec: { leaseName: string; pingTime?: string; renewTime?: string } & Record<string, unknown>;
}

/** Creates a LeaseCandidate for `identity` and keeps answering the coordinator's pings. */
async function candidate(namespace: string, identity: string, emulationVersion: string) {
  const path = `${CANDIDATES}/namespaces/${namespace}/leasecandidates`;
  const created = await rawRequest(kube.admin, 'POST', path, {
    apiVersion: 'coordination.k8s.io/v1beta1',
    kind: 'LeaseCandidate',
    metadata: { name: identity },
    spec: {
      leaseName: NAME,
      binaryVersion: '1.34.0',
      emulationVersion,
      strategy: 'OldestEmulationVersion',
      renewTime: formatMicroTime(Date.now()),
    },
  });
  if (created.status !== 201) throw new Error(`LeaseCandidate: ${created.status} ${created.text}`);
  let pings = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const r = await rawRequest(kube.admin, 'GET', `${path}/${identity}`);
        const lc = r.json as LeaseCandidate;
        const { pingTime, renewTime } = lc.spec;
        if (pingTime !== undefined && (renewTime === undefined || renewTime < pingTime)) {
          pings++;
          await rawRequest(kube.admin, 'PUT', `${path}/${identity}`, {
            ...lc,
            spec: { ...lc.spec, renewTime: formatMicroTime(Date.now()) },
          });
        }
      } catch {
        // a conflict or a hiccup: try again on the next round
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  cleanups.push(() => {
    stopped = true;
  });
  return { pings: () => pings, done: loop };
}

interface Interval {
  identity: string;
  token: number;
  start: number;
  end: number;
}

/** Leadership intervals from an elector's states: [leader, earlier of end and deadline). */
function recordIntervals(e: LeaderElector, out: Interval[]) {
  let open: Interval | null = null;
  let deadline = Number.POSITIVE_INFINITY;
  e.state$.subscribe((state) => {
    const now = performance.now();
    if (state.role === 'leader') {
      deadline = state.deadline ?? deadline;
      if (open === null) {
        open = {
          identity: state.identity,
          token: state.term?.fencingToken ?? -1,
          start: now,
          end: Number.POSITIVE_INFINITY,
        };
        out.push(open);
      }
    } else if (open !== null) {
      open.end = Math.min(now, deadline);
      open = null;
    }
  });
}

describe('coordinated leader election (server-side coordinator in kube-apiserver)', () => {
  it('the coordinator names the oldest-version candidate as preferredHolder; the leasehold leader yields to it', async () => {
    const namespace = await kube.namespace({ prefix: 'cle', leaseName: NAME });
    // Record every change of the Lease (as admin) to see who wrote what.
    const changes: V1Lease[] = [];
    const controller = await new Watch(kube.adminKubeConfig).watch(
      `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
      { fieldSelector: `metadata.name=${NAME}` },
      (_type, lease: V1Lease) => changes.push(lease),
      () => {},
    );
    cleanups.push(() => controller.abort());
    const intervals: Interval[] = [];
    const make = (identity: string) => {
      const e = createLeaderElector({
        name: NAME,
        namespace,
        kubeConfig: kube.restrictedKubeConfig,
        identity,
        ...TIMING,
      });
      recordIntervals(e, intervals);
      electors.push(e);
      return e;
    };
    // `cand-new` (emulating 1.34) leads first; `cand-old` (emulating 1.33) follows.
    const newer = make('cand-new').start();
    await until(() => newer.isLeader, 'cand-new leads');
    const older = make('cand-old').start();
    await until(() => older.state.holder === 'cand-new', 'cand-old sees cand-new');
    const agents = [
      await candidate(namespace, 'cand-new', '1.34.0'),
      await candidate(namespace, 'cand-old', '1.33.0'),
    ];

    // 1. The coordinator marks the Lease for cand-old; cand-new yields at once (releases).
    await until(() => newer.state.lastTermEnd !== null, 'cand-new steps down');
    expect(newer.state.lastTermEnd).toBe('preferred-holder');
    // The elector's own watch may deliver that version before the admin's watch here does.
    await until(
      () => changes.some((l) => l.spec?.preferredHolder === 'cand-old'),
      'the admin watch sees the preferredHolder write',
    );
    const preferred = changes.find((l) => l.spec?.preferredHolder === 'cand-old');
    expect(preferred, 'a Lease version naming cand-old as preferredHolder').toBeDefined();
    expect(preferred?.spec).toMatchObject({
      holderIdentity: 'cand-new',
      strategy: 'OldestEmulationVersion',
    });
    const writers = (lease: V1Lease | undefined, field: string) =>
      (lease?.metadata?.managedFields ?? [])
        .filter((f) => JSON.stringify(f.fieldsV1 ?? {}).includes(`"f:${field}"`))
        .map((f) => f.manager);
    // Written by kube-apiserver's coordinator (its loopback client), not by an elector.
    expect(writers(preferred, 'preferredHolder')).toEqual(['kube-apiserver']);

    // 2. On the released Lease, the coordinator itself writes cand-old as the holder (with a
    //    5 s lease and no acquireTime) — it does not wait for cand-old to take it.
    await until(
      () => changes.some((l) => l.spec?.holderIdentity === 'cand-old'),
      'a Lease version naming cand-old as holder',
    );
    const assigned = changes.find((l) => l.spec?.holderIdentity === 'cand-old')!;
    console.log(
      `[kube] coordinated election: cand-old first named holder by ${JSON.stringify(writers(assigned, 'holderIdentity'))} ` +
        `(leaseDurationSeconds ${assigned.spec?.leaseDurationSeconds}, acquireTime ${assigned.spec?.acquireTime ?? 'none'})`,
    );

    // 3. Both keep running for a while: what happens next is a race (see
    //    docs/kube-differences.md, "Coordinated leader election"). Safety holds throughout.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const retakes = intervals.filter((i) => i.identity === 'cand-new').length - 1;
    const olderTerms = intervals.filter((i) => i.identity === 'cand-old').length;

    // 4. With cand-new gone, cand-old leads (at the latest once the coordinator's lease runs out).
    await newer.stop();
    await until(() => older.isLeader, 'cand-old leads', 30_000);
    const api = kube.adminKubeConfig.makeApiClient(CoordinationV1Api);
    const final = await api.readNamespacedLease({ name: NAME, namespace });
    console.log(
      `[kube] coordinated election: in 12 s after its first yield, cand-new took the Lease back ${retakes} time(s), ` +
        `cand-old led ${olderTerms} time(s); pings answered ${agents.map((a) => a.pings()).join('/')}; ` +
        `final holder ${final.spec?.holderIdentity}, strategy ${final.spec?.strategy}, ` +
        `transitions ${final.spec?.leaseTransitions}; terms ${intervals.map((i) => `${i.identity}#${i.token}`).join(' ')}; Lease versions (holder>preferred): ` +
        changes
          .map(
            (l) =>
              `${l.spec?.holderIdentity || '""'}#${l.spec?.leaseTransitions}${l.spec?.preferredHolder ? `>${l.spec.preferredHolder}` : ''}`,
          )
          .join(' '),
    );
    expect(final.spec?.holderIdentity).toBe('cand-old');
    expect(final.spec?.strategy).toBe('OldestEmulationVersion');
    // Every term has a greater fencing token than the one before, whoever started it.
    const tokens = [...intervals].sort((a, b) => a.start - b.start).map((i) => i.token);
    expect(tokens).toEqual([...new Set(tokens)].sort((a, b) => a - b));
    // No two leaders at once, through every yield and race.
    const sorted = [...intervals].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      expect(
        sorted[i]!.start,
        `${sorted[i - 1]!.identity} then ${sorted[i]!.identity}`,
      ).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
    }
  });
});
