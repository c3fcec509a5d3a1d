/**
 * The liveness properties, each as a small driver over a simulation of a healthy world
 * (delays, but no errors, partitions or stalls unless the property injects one).
 *
 * @remarks
 * - L1: a leader exists again within `leaseDuration + ε` of the leader's crash, and within
 *   `ε'` of its release (graceful `stop()` or `stepDown()`): ε is a request still in flight,
 *   one watch delivery and one round trip; ε' is one watch delivery and three round trips
 *   (an acquisition already sent on the version before the release: 409, read, acquire).
 *   Clock rates are at least real time in this model (`[1, ρ]`), so a follower's lease
 *   duration takes at most that long in real time.
 * - L2: one transient error — a failed call, a lost answer, a dropped or expired watch, a
 *   foreign edit — never ends a term.
 * - L3 (also checked at the end of every chaos schedule): `stop()` settles, even while the API
 *   is unreachable, within a bound, and leaves no timer, call or watch behind.
 *
 * @module
 */

import { InvariantViolation } from './invariants.js';
import { LINK_PROFILES } from './link-profiles.js';
import { type Scenario, stopBoundMs } from './scenario.js';
import type { SimNode } from './sim-node.js';
import { createSimulation, type Simulation, type SimulationOptions } from './simulation.js';
import type { Step } from './steps.js';
import { describeRun } from './trace.js';

const fail = (property: 'L1' | 'L2' | 'L3', simulation: Simulation, message: string): never => {
  const trace = describeRun(simulation.nodes, simulation.server);
  throw new InvariantViolation({
    property,
    at: simulation.world.now(),
    message: `${message}\n${trace}`,
  });
};

const leaderOf = (simulation: Simulation): SimNode | undefined =>
  simulation.nodes.find((node) => node.elector.isLeader);

/** Slack for timers rounded up to whole real ms and events queued at one instant. */
const ROUNDING_MS = 5;

/** The ε of L1 for a crash: a watch delivery and an acquiring round trip. */
export function handoverSlackMs(scenario: Scenario): number {
  const link = LINK_PROFILES[scenario.link];
  return link.watchMs[1] + link.requestMs[1] + link.responseMs[1] + ROUNDING_MS;
}

/**
 * The ε of L1 for a release: a watch delivery, and up to three round trips — a follower whose
 * own timer sent an acquisition on the version before the release gets a 409, re-reads, and
 * acquires on the released version.
 */
export function releaseSlackMs(scenario: Scenario): number {
  const link = LINK_PROFILES[scenario.link];
  return link.watchMs[1] + 3 * (link.requestMs[1] + link.responseMs[1]) + ROUNDING_MS;
}

/** Runs until someone leads, at most `boundMs`. */
async function untilLeader(simulation: Simulation, boundMs: number, why: string) {
  const start = simulation.world.now();
  while (!leaderOf(simulation)) {
    if (simulation.world.now() - start > boundMs) {
      fail('L1', simulation, `no leader ${boundMs} ms after ${why}`);
    }
    await simulation.run(10);
  }
}

/** One thing that happens to the leader in an L1 schedule. */
export type LeaderExit = 'crash' | 'stop' | 'stepDown';

/** What an L1 run measured, for the summary. */
export interface HandoverTimes {
  readonly afterCrash: number[];
  readonly afterRelease: number[];
}

/**
 * L1: the leader leaves, one way or another, `exits.length` times, with `gapsMs` of quiet
 * time in between; each time a live candidate must take over within the bound.
 */
export async function runHandovers(
  scenario: Scenario,
  exits: readonly { readonly exit: LeaderExit; readonly afterMs: number }[],
  options: SimulationOptions,
  times: HandoverTimes,
): Promise<void> {
  const simulation = createSimulation(scenario, options);
  const { timing } = scenario;
  const slack = handoverSlackMs(scenario);
  await untilLeader(simulation, scenario.timing.leaseDurationMs + 4 * slack, 'start-up');
  const live = (node: SimNode) =>
    node.process.status() === 'running' && node.stopRequestedAt === null;
  for (const { exit, afterMs } of exits) {
    if (!simulation.nodes.some(live)) break; // everyone has left
    // After a step-down with nobody else to take over, the same elector comes back once it has
    // drained, released and yielded for a lease duration — or, when its work outlasted the
    // drain bound, once it has waited out its term (at most a renew deadline) and yielded.
    await untilLeader(
      simulation,
      Math.max(scenario.drainTimeoutMs, timing.renewDeadlineMs) +
        timing.leaseDurationMs +
        4 * slack,
      'the previous handover',
    );
    await simulation.run(afterMs);
    const leader = leaderOf(simulation);
    if (!leader) fail('L1', simulation, 'the leader vanished during a quiet period');
    const others = simulation.nodes.filter(
      (node) =>
        node !== leader && node.process.status() === 'running' && node.stopRequestedAt === null,
    );
    const termsBefore = simulation.terms.length;
    const writesBefore = simulation.server.store.writes.length;
    const leftAt = simulation.world.now();
    const step: Step =
      exit === 'crash'
        ? { kind: 'crash', slot: 'leader' }
        : exit === 'stop'
          ? { kind: 'stop', slot: 'leader' }
          : { kind: 'stepDown', slot: 'leader' };
    await simulation.apply(step);
    if (others.length === 0) continue; // nobody else to take over
    const bound =
      exit === 'crash'
        ? timing.leaseDurationMs + LINK_PROFILES[scenario.link].requestMs[1] + slack
        : scenario.drainTimeoutMs + 4 * slack + timing.leaseDurationMs;
    await simulation.run(bound);
    const next = simulation.terms
      .slice(termsBefore)
      .find((term) => term.identity !== leader?.identity);
    // Work that did not settle within the drain bound cancels the release (the lease runs out
    // instead): that hand-over is bounded like a crash's, and must not have released.
    const drainTimedOut =
      exit !== 'crash' &&
      (leader?.history ?? []).some(
        (entry) => entry.at >= leftAt && entry.state.error?.code === 'ERR_LEASEHOLD_DRAIN_TIMEOUT',
      );
    const crashBound = timing.leaseDurationMs + LINK_PROFILES[scenario.link].requestMs[1] + slack;
    if (drainTimedOut) {
      const released = simulation.server.store.writes
        .slice(writesBefore)
        .some(
          (write) =>
            write.lease?.record.holderIdentity === '' &&
            simulation.server.attribution(write)?.client === leader?.identity,
        );
      if (released) {
        fail('L1', simulation, `${leader?.identity} released with its work still running`);
      }
      if (!next || next.at - leftAt > crashBound) {
        fail(
          'L1',
          simulation,
          `no new leader within ${crashBound} ms of a ${exit} whose work did not settle (t=${leftAt})`,
        );
      }
      times.afterCrash.push((next?.at ?? 0) - leftAt);
      continue;
    }
    if (exit === 'crash') {
      if (!next || next.at - leftAt > bound) {
        fail(
          'L1',
          simulation,
          `no new leader within ${bound} ms of the leader's crash at t=${leftAt}`,
        );
      }
      times.afterCrash.push((next?.at ?? 0) - leftAt);
      continue;
    }
    // A release: measured from the moment the releasing write was applied.
    const release = simulation.server.store.writes
      .slice(writesBefore)
      .find(
        (write) =>
          write.lease?.record.holderIdentity === '' &&
          simulation.server.attribution(write)?.client === leader?.identity,
      );
    if (!release) fail('L1', simulation, `${leader?.identity} did not release on ${exit}`);
    const releaseSlack = releaseSlackMs(scenario);
    if (!next || next.at - (release?.atMs ?? 0) > releaseSlack) {
      fail(
        'L1',
        simulation,
        `no new leader within ${releaseSlack} ms of the release at t=${release?.atMs} ` +
          `(next term: ${next ? `t=${next.at}` : 'none'})`,
      );
    }
    times.afterRelease.push((next?.at ?? 0) - (release?.atMs ?? 0));
  }
}

/**
 * L2: once a leader has been leading for `settleMs`, `fault` happens once; the same term must
 * still be current `observeMs` later, without ever having stepped down.
 */
export async function runTransientFault(
  scenario: Scenario,
  settleMs: number,
  fault: Step,
  options: SimulationOptions,
): Promise<void> {
  const simulation = createSimulation(scenario, options);
  const slack = handoverSlackMs(scenario);
  await untilLeader(simulation, scenario.timing.leaseDurationMs + 4 * slack, 'start-up');
  await simulation.run(settleMs);
  const leader = leaderOf(simulation);
  const term = leader?.elector.state.term;
  if (!leader || !term) return fail('L2', simulation, 'the leader vanished before the fault');
  const historyBefore = leader.history.length;
  await simulation.apply(fault);
  const { timing } = scenario;
  const observeMs = 3 * timing.leaseDurationMs;
  for (let waited = 0; waited < observeMs; waited += timing.retryPeriodMs / 2) {
    await simulation.run(timing.retryPeriodMs / 2);
    const ended = leader.history
      .slice(historyBefore)
      .find((entry) => entry.state.role !== 'leader');
    if (ended || !leader.elector.isLeader || leader.elector.state.term !== term) {
      fail(
        'L2',
        simulation,
        `one transient fault ended the term of ${leader.identity}: ` +
          `${ended ? `became ${ended.state.role} at t=${ended.at} (${ended.state.lastTermEnd})` : 'not leader any more'}`,
      );
    }
  }
}

/**
 * L3 in a hostile world: after `steps`, everyone is asked to stop *without* healing
 * anything. Each `stop()` must settle within the stop bound of the moment its process could
 * first run it, and leave nothing behind.
 */
export async function runStopWithoutHealing(
  scenario: Scenario,
  steps: readonly Step[],
  options: SimulationOptions,
): Promise<void> {
  const simulation = createSimulation(scenario, { ...options, recover: false });
  for (const step of steps) await simulation.apply(step);
  const live = simulation.nodes.filter(
    (node) => node.process.status() !== 'crashed' && node.stopRequestedAt === null,
  );
  for (const node of live) await simulation.apply({ kind: 'stop', slot: node.slot });
  const bound = stopBoundMs(scenario);
  const requested = simulation.nodes.filter(
    (node) => node.stopRequestedAt !== null && node.process.status() !== 'crashed',
  );
  const deadline = simulation.world.now() + bound + stallLeft(steps);
  while (requested.some((node) => node.stop?.settledAt == null)) {
    if (simulation.world.now() > deadline) {
      const stuck = requested.filter((node) => node.stop?.settledAt == null);
      fail(
        'L3',
        simulation,
        `stop() unsettled ${bound} ms after it could run, with the API still unreachable: ` +
          stuck.map((node) => `${node.identity} (${node.elector.state.role})`).join(', '),
      );
    }
    await simulation.run(100);
  }
  for (const node of requested) {
    const left =
      node.clock.pendingTimers() + node.transport.pendingCalls() + node.transport.openWatches();
    if (left > 0 || node.elector.state.role !== 'stopped') {
      fail(
        'L3',
        simulation,
        `${node.identity} after stop(): ${node.clock.pendingTimers()} timers, ` +
          `${node.transport.pendingCalls()} calls, ${node.transport.openWatches()} watches, role ${node.elector.state.role}`,
      );
    }
  }
}

/** The longest stall a schedule asks for: a stop waits for its process to run again. */
function stallLeft(steps: readonly Step[]): number {
  return steps.reduce((most, step) => (step.kind === 'stall' ? Math.max(most, step.ms) : most), 0);
}
