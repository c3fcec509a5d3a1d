/**
 * Every counterexample the simulation found, as a named test with its shrunk schedule spelled
 * out. Each failed before the fix it names.
 */
import { describe, expect, it } from 'vitest';
import { compareFences, fenceOf, fencingEpochOf, hasFencingEpoch } from '../../src/core/fence.js';
import { type LeaseRecord, renewalFields } from '../../src/core/lease-record.js';
import { createManualClock, flushMicrotasks } from '../../src/core/manual-clock.js';
import { createLeaderElector } from '../../src/handle/leader-elector.js';
import { createInMemoryLeaseStore } from '../../src/store/index.js';
import { createFaultCounters } from './harness/fault-counters.js';
import { InvariantViolation, type PropertyName } from './harness/invariants.js';
import { runHandovers, runTransientFault } from './harness/liveness.js';
import { DEFAULT_TIMING, FAST_TIMING, type Scenario, TIGHT_TIMING } from './harness/scenario.js';
import type { SimNode } from './harness/sim-node.js';
import { createSimulation, runSchedule, type Simulation } from './harness/simulation.js';
import type { Step } from './harness/steps.js';

/*
 * Each replay also asserts that it still reaches the state that was once buggy: a replay that
 * no longer gets there (because the harness or the elector changed) would pass without
 * proving anything.
 */

/** The role an elector had published at real time `at`. */
const roleAt = (node: SimNode, at: number) =>
  node.history.filter((entry) => entry.at <= at).at(-1)?.state.role;

/** Runs the steps without recovering, so the state they reach can be inspected first. */
async function replay(scenario: Scenario, steps: readonly Step[]) {
  const simulation = createSimulation(scenario);
  await simulation.run(0);
  for (const step of steps) await simulation.apply(step);
  return simulation;
}

/** Renewals (replaces keeping the holder and token) written by `identity`, in order. */
const renewalsBy = (simulation: Simulation, identity: string) =>
  simulation.server.store.writes.filter(
    (write, i, all) =>
      write.method === 'replace' &&
      write.lease?.record.holderIdentity === identity &&
      all[i - 1]?.lease?.record.holderIdentity === identity &&
      all[i - 1]?.lease?.record.leaseTransitions === write.lease?.record.leaseTransitions,
  );

/**
 * Round trips (real ms, send to answer) of the renewals `node` saw answered, from the
 * deadlines it published: each renewal moves the deadline to its send time + renewDeadline.
 * Valid for a node whose clock rate never changed.
 */
function renewalRoundTrips(simulation: Simulation, node: SimNode, renewDeadlineMs: number) {
  const rate = node.clock.rate();
  const localAt = (real: number) => node.clock.now() - (simulation.world.now() - real) * rate;
  const trips: number[] = [];
  let last: number | null = null;
  for (const { at, state } of node.history) {
    if (state.role !== 'leader' || state.deadline === null) continue;
    if (last !== null && state.deadline > last) {
      const sentLocal = state.deadline - renewDeadlineMs;
      trips.push((localAt(at) - sentLocal) / rate);
    }
    last = state.deadline;
  }
  return trips;
}

const base: Scenario = {
  seed: 0,
  timing: DEFAULT_TIMING,
  candidates: 2,
  rho: 1,
  rates: [0, 0, 0, 0],
  link: 'congested',
  requestTimeoutMs: null,
  drainTimeoutMs: 0,
  releaseOnStop: false,
  work: { kind: 'prompt' },
};

describe('stop() settled while a candidate was still running (found by the chaos property)', () => {
  // Shrunk: 2 candidates on a congested link, no steps at all. The loser of the first race is
  // still a candidate (its create is in flight) when recovery calls stop(); stop() resolved at
  // once because "candidate" passed its "not leading any more" filter, leaving the elector
  // running with a call, a watch and a timer after stop() had returned.
  it('schedule: scenario(2 candidates, congested link, no request timeout), steps: []', async () => {
    const report = await runSchedule(base, []);
    // The once-buggy state: stop() called on an elector that was a candidate at that moment.
    const stoppedAsCandidate = report.nodes.filter(
      (node) => node.stop !== null && roleAt(node, node.stop.at) === 'candidate',
    );
    expect(stoppedAsCandidate.length).toBeGreaterThan(0);
  });

  it('stop() called while the acquiring write is in flight resolves only once stopped', async () => {
    const clock = createManualClock();
    const store = createInMemoryLeaseStore({
      name: 'lease',
      namespace: 'ns',
      clock,
      latency: { requestMs: 100, responseMs: 100 },
      precreated: true,
    });
    const elector = createLeaderElector({
      name: 'lease',
      namespace: 'ns',
      identity: 'a',
      store,
      clock,
      random: () => 0.5,
    }).start();
    await clock.advanceAsync(200); // list answered
    await flushMicrotasks();
    expect(elector.state.role).toBe('candidate');
    let stopped = false;
    const stopping = elector.stop().then(() => {
      stopped = true;
    });
    await flushMicrotasks();
    expect(stopped).toBe(false); // the create is still in flight
    await clock.advanceAsync(1_000);
    await stopping;
    expect(elector.state.role).toBe('stopped');
    expect(clock.pendingTimers()).toBe(0);
    expect(store.activeWatches()).toBe(0);
  });
});

describe('a leader whose wall clock stood still renewed invisibly (found by the chaos property)', () => {
  // Shrunk: c0 leads with a frozen wall clock. Each renewal wrote the same renewTime as the
  // last, so the server skipped it as a no-op (same version, no event) and followers kept
  // counting down from the acquisition — while c0 moved its own deadline forward with every
  // "successful" renewal. c1 took over 6 s after the acquisition and both led at once.
  it('schedule: scenario(3 candidates, 6/5/1 s, laggingWatch link, request timeout 5 s, drain 3 s, work stuck, seed 1545363692), steps: wallFreeze(#0), advance 1937, 3731, 383, 54 ms', async () => {
    const simulation = await replay(
      {
        seed: 1545363692,
        timing: TIGHT_TIMING,
        candidates: 3,
        rho: 1,
        rates: [0, 0, 0, 0],
        link: 'laggingWatch',
        requestTimeoutMs: 5_000,
        drainTimeoutMs: 3_000,
        releaseOnStop: false,
        work: { kind: 'stuck' },
      },
      [
        { kind: 'wallFreeze', slot: 0, frozen: true },
        { kind: 'advance', ms: 1937 },
        { kind: 'advance', ms: 3731 },
        { kind: 'advance', ms: 383 },
        { kind: 'advance', ms: 54 },
      ],
    );
    // The once-buggy state: c0, its wall clock frozen, still leads past one lease duration
    // after it acquired, on renewals its followers had to tell apart.
    const first = simulation.terms[0];
    expect(first?.identity).toBe('c0');
    expect(simulation.world.now() - (first?.at ?? 0)).toBeGreaterThan(TIGHT_TIMING.leaseDurationMs);
    expect(simulation.current(0).elector.isLeader).toBe(true);
    const renewals = renewalsBy(simulation, 'c0');
    expect(renewals.length).toBeGreaterThanOrEqual(3);
    const times = renewals.map((write) => write.lease?.record.renewTime as string);
    expect([...times].sort()).toEqual(times);
    expect(new Set(times).size).toBe(times.length);
    await simulation.recover();
  });

  // The first fix (renewTime differs from the current record's) was not enough; shrunk: c0
  // leads with a frozen wall clock, its renewals alternate between two renewTimes, and c1,
  // whose watch lags, re-reads the Lease after a conflict two renewals later: the same
  // record it already held, so its wait did not restart. Both led at t=12178 ms.
  it('schedule: scenario(4 candidates, 6/5/1 s, laggingWatch link, request timeout 2.5 s, drain 0.6 s, work slow 1 s, seed 0), steps: wallFreeze(#0), advance 12178 ms', async () => {
    const simulation = await replay(
      {
        seed: 0,
        timing: TIGHT_TIMING,
        candidates: 4,
        rho: 1,
        rates: [0, 0, 0, 0],
        link: 'laggingWatch',
        requestTimeoutMs: 2_500,
        drainTimeoutMs: 600,
        releaseOnStop: false,
        work: { kind: 'slow', ms: 1_000 },
      },
      [
        { kind: 'wallFreeze', slot: 0, frozen: true },
        { kind: 'advance', ms: 12_178 },
      ],
    );
    // The once-buggy state: c0 renewed many times with a frozen wall clock (once, its
    // renewTimes alternated between two values), beside followers whose watch lags.
    const renewals = renewalsBy(simulation, 'c0');
    expect(renewals.length).toBeGreaterThanOrEqual(4);
    const times = renewals.map((write) => write.lease?.record.renewTime as string);
    expect(new Set(times).size).toBe(times.length);
    expect(simulation.terms.length).toBeGreaterThanOrEqual(1);
    await simulation.recover();
  });

  it('renewTime strictly increases over a term, whatever the wall clock does', () => {
    const frozen = 1_800_000_000_000;
    let record = {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: null,
      renewTime: null,
      leaseTransitions: 3,
      strategy: null,
      preferredHolder: null,
    } as LeaseRecord;
    const seen: string[] = [];
    for (const wall of [frozen, frozen, frozen, frozen - 3_600_000, frozen + 5]) {
      record = { ...record, ...renewalFields(record, 'a', 15, wall) };
      seen.push(record.renewTime as string);
    }
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

/**
 * Found by the simulation, reported as known issues, since fixed in the machine: every effect
 * is bounded by a local timeout (acquire and release by the renew deadline, each renewal
 * attempt by a retry period, the watcher's list by the renew deadline), and a leader yields
 * only to a preferredHolder named after its term began, while followers give a preferred
 * candidate the released record's duration to take the Lease first.
 */
describe('fixed after being reported by the simulation', () => {
  const lan: Scenario = { ...base, seed: 425661289, link: 'lan' };

  /** Runs a schedule that once violated `property`; now every property must hold. */
  const holds = async (_property: PropertyName, run: () => Promise<unknown>) => {
    await run();
  };
  const lostResponses = () => {
    const counters = createFaultCounters();
    return { counters, lost: () => counters.get('response lost (injected)') };
  };

  // Shrunk by the chaos property with request timeouts allowed to be absent. The elector
  // awaits every LeaseStore call without a bound of its own: the acquiring write (candidate),
  // the release (stepping-down) and the watcher's list. A call whose answer is lost and never
  // times out (a half-open connection; a custom store without timeouts) wedges that state for
  // good: the candidate never competes again and stop() never settles. The Kubernetes adapter
  // bounds each request (requestTimeoutMs, 10 s), the in-memory store never hangs.
  it('fixed: a store call that never answers wedges a candidate, and stop() never settles. Schedule: scenario(2 candidates, 15/10/2 s, lan, no request timeout, seed 425661289), steps: fail(#0, lost-response), advance(2000ms)', () =>
    holds('L3', async () => {
      const { counters, lost } = lostResponses();
      const report = await runSchedule(
        lan,
        [
          { kind: 'fail', slot: 0, fault: 'lost-response', method: null },
          { kind: 'advance', ms: 2_000 },
        ],
        { counters },
      );
      // The once-buggy state: a response was lost, and c0 was a candidate waiting on a call.
      expect(lost()).toBe(1);
      const c0 = report.nodes.find((node) => node.identity === 'c0');
      expect(c0?.history.some((entry) => entry.state.role === 'candidate')).toBe(true);
    }));

  // L2 shrunk with request timeouts of a whole renewDeadline allowed. A renewal attempt is
  // bounded only by the term deadline; the renewal round starts retryPeriod after the last
  // success, so a single hung attempt that times out after ≥ renewDeadline − retryPeriod
  // (8 s with the defaults) leaves no time to retry. The Kubernetes adapter's default
  // requestTimeoutMs is 10 s: with client-go's default timing, one lost answer to a renewal
  // ends the term.
  it("fixed: one lost renewal response ends the term when the request timeout is the adapter's default (10 s ≥ renewDeadline − retryPeriod)", () =>
    holds('L2', async () => {
      const { counters, lost } = lostResponses();
      await runTransientFault(
        { ...lan, requestTimeoutMs: 10_000, seed: 1 },
        3_000,
        { kind: 'fail', slot: 'leader', fault: 'lost-response', method: 'replace' },
        { counters },
      );
      // The once-buggy state: the leader's renewal answer was lost, and its caller would
      // have waited the full 10 s for it.
      expect(lost()).toBe(1);
      expect(counters.get('request timed out')).toBeLessThanOrEqual(1);
    }));

  it('(the same lost response is survived with a request timeout of renewDeadline / 2)', async () => {
    const { counters, lost } = lostResponses();
    await runTransientFault(
      { ...lan, requestTimeoutMs: 5_000, seed: 1 },
      3_000,
      { kind: 'fail', slot: 'leader', fault: 'lost-response', method: 'replace' },
      { counters },
    );
    expect(lost()).toBe(1);
  });

  // L0 shrunk: prefer(#1), then #1 stops. The remaining candidate acquires, sees
  // preferredHolder naming someone else, yields (releases, waits a lease duration), acquires
  // again, yields again... forever: one fencing token burnt per cycle, a leader for a few ms
  // of every ~6.6 s. (A coordinated-election controller would move preferredHolder; nothing
  // here notices the preferred candidate is not there.)
  it('fixed: with preferredHolder naming a candidate that is gone, the others flap instead of leading. Schedule: scenario(2 candidates, 6/5/1 s, lan, seed 322856398), steps: advance(1000ms), prefer(#1), advance(4042ms), stall(#1, 5403ms), stop(#1), advance(60000ms)', () =>
    holds('L0', async () => {
      const simulation = createSimulation({
        ...lan,
        seed: 322856398,
        timing: TIGHT_TIMING,
        requestTimeoutMs: 2_500,
        drainTimeoutMs: 600,
        releaseOnStop: true,
        work: { kind: 'slow', ms: 1_000 },
      });
      for (const step of [
        { kind: 'advance', ms: 1_000 },
        { kind: 'prefer', slot: 1 },
        { kind: 'advance', ms: 4_042 },
        { kind: 'stall', slot: 1, ms: 5_403 },
        { kind: 'stop', slot: 1 },
        { kind: 'advance', ms: 60_000 },
      ] as const) {
        await simulation.apply(step);
      }
      // The once-buggy state: preferredHolder names c1, which has stopped.
      expect(simulation.server.store.current()?.record.preferredHolder).toBe('c1');
      expect(simulation.current(1).stop).not.toBeNull();
      const termsBefore = simulation.terms.length;
      await simulation.run(60_000);
      // A steady leader: one term at most in the last minute, and someone leading now.
      const terms = simulation.terms.length - termsBefore;
      const leading = simulation.current(0).elector.isLeader;
      if (terms > 1 || !leading) {
        throw new InvariantViolation({
          property: 'L0',
          at: simulation.world.now(),
          message: `${terms} terms in the last minute; leading now: ${leading}`,
        });
      }
    }));
});

/**
 * A regression introduced by the fix above (reported, not fixed here: it is a trade-off for
 * the machine's owner). Each renewal attempt is now abandoned after one retry period. When
 * the API server answers more slowly than that — but well within the renew deadline — every
 * attempt is abandoned just before its answer arrives, and the leader loses its term at the
 * deadline in a world with no fault at all. Before the fix, an attempt ran until the deadline
 * and such a leader held its term.
 *
 * Any fixed per-attempt timeout trades one case for the other: surviving a lost answer needs
 * `timeout + round trip < time left`, not abandoning a slow one needs `timeout > round trip`;
 * both hold only while the round trip is under half the time left. (One way out: a timeout
 * from the round trips actually observed, capped by the time left.)
 */
describe('fixed: renewal attempts abandoned after one retry period (an attempt now gets half the time left, at least a retry period)', () => {
  /** Fails when, with no fault at all, a term ended at its deadline. */
  async function failsIfATermEnded(run: () => Promise<Simulation>) {
    const simulation = await run();
    const ended = simulation.nodes.flatMap((node) =>
      node.history.filter((entry) => entry.state.lastTermEnd === 'deadline').slice(0, 1),
    );
    if (ended.length > 0) {
      throw new InvariantViolation({
        property: 'L2',
        at: ended[0]?.at ?? 0,
        message: `with no fault at all, a term ended at its deadline (${simulation.terms.length} terms)`,
      });
    }
  }

  it('fixed: an API server answering in ~2.5 s (client-go timing 15/10/2 s, no faults) costs the leader its term every ~8 s', () =>
    failsIfATermEnded(async () => {
      const simulation = createSimulation({
        ...base,
        seed: 7,
        link: 'instant',
        requestTimeoutMs: 10_000,
        releaseOnStop: true,
      });
      for (const node of simulation.nodes) {
        node.transport.setProfile({
          requestMs: [1_200, 1_300],
          responseMs: [1_200, 1_300],
          watchMs: [10, 100],
        });
      }
      await simulation.run(60_000);
      // The once-buggy state: renewals answered more than a retry period after their send.
      const leader = simulation.nodes.find((node) => node.elector.isLeader);
      expect(leader).toBeDefined();
      const trips = renewalRoundTrips(simulation, leader as SimNode, base.timing.renewDeadlineMs);
      expect(trips.length).toBeGreaterThan(5);
      expect(Math.min(...trips)).toBeGreaterThan(base.timing.retryPeriodMs);
      return simulation;
    }));

  // Shrunk by the deep run of L1: 3 candidates, 3/2/0.5 s, a WAN link (round trips up to
  // 600 ms, over the 500 ms retry period), rates 1, 1.007, 1.022, seed 0; exits: crash after
  // 19995 ms, crash after 12472 ms, crash. c0 lost its first term at its deadline (8137 ms)
  // before anything was injected: its attempt sent at 7001 ms was abandoned at 7502 ms, its
  // answer due at ~7600 ms.
  it('fixed: schedule: scenario(3 candidates, 3/2/0.5 s, wan, request timeout 1 s, seed 0), run 9 s with no fault', () =>
    failsIfATermEnded(async () => {
      const simulation = createSimulation({
        ...base,
        seed: 0,
        candidates: 3,
        timing: FAST_TIMING,
        rho: 1.0292965423266474,
        rates: [0, 0.25, 0.75, 0],
        link: 'wan',
        requestTimeoutMs: 1_000,
        releaseOnStop: true,
      });
      await simulation.run(9_000);
      // The once-buggy state: some renewal answered more than a retry period after its send.
      const trips = simulation.nodes.flatMap((node) =>
        renewalRoundTrips(simulation, node, FAST_TIMING.renewDeadlineMs),
      );
      expect(Math.max(...trips)).toBeGreaterThan(FAST_TIMING.retryPeriodMs);
      return simulation;
    }));
});

describe('a restarted process reusing its identity took a coordinated Lease at once (found by the chaos property)', () => {
  // Shrunk: 3 candidates, 6/5/1 s, instant link, seed 9; steps: prefer(leader), restart(leader,
  // same identity). Coordinated election named the leader as preferred holder; the process
  // restarted with the same identity, and the new incarnation, seeing a coordinated Lease that
  // named it, took it at once while the old incarnation still counted as leader. Only a hand-over
  // to our identity seen while running now counts as the coordinator's assignment.
  it('schedule: scenario(3 candidates, 6/5/1 s, instant, seed 9), steps: prefer(leader), restart(leader, same identity)', async () => {
    const report = await runSchedule(
      {
        ...base,
        seed: 9,
        candidates: 3,
        timing: { leaseDurationMs: 6_000, renewDeadlineMs: 5_000, retryPeriodMs: 1_000 },
        link: 'instant',
        requestTimeoutMs: 2_500,
        drainTimeoutMs: 3_000,
        releaseOnStop: true,
      },
      [
        { kind: 'prefer', slot: 'leader' },
        { kind: 'restart', slot: 'leader', sameIdentity: true },
      ],
    );
    // The once-buggy state: two incarnations with one identity, the Lease naming it as
    // preferred holder when the new one started.
    const leaderIdentity = report.nodes.find(
      (node) => node.slot === report.nodes.at(-1)?.slot,
    )?.identity;
    expect(report.nodes.filter((node) => node.identity === leaderIdentity)).toHaveLength(2);
  });
});

describe('fixed: renewal attempts abandoned before a slow answer could arrive (found by the deep run of L1)', () => {
  // Found by the deep run of L1 after the attempt timeout became max(retryPeriod, time left
  // / 2): with 3/2/0.5 s timing and a WAN link (round trips up to 600 ms), the time left at an
  // attempt is about 900 ms, so the attempt is abandoned after 500 ms — before its answer —
  // and the leader loses its term at the deadline with no fault at all. Shrunk scenario:
  // 3 candidates, rates 1.0, seed 2147483629, request timeout 1 s, drain 300 ms; exits: crash
  // the leader after 3907 ms, crash the next one at once ("the leader vanished").
  it('fixed: with round trips longer than a retry period (but well inside the renew deadline), a leader keeps its term', async () => {
    const simulation = createSimulation({
      seed: 2147483629,
      timing: FAST_TIMING,
      candidates: 3,
      rho: 1,
      rates: [0.25, 0.75, 0.25, 0.25],
      link: 'wan',
      requestTimeoutMs: 1_000,
      drainTimeoutMs: 300,
      releaseOnStop: true,
      work: { kind: 'prompt' },
    });
    await simulation.run(30_000);
    // The once-buggy state: renewals answered more than a retry period after their send.
    const trips = simulation.nodes.flatMap((node) =>
      renewalRoundTrips(simulation, node, FAST_TIMING.renewDeadlineMs),
    );
    expect(Math.max(...trips)).toBeGreaterThan(FAST_TIMING.retryPeriodMs);
    const ended = simulation.nodes.flatMap((node) =>
      node.history.filter((entry) => entry.state.lastTermEnd === 'deadline').slice(0, 1),
    );
    if (ended.length > 0) {
      throw new InvariantViolation({
        property: 'L2',
        at: ended[0]?.at ?? 0,
        message: `no fault, yet a term ended at its deadline (${simulation.terms.length} terms in 30 s)`,
      });
    }
  });
});

describe('fixed: a renewal answer slower than the recent ones given up with time to spare (found by the deep run of L1, seed 32670175)', () => {
  // With 3/2/0.5 s timing and round trips of 40–600 ms, the attempt timeout (three times a
  // round-trip estimate that a few quick answers had decayed to ~180 ms) gave up a 590 ms
  // answer at 547 ms with 1.4 s left; the write had landed, and the retry, sent after its
  // jittered delay, was answered after the deadline. No fault at all: the leader "vanished"
  // during the quiet period before the crash the schedule asked for. An attempt now also
  // waits for half the time left.
  const scenario: Scenario = {
    seed: 319231344,
    timing: FAST_TIMING,
    candidates: 2,
    rho: 1,
    rates: [0, 0.75, 0.75, 0.25],
    link: 'wan',
    requestTimeoutMs: null,
    drainTimeoutMs: 0,
    releaseOnStop: true,
    work: { kind: 'slow', ms: 500 },
  };

  it('fixed: schedule: scenario(2 candidates, 3/2/0.5 s, wan, no request timeout, work slow 0.5 s, seed 319231344), exits: crash after 7030 ms', async () => {
    const times = { afterCrash: [] as number[], afterRelease: [] as number[] };
    await runHandovers(scenario, [{ exit: 'crash', afterMs: 7_030 }], {}, times);
    expect(times.afterCrash).toHaveLength(1);
  });

  it('(the same world, run without the crash: a renewal answered later than the old bound kept the term)', async () => {
    const simulation = createSimulation(scenario);
    await simulation.run(8_000);
    // The once-buggy state: an answer that three times the decayed estimate (~547 ms) gave up.
    const trips = simulation.nodes.flatMap((node) =>
      renewalRoundTrips(simulation, node, FAST_TIMING.renewDeadlineMs),
    );
    expect(Math.max(...trips)).toBeGreaterThan(547);
    const ended = simulation.nodes.flatMap((node) =>
      node.history.filter((entry) => entry.state.lastTermEnd === 'deadline'),
    );
    expect(ended).toEqual([]);
  });
});

describe('a stale assignment let a follower overwrite a live term (found by the chaos property, seed 739176688)', () => {
  // Shrunk: coordinated election is on (an operator set preferredHolder, naming c1, which then
  // stops). c0's acquiring write lands but its response is lost, so c0 sees a record naming
  // itself appear with a strategy set and takes it for an assignment by the coordinator. A
  // partition keeps it from acting; c2 waits c0's record out and leads. After the heal c0
  // tries to take "its" Lease on the old version, loses the race, and the fresh read names c2
  // — but the assigned flag survived that read, so c0 wrote over c2's live term at once.
  const scenario: Scenario = {
    seed: 2147483644,
    timing: TIGHT_TIMING,
    candidates: 3,
    rho: 1,
    rates: [0, 0, 0, 0],
    link: 'lan',
    requestTimeoutMs: 1_250,
    drainTimeoutMs: 3_000,
    releaseOnStop: true,
    work: { kind: 'stuck' },
  };
  it('fixed: schedule: prefer(leader), partition(leader, blackhole), stop(#1), fail(leader, lost-response), partition(leader, reset), heal(#0)', async () => {
    const simulation = createSimulation(scenario);
    await simulation.run(0);
    for (const step of [
      { kind: 'advance', ms: 13 },
      { kind: 'prefer', slot: 'leader' },
      { kind: 'partition', slot: 'leader', mode: 'blackhole' },
      { kind: 'stop', slot: 1 },
      { kind: 'advance', ms: 2375 },
      { kind: 'fail', slot: 'leader', fault: 'lost-response', method: null },
      { kind: 'advance', ms: 3054 },
      { kind: 'advance', ms: 589 },
      { kind: 'partition', slot: 'leader', mode: 'reset' },
      { kind: 'advance', ms: 5387 },
      { kind: 'heal', slot: 0 },
      { kind: 'advance', ms: 3221 },
      { kind: 'advance', ms: 10_000 },
    ] as const) {
      await simulation.apply(step);
    }
    // The once-buggy state was reached: c0's own unanswered write named it (token 2: the Lease
    // is pre-created, so the first term has token 1) while it was not leading, and c2 led
    // after it with a later token.
    const writes = simulation.server.store.writes;
    const c0Landed = writes.find((w) => w.lease?.record.holderIdentity === 'c0');
    expect(c0Landed?.lease?.record.leaseTransitions).toBe(2);
    const c0 = simulation.nodes[0];
    expect(
      c0?.history.some((entry) => entry.state.role !== 'leader' && entry.state.holder === 'c0'),
    ).toBe(true);
    expect(simulation.terms.some((term) => term.identity === 'c2')).toBe(true);
    // S1 held at every event (run() throws otherwise); the recovery requires a leader again.
    await simulation.recover();
  });
});

/** Fences of every record written to the Lease that started a new term, in write order. */
const acquiredFences = (simulation: Simulation) => {
  // A created Lease's epoch is the version of its create until its first renewal stamps it.
  let createdAt = '0';
  return simulation.server.store.writes.flatMap((write, i, all) => {
    if (write.method === 'create') createdAt = write.resourceVersion;
    const lease = write.lease;
    if (lease === null || lease.record.holderIdentity === '') return [];
    const before = all[i - 1]?.lease ?? null;
    const renewal =
      before !== null &&
      before.record.holderIdentity === lease.record.holderIdentity &&
      before.record.leaseTransitions === lease.record.leaseTransitions;
    return renewal
      ? []
      : [
          {
            method: write.method,
            fence: fenceOf(
              hasFencingEpoch(lease) ? fencingEpochOf(lease) : createdAt,
              lease.record.leaseTransitions,
            ),
          },
        ];
  });
};

describe('the Lease deleted under live electors (issue 11; once known issues, found by the chaos property)', () => {
  // A process that started after the deletion found no Lease and created one at once, with
  // fencing token 0: the deleted holder, its watch lagging, still led (two leaders), and a
  // token of the old term was handed out again. Fixed: an absence nobody saw happen is waited
  // out for a lease duration, and a created Lease carries the epoch of the list that found it
  // absent, above every write of the deleted object.
  it('fixed: never two leaders nor a repeated fence when a process starts after a deletion. Schedule: scenario(3 candidates, 15/10/2 s, lan, request timeout 5 s, seed 3), steps: advance(3000ms), link(leader, laggingWatch), deleteLease(), restart(#0), advance(5000ms)', async () => {
    const scenario: Scenario = {
      seed: 3,
      timing: DEFAULT_TIMING,
      candidates: 3,
      rho: 1,
      rates: [0, 0, 0, 0],
      link: 'lan',
      requestTimeoutMs: 5_000,
      drainTimeoutMs: 0,
      releaseOnStop: true,
      work: { kind: 'prompt' },
    };
    const steps: Step[] = [
      { kind: 'advance', ms: 3_000 },
      { kind: 'link', slot: 'leader', profile: 'laggingWatch' },
      { kind: 'deleteLease' },
      { kind: 'restart', slot: 0, sameIdentity: false },
      { kind: 'advance', ms: 5_000 },
    ];
    const simulation = await replay(scenario, steps);
    // Still the state that was once buggy: the Lease was deleted, and nobody has recreated it
    // within the 5 s after (the restarted process waits the absence out).
    expect(simulation.server.store.writes.some((w) => w.method === 'delete')).toBe(true);
    expect(simulation.server.store.current()).toBeNull();
    await simulation.recover(); // S1 and S3 are checked at every event; recovery needs a leader
    const fences = acquiredFences(simulation);
    expect(fences.at(-1)?.method).toBe('create');
    for (let i = 1; i < fences.length; i++) {
      expect(compareFences(fences[i]!.fence, fences[i - 1]!.fence)).toBeGreaterThan(0);
    }
  });

  // The count broke without a newcomer too: c0, cut off, missed the record that carried token
  // 1; when the Lease was deleted again and c0 recreated it, it continued from the last record
  // it saw: token 1 again. Fixed by the epoch: the recreated Lease's fence is above every
  // earlier one whatever its creator saw.
  it('fixed: a recreated Lease goes past every earlier fence even for an elector that missed the last record. Schedule: scenario(3 candidates, 3/2/0.5 s, instant, request timeout 2 s, seed 643429757), steps: deleteLease(), partition(#0, reset), advance(2999ms), deleteLease()', async () => {
    const report = await runSchedule(
      {
        seed: 643429757,
        timing: FAST_TIMING,
        candidates: 3,
        rho: 1.001,
        rates: [1, 1, 0, 0],
        link: 'instant',
        requestTimeoutMs: 2_000,
        drainTimeoutMs: 300,
        releaseOnStop: false,
        work: { kind: 'stuck' },
      },
      [
        { kind: 'deleteLease' },
        { kind: 'partition', slot: 0, mode: 'reset' },
        { kind: 'advance', ms: 2_999 },
        { kind: 'deleteLease' },
      ],
    );
    expect(report.terms).toBeGreaterThanOrEqual(2);
  });
  // c1 waited out the absence left by a deletion and created the Lease; a third party deleted
  // it at once and c1 crashed while its term still ran. c0's watch lagged, so to c0 the Lease
  // had been absent since the first deletion, and the list c0 made before creating found it
  // absent again: c0 created it and led beside c1's term (two leaders; CI's pinned deep pass,
  // shard 2, seed 20261126). A create has no precondition but absence now. Fixed: a created
  // Lease is led on only once the watch delivers it while the absence decided on is unchanged;
  // here c0's watch delivers c1's Lease first, so c0 never leads on its create and waits its
  // own record out instead.
  it('fixed: a Lease created and deleted behind a lagging watch is not missed by the next creator. Schedule: scenario(2 candidates, 15/10/2 s, instant, request timeout 2.5 s, seed 1445570756), steps: link(#0, laggingWatch), deleteLease(), advance(15000ms), dropWatch(#1, unavailable), deleteLease(), crash(#1)', async () => {
    const scenario: Scenario = {
      seed: 1445570756,
      timing: DEFAULT_TIMING,
      candidates: 2,
      rho: 1,
      rates: [1, 1, 1, 1],
      link: 'instant',
      requestTimeoutMs: 2_500,
      drainTimeoutMs: 1_500,
      releaseOnStop: false,
      work: { kind: 'slow', ms: 2_000 },
    };
    const steps: Step[] = [
      { kind: 'link', slot: 0, profile: 'laggingWatch' },
      { kind: 'deleteLease' },
      { kind: 'advance', ms: 15_000 },
      { kind: 'dropWatch', slot: 1, end: 'unavailable' },
      { kind: 'deleteLease' },
      { kind: 'crash', slot: 1 },
    ];
    const simulation = await replay(scenario, steps);
    await simulation.recover(); // S1 is checked at every event
    // Still the state that was once buggy: after c1's create was deleted, c0 created the Lease
    // while c1's term had not ended, and its watch showed c1's Lease only after that.
    const creates = simulation.server.store.writes.filter((w) => w.method === 'create');
    expect(creates.map((w) => w.lease?.record.holderIdentity)).toEqual(['c1', 'c0']);
    // c0 did not lead on its create: it waited out its own record, a lease duration.
    const createdAt = creates[1]!.atMs;
    const firstLed = simulation.nodes[0]!.history.find(
      (entry) => entry.at >= createdAt && entry.state.role === 'leader',
    );
    expect(firstLed?.at).toBeGreaterThanOrEqual(createdAt + DEFAULT_TIMING.leaseDurationMs);
  });
  // c1 was cut off (connections reset) from the first deletion on, while c0 created the Lease,
  // held it and crashed, and a third party deleted it again. When c1's connection came back,
  // its list before creating found no Lease; its watch, resuming from before c0's Lease, got
  // 410 and listed again, finding c1's own new Lease. That relist hid c0's whole Lease, and
  // the first version of the create confirmation took c1's own object on it as confirmed:
  // c1 led beside c0's last term (found by a fresh-seed deep pass, seed 32670176). Fixed: a
  // relist after lost history contradicts a create in flight, whatever it finds.
  it('fixed: a relist after a 410 never confirms a create. Schedule: scenario(4 candidates, 6/5/1 s, instant, request timeout 2.5 s, seed 232427005), steps: deleteLease(), partition(#1, reset), advance(9706ms), compact(), advance(707ms), stall(leader, 833ms), advance(52ms), advance(529ms), advance(252ms), restart(leader), deleteLease()', async () => {
    const scenario: Scenario = {
      seed: 232427005,
      timing: TIGHT_TIMING,
      candidates: 4,
      rho: 1,
      rates: [1, 1, 1, 1],
      link: 'instant',
      requestTimeoutMs: 2_500,
      drainTimeoutMs: 3_000,
      releaseOnStop: false,
      work: { kind: 'prompt' },
    };
    const steps: Step[] = [
      { kind: 'deleteLease' },
      { kind: 'partition', slot: 1, mode: 'reset' },
      { kind: 'advance', ms: 9_706 },
      { kind: 'compact' },
      { kind: 'advance', ms: 707 },
      { kind: 'stall', slot: 'leader', ms: 833 },
      { kind: 'advance', ms: 52 },
      { kind: 'advance', ms: 529 },
      { kind: 'advance', ms: 252 },
      { kind: 'restart', slot: 'leader', sameIdentity: false },
      { kind: 'deleteLease' },
    ];
    const simulation = await replay(scenario, steps);
    await simulation.recover(); // S1 is checked at every event
    // Still the state that was once buggy: c1 created the Lease after the second deletion.
    const creates = simulation.server.store.writes.filter((w) => w.method === 'create');
    expect(creates.map((w) => w.lease?.record.holderIdentity)).toEqual(['c0', 'c1']);
  });
  // Two electors waited out a deletion and listed the Lease absent at the same version, which
  // each put on its create as the epoch. c1's create landed, a third party deleted it, and
  // c0's create (slow answers) landed after: a second object with the same (epoch, token 0),
  // which a later taker would have continued from (S3; a fresh-seed deep pass, seed
  // 32670175). Neither led on its create: each one's watch showed the other Lease or the
  // deletion first. Fixed: a created Lease's epoch is the version of its create, above every
  // write before it, stamped by its creator's first renewal (or, if it never renews, by the
  // next taker's decided-on version).
  it('fixed: two creates decided on one list never share a fence. Schedule: scenario(2 candidates, 15/10/2 s, slowAnswers, no request timeout, seed 3), steps: deleteLease(), advance(15710ms), deleteLease()', async () => {
    const scenario: Scenario = {
      seed: 3,
      timing: DEFAULT_TIMING,
      candidates: 2,
      rho: 1,
      rates: [1, 1, 1, 1],
      link: 'slowAnswers',
      requestTimeoutMs: null,
      drainTimeoutMs: 7_500,
      releaseOnStop: false,
      work: { kind: 'slow', ms: 2_000 },
    };
    const steps: Step[] = [
      { kind: 'deleteLease' },
      { kind: 'advance', ms: 15_710 },
      { kind: 'deleteLease' },
    ];
    const simulation = await replay(scenario, steps);
    await simulation.recover(); // S1–S3 are checked at every event
    // Still the state that was once buggy: c1's create, its deletion, then c0's create.
    const writes = simulation.server.store.writes.map((w) => [
      w.method,
      w.lease?.record.holderIdentity ?? null,
    ]);
    expect(writes.slice(0, 4)).toEqual([
      ['delete', null],
      ['create', 'c1'],
      ['delete', null],
      ['create', 'c0'],
    ]);
    const fences = acquiredFences(simulation);
    for (let i = 1; i < fences.length; i++) {
      expect(compareFences(fences[i]!.fence, fences[i - 1]!.fence)).toBeGreaterThan(0);
    }
  });
});

describe('a leader dropping its renewal echoes lost its term after one conflict (found by the deep run of L2, seed 20261125)', () => {
  // The watch drops the echo of a renewal in flight (the answer brings the same version). One
  // injected 409 sent the next attempt through a fresh read and a second write: three round
  // trips on a WAN link, longer than the attempt's timeout. That attempt's write landed but its
  // answer was abandoned, and with the echo gone the leader still held the old version: every
  // later attempt conflicted, read afresh and timed out the same way, and the term ran out
  // with each of its renewals written. The watch now keeps the last echo it dropped and
  // sends it when the leader retries.
  const wan: Scenario = {
    ...base,
    seed: 1567285923,
    timing: TIGHT_TIMING,
    link: 'wan',
    requestTimeoutMs: 5_000,
    drainTimeoutMs: 600,
    releaseOnStop: true,
    work: { kind: 'stuck' },
  };

  it('fixed: schedule: scenario(2 candidates, 6/5/1 s, wan, request timeout 5 s, drain 0.6 s, work stuck, seed 1567285923), settle 8790 ms, fail(leader, conflict)', async () => {
    const counters = createFaultCounters();
    await runTransientFault(
      wan,
      8_790,
      { kind: 'fail', slot: 'leader', fault: 'conflict', method: null },
      { counters },
    );
    // The once-buggy state: the leader's next call got the injected 409.
    expect(counters.get('error 409 conflict (injected)')).toBe(1);
  });
});
