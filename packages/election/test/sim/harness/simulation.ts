/**
 * Runs one schedule: builds the world of a {@link Scenario}, applies its steps, checks the
 * safety properties at every event boundary, then heals the world and checks that it
 * recovers and shuts down cleanly.
 *
 * @module
 */
import { fenceOf } from '../../../src/core/fence.js';
import { createLeaderElector } from '../../../src/handle/leader-elector.js';
import { createFaultCounters, type FaultCounters } from './fault-counters.js';
import {
  type AttributedWrite,
  checkSingleLeader,
  checkTermAborted,
  createTermLog,
  createWriteLogChecker,
  InvariantViolation,
  type LeaderProbe,
  type TermStart,
  type Violation,
} from './invariants.js';
import { LINK_PROFILES } from './link-profiles.js';
import { createRandom, type Random } from './random.js';
import { recover } from './recovery.js';
import { rateAt, type Scenario } from './scenario.js';
import { createSimNode, type ElectorFactory, type SimNode } from './sim-node.js';
import { createSimServer, type SimServer } from './sim-server.js';
import { applyStep } from './step-actions.js';
import { describeStep, type Step, type Target } from './steps.js';
import { describeRun } from './trace.js';
import type { CallMethod, LinkProfile } from './transport.js';
import { createWorld, type World } from './world.js';

/** What step actions and recovery need from a running simulation. */
export interface SimulationControl {
  readonly scenario: Scenario;
  readonly world: World;
  readonly server: SimServer;
  readonly counters: FaultCounters;
  /** Every incarnation so far, oldest first. */
  readonly nodes: readonly SimNode[];
  /** The current incarnation of each slot. */
  readonly slots: readonly SimNode[];
  /** The scenario's own network, which a healed world goes back to. */
  readonly link: LinkProfile;
  /** Methods of faults queued in the store's own fault queue, unused ones included. */
  readonly storeFaults: CallMethod[];
  current(target: Target): SimNode;
  /** Not crashed, and nobody asked it to stop. */
  alive(node: SimNode): boolean;
  /** The user calls `stop()` — inside the process, like any other event reaching it. */
  callStop(node: SimNode): void;
  restart(old: SimNode, sameIdentity: boolean): void;
  /** One line about an elector, for failure messages. */
  describe(node: SimNode): string;
  run(ms: number): Promise<void>;
}

export interface SimulationOptions {
  /** Where fault counts go; a fresh tally when omitted. */
  readonly counters?: FaultCounters;
  /** Replaces the real elector (mutation tests of the checks). */
  readonly createElector?: ElectorFactory;
  /** After the steps: heal, require a leader, stop everyone, check cleanup. @defaultValue true */
  readonly recover?: boolean;
}

/** What a completed run reports. */
export interface SimulationReport {
  readonly events: number;
  readonly simulatedMs: number;
  readonly terms: number;
  readonly writes: number;
  readonly nodes: readonly SimNode[];
  readonly server: SimServer;
}

/** A running simulation, for tests that drive it step by step. */
export interface Simulation {
  readonly world: World;
  readonly server: SimServer;
  readonly counters: FaultCounters;
  /** Every incarnation so far, oldest first. */
  readonly nodes: readonly SimNode[];
  /** Every term started so far, in real-time order. */
  readonly terms: readonly TermStart[];
  /** The current incarnation of a slot, or the leader's. */
  current(target: Target): SimNode;
  apply(step: Step): Promise<void>;
  /** Runs the world and throws the first violation found. */
  run(ms: number): Promise<void>;
  /** Heals, requires a leader within the recovery bound, stops all, checks nothing remains. */
  recover(): Promise<void>;
  report(): SimulationReport;
}

export function createSimulation(scenario: Scenario, options: SimulationOptions = {}): Simulation {
  const world = createWorld();
  const server = createSimServer(world);
  const counters = options.counters ?? createFaultCounters();
  const random: Random = createRandom(scenario.seed);
  const nodes: SimNode[] = [];
  const slots: SimNode[] = [];
  const incarnations: number[] = [];
  const termLog = createTermLog();
  const writeChecker = createWriteLogChecker();
  const attributed: AttributedWrite[] = [];
  const violations: Violation[] = [];
  const electors = new Set<string>();
  const settings = {
    timing: scenario.timing,
    link: LINK_PROFILES[scenario.link],
    requestTimeoutMs: scenario.requestTimeoutMs,
    drainTimeoutMs: scenario.drainTimeoutMs,
    releaseOnStop: scenario.releaseOnStop,
    work: scenario.work,
    createElector: options.createElector ?? createLeaderElector,
  };

  const probe = (node: SimNode): LeaderProbe => ({
    identity: node.identity,
    isLeader: () => node.elector.isLeader,
    describe: () => {
      const state = node.elector.state;
      return (
        `role ${state.role}, token ${state.term?.fencingToken ?? '-'}, local now ` +
        `${node.clock.now().toFixed(1)}, deadline ${state.deadline?.toFixed(1) ?? '-'}, rate ` +
        `${node.clock.rate().toFixed(3)}, process ${node.process.status()}`
      );
    },
  });
  const note = (violation: Violation | null) => {
    if (violation) violations.push(violation);
  };
  const throwIfViolated = () => {
    const first = violations[0];
    if (first) throw new InvariantViolation(first);
  };

  const checkSafety = () => {
    const now = world.now();
    note(checkSingleLeader(nodes.map(probe), now));
    for (const node of nodes) {
      if (node.process.status() === 'crashed') continue;
      note(
        checkTermAborted(
          {
            identity: node.identity,
            localNow: node.clock.now(),
            term: node.lastTerm,
            caughtUp:
              node.process.status() === 'running' &&
              node.process.backlog() === 0 &&
              !node.clock.hasDueTimer(),
          },
          now,
        ),
      );
    }
    // Attributed once each, as they appear: the log only grows.
    for (const record of server.store.writes.slice(attributed.length)) {
      attributed.push({ record, attribution: server.attribution(record) });
    }
    violations.push(...writeChecker.check(attributed, (client) => electors.has(client)));
    throwIfViolated();
  };
  world.onBoundary(checkSafety);

  const spawn = (slot: number, identity: string, rate: number) => {
    electors.add(identity);
    const node = createSimNode({
      slot,
      identity,
      rate,
      world,
      server,
      random: random.fork(),
      counters,
      settings,
      hooks: {
        onTermStart: (started, term) => {
          note(checkSingleLeader(nodes.map(probe), world.now()));
          note(
            termLog.record({
              identity: started.identity,
              fencingToken: term.fencingToken,
              // Recomputed from the parts, so a planted bug in either part shows.
              fence: fenceOf(term.fencingEpoch, term.fencingToken),
              at: world.now(),
            }),
          );
        },
      },
    });
    nodes.push(node);
    slots[slot] = node;
    node.elector.start();
    return node;
  };
  for (let slot = 0; slot < scenario.candidates; slot++) {
    incarnations[slot] = 0;
    spawn(slot, `c${slot}`, rateAt(scenario, scenario.rates[slot] ?? 0));
  }

  /** Methods of faults queued in the store's own fault queue, unused ones included. */
  const storeFaults: CallMethod[] = [];

  const current = (target: Target): SimNode => {
    if (target === 'leader') {
      // A crashed leader's last state still says "leader": look among live processes only.
      const running = slots.filter((node) => node.process.status() !== 'crashed');
      return (
        running.find((node) => node.elector.isLeader) ??
        running.find((node) => node.elector.state.role === 'leader') ??
        (slots[0] as SimNode)
      );
    }
    return slots[target % scenario.candidates] as SimNode;
  };
  const alive = (node: SimNode) =>
    node.process.status() !== 'crashed' && node.stopRequestedAt === null;

  const callStop = (node: SimNode) => {
    node.stopRequestedAt = world.now();
    node.process.deliver('message', () => {
      if (node.stop !== null) return;
      counters.count('stop');
      const stop: NonNullable<SimNode['stop']> = { at: world.now(), settledAt: null, error: null };
      node.stop = stop;
      node.elector.stop().then(
        () => {
          stop.settledAt = world.now();
        },
        (error: unknown) => {
          stop.settledAt = world.now();
          stop.error = error;
        },
      );
    });
  };

  /** A new process in the slot of `old`, which dies first if it is still running. */
  const restart = (old: SimNode, sameIdentity: boolean) => {
    const slot = old.slot;
    old.process.crash();
    incarnations[slot] = (incarnations[slot] ?? 0) + 1;
    counters.count(sameIdentity ? 'restart (same identity)' : 'restart (new identity)');
    spawn(slot, sameIdentity ? old.identity : `c${slot}.${incarnations[slot]}`, old.clock.rate());
  };

  const control: SimulationControl = {
    scenario,
    world,
    server,
    counters,
    nodes,
    slots,
    link: settings.link,
    storeFaults,
    current,
    alive,
    callStop,
    restart,
    describe: (node) => probe(node).describe(),
    run: (ms) => simulation.run(ms),
  };

  const simulation: Simulation = {
    world,
    server,
    counters,
    nodes,
    terms: termLog.terms,
    current,
    async apply(step) {
      world.enqueue(() => applyStep(control, step));
      await simulation.run(step.kind === 'advance' ? step.ms : 0);
    },
    async run(ms) {
      await world.run(ms);
      throwIfViolated();
    },
    recover: () => recover(control),
    report: () => ({
      events: world.events(),
      simulatedMs: world.now(),
      terms: termLog.terms.length,
      writes: server.store.writes.length,
      nodes,
      server,
    }),
  };
  return simulation;
}

/** Runs a whole schedule; throws an {@link InvariantViolation} naming the step it happened in. */
export async function runSchedule(
  scenario: Scenario,
  steps: readonly Step[],
  options: SimulationOptions = {},
): Promise<SimulationReport> {
  const simulation = createSimulation(scenario, options);
  let index = -1;
  try {
    await simulation.run(0);
    for (index = 0; index < steps.length; index++) {
      await simulation.apply(steps[index] as Step);
    }
    index = steps.length;
    if (options.recover ?? true) await simulation.recover();
  } catch (error) {
    if (error instanceof InvariantViolation) {
      const where =
        index < 0
          ? 'at start-up'
          : index < steps.length
            ? `during step ${index + 1}: ${describeStep(steps[index] as Step)}`
            : 'while recovering after the last step';
      error.message = `${error.message}\n  (${where})\n${describeRun(simulation.nodes, simulation.server)}`;
    }
    throw error;
  }
  return simulation.report();
}
