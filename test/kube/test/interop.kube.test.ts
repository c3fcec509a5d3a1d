/**
 * client-go interop: TypeScript candidates (`leasehold candidate`, the built CLI) and client-go
 * candidates (`goelector`: LeaderElector + LeaseLock, ReleaseOnCancel) on one Lease of the
 * real apiserver, all as the restricted user. See src/fleet.ts for how each kind's leadership
 * interval is bounded (client-go's ends at its release write, `releasing`).
 *
 * Timing is asserted only as the documented mechanism check: a takeover after a release comes
 * well before the lease the follower last saw could have expired (30 s leases), so only the
 * release explains it. Every other figure is printed, not asserted.
 */
import { CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type CandidateEvent,
  findOverlaps,
  leadershipIntervals,
} from '../../../packages/cli/src/intervals.js';
import { buildCli, BIN as CLI_BIN } from '../../../packages/cli/test/build-cli.js';
import { connectKubeApiserver, type KubeApiserverHandle } from '../src/apiserver.js';
import {
  type CandidateKind,
  type CandidateOptions,
  type CandidateProcess,
  msBetween,
  startCandidate,
} from '../src/fleet.js';

let kube: KubeApiserverHandle;
beforeAll(async () => {
  kube = connectKubeApiserver(inject('kube'));
  await buildCli(); // `tsc -b packages/cli`: quick when dist is current
}, 180_000);

const FAST = { leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s' } as const;
/** A lease long enough that a quick takeover can only come from the release. */
const LONG = { leaseDuration: '30s', renewDeadline: '20s', retryPeriod: '2s' } as const;
const LONG_MS = 30_000;

let fleet: CandidateProcess[] = [];
afterEach(async () => {
  await Promise.all(fleet.map((c) => c.stop()));
  fleet = [];
});

async function arena(name: string) {
  const namespace = await kube.namespace({ prefix: 'interop', leaseName: name });
  const start = (
    kind: CandidateKind,
    identity: string,
    timing: Partial<Pick<CandidateOptions, 'leaseDuration' | 'renewDeadline' | 'retryPeriod'>> = {},
  ) => {
    const c = startCandidate({
      kind,
      identity,
      kubeconfig: kube.restrictedKubeconfigPath,
      namespace,
      name,
      binDir: kube.info.binDir,
      cliBin: CLI_BIN,
      ...timing,
    });
    fleet.push(c);
    return c;
  };
  const api = kube.adminKubeConfig.makeApiClient(CoordinationV1Api);
  const read = () => api.readNamespacedLease({ name, namespace });
  /** The Lease with an empty spec, as a deployment kit applies it: free, taken at once. */
  const precreate = () =>
    api.createNamespacedLease({ namespace, body: { metadata: { name }, spec: {} } });
  return { namespace, start, read, precreate };
}

const isLeading = (e: CandidateEvent) => e.type === 'leading';
const stateWith = (holder: string) => (e: CandidateEvent) =>
  e.type === 'state' && e.holder === holder;

/** The interval checker over a whole fleet: intervals and overlaps (which must be none). */
function checkIntervals(all: readonly CandidateProcess[]) {
  const intervals = leadershipIntervals(all.map((c) => c.record()));
  const overlaps = findOverlaps(intervals);
  return { intervals, overlaps };
}

/** What client-go reads from a Lease: its LeaseSpec fields, with the wire types it expects. */
function expectClientGoRecord(lease: V1Lease, holder: string, leaseDurationSeconds: number) {
  const spec = lease.spec as Record<string, unknown>;
  expect(spec.holderIdentity).toBe(holder);
  expect(spec.leaseDurationSeconds).toBe(leaseDurationSeconds);
  expect(Number.isInteger(spec.leaseTransitions)).toBe(true);
  expect(String(spec.acquireTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  expect(String(spec.renewTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
}

/** A client-go candidate's printed `stopped-leading` after its `releasing`: the slack. */
function releaseSlackMs(go: CandidateProcess): number | null {
  const releasing = go.lines.find((l) => l.type === 'releasing');
  const stopped = go.lines.find((l) => l.type === 'stopped-leading');
  if (!releasing || !stopped) return null;
  return msBetween(BigInt(releasing.at as string), BigInt(stopped.at as string));
}

describe('client-go interop on the real apiserver (restricted user)', () => {
  it('mixed fleet: 3 TypeScript + 3 client-go candidates, six terms by SIGTERM and SIGKILL, never two leaders', async () => {
    const { start, read } = await arena('fleet');
    const kinds: CandidateKind[] = ['ts', 'go', 'ts', 'go', 'ts', 'go'];
    const members = kinds.map((kind, i) => start(kind, `${kind}-${i}`, FAST));
    const actions: NodeJS.Signals[] = ['SIGTERM', 'SIGTERM', 'SIGKILL', 'SIGTERM', 'SIGTERM'];
    const handovers: string[] = [];
    const gone = new Set<CandidateProcess>();
    let previous: { at: bigint; identity: string } | null = null;
    for (const action of [...actions, null]) {
      // The next leader: the first `leading` after the previous action by someone still running.
      const live = members.filter((m) => !gone.has(m));
      const next = await Promise.any(
        live.map((m) =>
          m.waitFor((e) => isLeading(e) && (previous === null || e.at > previous.at), 30_000),
        ),
      );
      const leader = live.find((m) => m.identity === next.identity)!;
      if (previous !== null) {
        const from = members.find((m) => m.identity === previous!.identity)!;
        handovers.push(
          `${from.kind}→${leader.kind} (${previous.identity}→${leader.identity}) ${msBetween(previous.at, next.at).toFixed(0)} ms`,
        );
      }
      if (action === null) break;
      // Let a renewal or two happen, then act on the leader.
      await new Promise((r) => setTimeout(r, 1_500));
      const at = leader.signal(action);
      handovers.push(`${action} ${leader.identity}:`);
      await leader.exited;
      gone.add(leader);
      previous = { at, identity: leader.identity };
    }
    const lease = await read();
    await Promise.all(members.map((m) => m.stop()));

    const { intervals, overlaps } = checkIntervals(members);
    console.log(
      `[kube] mixed fleet: ${handovers.join(' ')}\n` +
        intervals
          .map(
            (i) =>
              `  ${i.identity} token ${i.fencingToken ?? '-'} ended by ${i.endedBy} after ${i.end === null ? '-' : msBetween(i.start, i.end).toFixed(0)} ms`,
          )
          .join('\n'),
    );
    expect(overlaps).toEqual([]);
    // Every member led exactly once (the leader was stopped each time), in six terms.
    expect(intervals).toHaveLength(6);
    expect(new Set(intervals.map((i) => i.identity)).size).toBe(6);
    // Both kinds led, and each acquisition counted as a transition: 0 at creation, +1 each.
    expect(new Set(intervals.map((i) => i.identity.slice(0, 2)))).toEqual(new Set(['ts', 'go']));
    expect(lease.spec?.leaseTransitions).toBe(5);
    const tsTokens = intervals.filter((i) => i.fencingToken !== null).map((i) => i.fencingToken);
    expect(tsTokens).toEqual([...tsTokens].sort((a, b) => a! - b!));
  });

  it('TypeScript leader releases (SIGTERM) → client-go takes over; each reads the other’s record', async () => {
    const { start, read, precreate } = await arena('ts-to-go');
    // Pre-created: a TypeScript elector waits a whole (30 s) lease before creating a Lease it
    // found absent, since the absence may hide a live holder it never saw.
    await precreate();
    const ts = start('ts', 'ts-leader', LONG);
    await ts.waitFor(isLeading, 30_000);
    // client-go with its defaults (15 s / 10 s / 2 s) reads the TypeScript record ...
    const go = start('go', 'go-follower');
    await go.waitFor((e) => e.type === 'new-leader' && e.leader === 'ts-leader', 30_000);
    // ... which has the fields and wire types client-go expects.
    expectClientGoRecord(await read(), 'ts-leader', 30);

    ts.signal('SIGTERM');
    expect(await ts.exited).toBe(0);
    const stopped = await ts.waitFor((e) => e.type === 'stopped-leading', 1_000);
    const released = await read();
    const taken = await go.waitFor(isLeading, LONG_MS);
    const failover = msBetween(stopped.at, taken.at);
    console.log(
      `[kube] TS→Go release: ${failover.toFixed(0)} ms from the TS stopped-leading to client-go leading (client-go polls every 2 s × U(1, 2.2))`,
    );
    // The mechanism check: far sooner than the 30 s lease client-go last saw.
    expect(failover).toBeLessThan(LONG_MS / 3);
    if (released.spec?.holderIdentity === '') expectClientGoRecord(released, '', 1);

    // A new TypeScript candidate reads client-go's record: holder and fencing token.
    const lease = await read();
    // Two transitions: the pre-created Lease (none) to ts-leader, the release to go-follower.
    expect(lease.spec?.holderIdentity).toBe('go-follower');
    expect(lease.spec?.leaseTransitions).toBe(2);
    const ts2 = start('ts', 'ts-late', LONG);
    const seen = await ts2.waitFor(stateWith('go-follower'), 15_000);
    expect(seen).toMatchObject({ holder: 'go-follower', fencingToken: 2, role: 'follower' });
    expect(checkIntervals([ts, go, ts2]).overlaps).toEqual([]);
  });

  it('client-go leader releases (SIGTERM) → TypeScript takes over within one round trip', async () => {
    const { start, read } = await arena('go-to-ts');
    const go = start('go', 'go-leader', LONG);
    await go.waitFor(isLeading, 30_000);
    const ts = start('ts', 'ts-follower', LONG);
    // The TypeScript follower reads client-go's record: holder and fencing token.
    const seen = await ts.waitFor(stateWith('go-leader'), 15_000);
    const before = await read();
    expect(seen).toMatchObject({
      holder: 'go-leader',
      fencingToken: before.spec?.leaseTransitions,
      role: 'follower',
    });
    expect(before.spec?.leaseDurationSeconds).toBe(30);

    go.signal('SIGTERM');
    const taken = (await ts.waitFor(isLeading, LONG_MS)) as Extract<
      CandidateEvent,
      { type: 'leading' }
    >;
    expect(await go.exited).toBe(0);
    const releasing = go.events.find((e) => e.type === 'stopped-leading');
    expect(releasing).toMatchObject({ reason: 'releasing' });
    const failover = msBetween(releasing!.at, taken.at);
    const slack = releaseSlackMs(go);
    const printedStop = go.lines.find((l) => l.type === 'stopped-leading');
    const beforePrintedStop =
      printedStop !== undefined && taken.at < BigInt(printedStop.at as string);
    console.log(
      `[kube] Go→TS release: ${failover.toFixed(1)} ms from client-go's release write (sent) to TS leading; ` +
        `client-go printed stopped-leading ${slack?.toFixed(1)} ms after sending the release` +
        (beforePrintedStop ? ' — AFTER the TS candidate already led' : ''),
    );
    // The mechanism check: the watch delivered the release; a 30 s lease was not waited out.
    expect(failover).toBeLessThan(LONG_MS / 3);
    expect(taken.fencingToken).toBe((before.spec?.leaseTransitions ?? 0) + 1);
    expect(checkIntervals([go, ts]).overlaps).toEqual([]);
  });

  it('crash: SIGKILL of a TypeScript leader → client-go takes over at expiry', async () => {
    const { start, read } = await arena('ts-crash');
    const ts = start('ts', 'ts-crash', FAST);
    await ts.waitFor(isLeading, 30_000);
    const go = start('go', 'go-heir', FAST);
    await go.waitFor((e) => e.type === 'new-leader' && e.leader === 'ts-crash', 30_000);
    const killedAt = ts.signal('SIGKILL');
    await ts.exited;
    // Nothing was released: the Lease still names the dead leader.
    expect((await read()).spec?.holderIdentity).toBe('ts-crash');
    const taken = await go.waitFor(isLeading, 30_000);
    console.log(
      `[kube] TS crash → Go: ${msBetween(killedAt, taken.at).toFixed(0)} ms from SIGKILL to client-go leading (lease 4 s, poll 1 s × U(1, 2.2))`,
    );
    expect((await read()).spec?.holderIdentity).toBe('go-heir');
    expect(checkIntervals([ts, go]).overlaps).toEqual([]);
  });

  it('crash: SIGKILL of a client-go leader → TypeScript takes over at expiry', async () => {
    const { start, read } = await arena('go-crash');
    const go = start('go', 'go-crash', FAST);
    await go.waitFor(isLeading, 30_000);
    const ts = start('ts', 'ts-heir', FAST);
    await ts.waitFor(stateWith('go-crash'), 15_000);
    const before = await read();
    const killedAt = go.signal('SIGKILL');
    await go.exited;
    expect((await read()).spec?.holderIdentity).toBe('go-crash');
    const taken = (await ts.waitFor(isLeading, 30_000)) as Extract<
      CandidateEvent,
      { type: 'leading' }
    >;
    console.log(
      `[kube] Go crash → TS: ${msBetween(killedAt, taken.at).toFixed(0)} ms from SIGKILL to TS leading (lease 4 s, timer from the last renewal seen)`,
    );
    expect(taken.fencingToken).toBe((before.spec?.leaseTransitions ?? 0) + 1);
    expect(checkIntervals([go, ts]).overlaps).toEqual([]);
  });
});
