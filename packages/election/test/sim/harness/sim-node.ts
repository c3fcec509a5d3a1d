/**
 * One incarnation of an elector in the simulation: a process, its clock, its link to the server
 * and the real `createLeaderElector` on top, plus leader work and what the checks observe.
 *
 * @module
 */
import type { ElectionTiming } from '../../../src/core/config.js';
import type { createLeaderElector, LeaderElector } from '../../../src/handle/leader-elector.js';
import type { LeadershipState, Term } from '../../../src/handle/leadership-state.js';
import type { FaultCounters } from './fault-counters.js';
import type { Random } from './random.js';
import { createSimProcess, type SimProcess } from './sim-process.js';
import { LEASE_NAME, LEASE_NAMESPACE, type SimServer } from './sim-server.js';
import { createSkewedClock, type SkewedClock } from './skewed-clock.js';
import { createTransport, type LinkProfile, type Transport } from './transport.js';
import type { World } from './world.js';

/** The part of a `LeaderElector` the simulation drives and observes. */
export type ElectorUnderTest = Pick<
  LeaderElector,
  'start' | 'stop' | 'stepDown' | 'runWhileLeader' | 'state$' | 'state' | 'isLeader' | 'config'
>;

/** Builds the elector of an incarnation; the default is the real one. Mutants replace it. */
export type ElectorFactory = (
  options: Parameters<typeof createLeaderElector>[0],
) => ElectorUnderTest;

/** What leader work does when its term ends. */
export type WorkStyle =
  /** Stops as soon as the signal aborts. */
  | { readonly kind: 'prompt' }
  /** Needs `ms` more (on the elector's clock) to wind down. */
  | { readonly kind: 'slow'; readonly ms: number }
  /** Ignores the signal: never finishes, so draining relies on `drainTimeoutMs`. */
  | { readonly kind: 'stuck' };

export interface NodeSettings {
  readonly timing: ElectionTiming;
  readonly link: LinkProfile;
  readonly requestTimeoutMs: number | null;
  readonly drainTimeoutMs: number;
  readonly releaseOnStop: boolean;
  readonly work: WorkStyle;
  readonly createElector: ElectorFactory;
}

export interface SimNode {
  readonly slot: number;
  readonly identity: string;
  readonly process: SimProcess;
  readonly clock: SkewedClock;
  readonly transport: Transport;
  readonly elector: ElectorUnderTest;
  /** The term last published by the elector (kept after it ends, for the deadline check). */
  readonly lastTerm: Term | null;
  /** Real time at which the user asked to stop (the call may wait out a stall). */
  stopRequestedAt: number | null;
  /** Set when `stop()` was actually called. */
  stop: { readonly at: number; settledAt: number | null; error: unknown } | null;
  /** Every state the elector published, with the real time. */
  readonly history: { readonly at: number; readonly state: LeadershipState }[];
}

export interface NodeHooks {
  /** A new term was published (S1 and S2 are checked right there). */
  onTermStart(node: SimNode, term: Term): void;
}

export function createSimNode(args: {
  readonly slot: number;
  readonly identity: string;
  readonly rate: number;
  readonly world: World;
  readonly server: SimServer;
  readonly random: Random;
  readonly counters: FaultCounters;
  readonly settings: NodeSettings;
  readonly hooks: NodeHooks;
}): SimNode {
  const { world, server, random, counters, settings, identity } = args;
  const process = createSimProcess(identity, world, counters);
  // Offsets differ per process and never matter: only rates do.
  const clock = createSkewedClock({
    world,
    process,
    rate: args.rate,
    start: random.int(0, 1_000_000),
    wallStart: 1_800_000_000_000 + random.int(-60_000, 60_000),
  });
  const transport = createTransport({
    client: identity,
    world,
    server,
    process,
    clock,
    random: random.fork(),
    counters,
    profile: settings.link,
    requestTimeoutMs: settings.requestTimeoutMs,
  });
  const elector = settings.createElector({
    name: LEASE_NAME,
    namespace: LEASE_NAMESPACE,
    identity,
    store: transport.store,
    clock,
    random: random.fork(),
    ...settings.timing,
    releaseOnStop: settings.releaseOnStop,
    drainTimeoutMs: settings.drainTimeoutMs,
    // No real timer in a simulation: a crashed elector is never stopped, and its keep-alive
    // interval would hold the whole simulated world in memory.
    keepProcessAlive: false,
  });

  const node: SimNode = {
    slot: args.slot,
    identity,
    process,
    clock,
    transport,
    elector,
    lastTerm: null,
    stopRequestedAt: null,
    stop: null,
    history: [],
  };
  elector.state$.subscribe((state) => {
    node.history.push({ at: world.now(), state });
    if (state.term !== null && state.term !== node.lastTerm) {
      (node as { lastTerm: Term | null }).lastTerm = state.term;
      args.hooks.onTermStart(node, state.term);
    }
  });
  elector.runWhileLeader((term) => runWork(term, settings.work, world, process));
  return node;
}

/**
 * Leader work: waits for the end of the term, then winds down as its style says. Its timers
 * go through the process (a stalled process's work is stalled too) but not through the
 * elector's clock, so the no-timers-left check counts only the library's own timers.
 */
function runWork(term: Term, style: WorkStyle, world: World, process: SimProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    const ended = () => {
      if (style.kind === 'prompt') resolve();
      else if (style.kind === 'slow') {
        world.schedule(style.ms, () => process.deliver('timer', resolve));
      }
    };
    if (term.signal.aborted) ended();
    else term.signal.addEventListener('abort', ended, { once: true });
  });
}
