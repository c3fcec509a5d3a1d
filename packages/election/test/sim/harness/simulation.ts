/**
 * Runs one schedule: builds the world of a {@link Scenario}, applies its steps, checks the
 * safety properties at every event boundary, then heals the world and checks that it
 * recovers and shuts down cleanly.
 *
 * @module
 */
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
import { rateAt, recoveryBoundMs, type Scenario, stopBoundMs } from './scenario.js';
import { createSimNode, type ElectorFactory, type SimNode } from './sim-node.js';
import { createSimServer, type SimServer } from './sim-server.js';
import { describeStep, type Step, type Target } from './steps.js';
import { describeRun } from './trace.js';
import type { CallMethod } from './transport.js';
import { createWorld, type World } from './world.js';

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
    const writes: AttributedWrite[] = server.store.writes.map((record) => ({
      record,
      attribution: server.attribution(record),
    }));
    violations.push(...writeChecker.check(writes, (client) => electors.has(client)));
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

  /**
   * Uses up whatever is left in the store's fault queue with calls that change nothing (a read;
   * a replace or create that is refused anyway), as time would in a healthy world. A create
   * fault can only be used up while a Lease exists; the count of those left is returned.
   */
  const drainStoreFaults = async (): Promise<number> => {
    const signal = new AbortController().signal;
    const ignore = () => {};
    let createsLeft = 0;
    for (const method of storeFaults.splice(0)) {
      const lease = server.store.current();
      if (method === 'get') await server.store.get(signal).catch(ignore);
      else if (method === 'list') await server.store.list(signal).catch(ignore);
      else if (method === 'replace' && lease) {
        await server.store.replace(lease.object, '1', signal).catch(ignore); // never current
      } else if (method === 'create' && lease) {
        await server.store.create(lease.object, signal).catch(ignore); // already exists
      } else createsLeft++;
    }
    return createsLeft;
  };

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

  /** A user action runs inside the process, like any other event reaching it. */
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

  const act = (step: Step) => {
    switch (step.kind) {
      case 'advance':
        return;
      case 'stop': {
        const node = current(step.slot);
        if (alive(node)) callStop(node);
        return;
      }
      case 'stepDown': {
        const node = current(step.slot);
        if (!alive(node)) return;
        node.process.deliver('message', () => {
          counters.count('stepDown');
          void node.elector.stepDown();
        });
        return;
      }
      case 'crash': {
        const node = current(step.slot);
        if (node.process.status() === 'crashed') return;
        counters.count('crash');
        node.process.crash();
        return;
      }
      case 'restart': {
        const old = current(step.slot);
        const slot = old.slot;
        old.process.crash();
        incarnations[slot] = (incarnations[slot] ?? 0) + 1;
        counters.count(step.sameIdentity ? 'restart (same identity)' : 'restart (new identity)');
        const identity = step.sameIdentity ? old.identity : `c${slot}.${incarnations[slot]}`;
        spawn(slot, identity, old.clock.rate());
        return;
      }
      case 'stall': {
        const node = current(step.slot);
        if (node.process.status() === 'crashed') return;
        counters.count('stall');
        node.process.stall(step.ms);
        return;
      }
      case 'partition':
        current(step.slot).transport.partition(step.mode);
        return;
      case 'heal':
        current(step.slot).transport.heal();
        return;
      case 'fail':
        current(step.slot).transport.failNext(step.fault, step.method ?? undefined);
        return;
      case 'dropWatch':
        current(step.slot).transport.dropWatches(step.end === 'clean' ? undefined : step.end);
        return;
      case 'goneAll':
        counters.count('watch 410 gone (all, compacted)');
        server.store.compact();
        server.store.dropWatches('gone');
        return;
      case 'compact':
        counters.count('history compacted');
        server.store.compact();
        return;
      case 'bookmark':
        counters.count('bookmark sent');
        server.store.bookmark();
        return;
      case 'storeFail':
        storeFaults.push(step.method);
        server.store.failNext(step.error, {
          method: step.method,
          afterCommit: step.afterCommit && (step.method === 'create' || step.method === 'replace'),
        });
        return;
      case 'link':
        current(step.slot).transport.setProfile(LINK_PROFILES[step.profile]);
        return;
      case 'rate':
        counters.count('clock rate changed');
        current(step.slot).clock.setRate(rateAt(scenario, step.fraction));
        return;
      case 'wallStep':
        counters.count('wall clock stepped');
        current(step.slot).clock.stepWall(step.ms);
        return;
      case 'wallFreeze':
        counters.count('wall clock stepped');
        current(step.slot).clock.freezeWall(step.frozen);
        return;
      case 'prefer': {
        counters.count('preferredHolder changed');
        const preferred = step.slot === null ? null : current(step.slot).identity;
        void server.operatorEdit((object) => {
          const spec = { ...(object.spec ?? {}) };
          if (preferred === null) {
            delete spec.preferredHolder;
          } else {
            spec.strategy = 'OldestEmulationVersion';
            spec.preferredHolder = preferred;
          }
          return { ...object, spec };
        });
        return;
      }
      case 'label':
        counters.count('foreign label edit');
        void server.operatorEdit((object) => ({
          ...object,
          metadata: {
            ...object.metadata,
            labels: { ...(object.metadata.labels ?? {}), edited: String(world.now()) },
          },
        }));
        return;
    }
  };

  const simulation: Simulation = {
    world,
    server,
    counters,
    nodes,
    terms: termLog.terms,
    current,
    async apply(step) {
      world.enqueue(() => act(step));
      await simulation.run(step.kind === 'advance' ? step.ms : 0);
    },
    async run(ms) {
      await world.run(ms);
      throwIfViolated();
    },
    async recover() {
      // A healthy world: every link healed and back to the scenario's network, no faults queued.
      for (const slot of slots) {
        slot.transport.heal();
        slot.transport.setProfile(settings.link);
        slot.transport.clearFaults();
      }
      const faultsLeft = await drainStoreFaults();
      const live = () => slots.filter(alive);
      // Coordinated election's controller keeps preferredHolder naming a live candidate; a
      // healthy world has one that does, or none. (Naming a candidate that is gone makes the
      // others flap: see the known issue in regressions.test.ts.)
      const preferred = server.store.current()?.record.preferredHolder ?? null;
      if (preferred !== null && !live().some((node) => node.identity === preferred)) {
        world.enqueue(() => {
          void server.operatorEdit((object) => {
            const { preferredHolder: _gone, ...spec } = object.spec ?? {};
            return { ...object, spec };
          });
        });
        await simulation.run(0);
      }
      if (live().length > 0) {
        // A create fault still queued costs whoever creates the Lease one more backoff.
        const bound = recoveryBoundMs(scenario) * (1 + faultsLeft);
        const start = world.now();
        while (!live().some((node) => node.elector.isLeader)) {
          if (world.now() - start > bound) {
            throw new InvariantViolation({
              property: 'L0',
              at: world.now(),
              message:
                `no leader ${bound} ms after the world healed, with live candidates: ` +
                live()
                  .map((node) => `${node.identity} (${probe(node).describe()})`)
                  .join('; '),
            });
          }
          await simulation.run(500);
        }
      }
      // L3: stop() settles, and leaves no timer, call or watch behind.
      for (const node of live()) callStop(node);
      const stopBound = stopBoundMs(scenario) + 30_000;
      // Requested, not settled, and not dead: a stop held by a stall counts as pending.
      const stopping = () =>
        nodes.filter(
          (node) =>
            node.stopRequestedAt !== null &&
            node.stop?.settledAt == null &&
            node.process.status() !== 'crashed',
        );
      const start = world.now();
      while (stopping().length > 0) {
        if (world.now() - start > stopBound) {
          throw new InvariantViolation({
            property: 'L3',
            at: world.now(),
            message:
              `stop() has not settled ${stopBound} ms after the world healed: ` +
              stopping()
                .map(
                  (node) =>
                    `${node.identity} (stop requested at t=${node.stopRequestedAt}, ${probe(node).describe()})`,
                )
                .join('; '),
          });
        }
        await simulation.run(500);
      }
      for (const node of nodes) {
        if (node.stop === null || node.process.status() === 'crashed') continue;
        const left = [
          node.clock.pendingTimers() > 0 && `${node.clock.pendingTimers()} timers`,
          node.transport.pendingCalls() > 0 && `${node.transport.pendingCalls()} calls`,
          node.transport.openWatches() > 0 && `${node.transport.openWatches()} watches`,
          node.elector.state.role !== 'stopped' && `role ${node.elector.state.role}`,
          node.stop.error !== null && `stop() rejected: ${String(node.stop.error)}`,
        ].filter(Boolean);
        if (left.length > 0) {
          throw new InvariantViolation({
            property: 'L3',
            at: world.now(),
            message: `${node.identity} after stop(): ${left.join(', ')}`,
          });
        }
      }
      // Watch requests still travelling reach the server, find their client gone, and end.
      await simulation.run(30_000);
      if (server.store.activeWatches() > 0) {
        throw new InvariantViolation({
          property: 'L3',
          at: world.now(),
          message: `${server.store.activeWatches()} watches still open on the server after every elector stopped or died`,
        });
      }
    },
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
