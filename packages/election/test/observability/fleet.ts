/**
 * A small fleet of electors on one in-memory Lease and one manual clock, with a switch per
 * elector that cuts it off from the store (every call hangs, as in an API outage).
 *
 * @module
 */
import type { LeaseStore } from '../../src/core/lease-store.js';
import {
  createManualClock,
  flushMicrotasks,
  type ManualClock,
} from '../../src/core/manual-clock.js';
import type { ElectorEvent } from '../../src/handle/elector-events.js';
import {
  createLeaderElector,
  type LeaderElector,
  type LeaderElectorOptions,
} from '../../src/handle/leader-elector.js';
import {
  createInMemoryLeaseStore,
  type InMemoryLeaseStore,
  type InMemoryLeaseStoreOptions,
} from '../../src/store/index.js';

export const NAME = 'lease';
export const NAMESPACE = 'ns';

/** A view of `inner` that hangs every call while `cut` is set. */
function switchable(inner: LeaseStore) {
  let cut = false;
  let writesCut = false;
  const streams = new Set<AbortController>();
  const hang = <T>(signal: AbortSignal) =>
    new Promise<T>((_resolve, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
    );
  const call = <T>(signal: AbortSignal, run: () => Promise<T>) => (cut ? hang<T>(signal) : run());
  const store: LeaseStore = {
    name: inner.name,
    namespace: inner.namespace,
    get: (signal) => call(signal, () => inner.get(signal)),
    list: (signal) => call(signal, () => inner.list(signal)),
    create: (object, signal) =>
      writesCut ? hang(signal) : call(signal, () => inner.create(object, signal)),
    replace: (object, version, signal) =>
      writesCut ? hang(signal) : call(signal, () => inner.replace(object, version, signal)),
    watch: (options) => {
      if (cut) return hang<void>(options.signal).catch(() => {});
      const stream = new AbortController();
      streams.add(stream);
      options.signal.addEventListener('abort', () => stream.abort(), { once: true });
      return inner
        .watch({ ...options, signal: stream.signal })
        .finally(() => streams.delete(stream));
    },
  };
  return {
    store,
    cut() {
      cut = true;
      for (const stream of streams) stream.abort();
    },
    cutWrites() {
      writesCut = true;
    },
    heal() {
      cut = false;
      writesCut = false;
    },
  };
}

export interface Fleet {
  readonly clock: ManualClock;
  readonly store: InMemoryLeaseStore;
  readonly electors: LeaderElector[];
  /** Events of each elector since it was created. */
  readonly events: ElectorEvent[][];
  /** Cut elector `i` off from the store, or reconnect it. */
  cut(i: number): void;
  /** Make only elector `i`'s writes hang. */
  cutWrites(i: number): void;
  heal(i: number): void;
  settle(): Promise<void>;
  advance(ms: number): Promise<void>;
  stopAll(): Promise<void>;
}

/** Creates `count` electors named `candidate-<i>` (not started). */
export function createFleet(
  count: number,
  overrides: Partial<LeaderElectorOptions> = {},
  storeOptions: Partial<InMemoryLeaseStoreOptions> = {},
): Fleet {
  const clock = createManualClock();
  const store = createInMemoryLeaseStore({
    name: NAME,
    namespace: NAMESPACE,
    clock,
    precreated: true,
    ...storeOptions,
  });
  const switches = Array.from({ length: count }, () => switchable(store));
  const events: ElectorEvent[][] = [];
  const electors = switches.map((s, i) => {
    const elector = createLeaderElector({
      name: NAME,
      namespace: NAMESPACE,
      identity: `candidate-${i}`,
      store: s.store,
      clock,
      random: () => 0.5,
      keepProcessAlive: false,
      ...overrides,
    });
    const seen: ElectorEvent[] = [];
    events.push(seen);
    elector.events$.subscribe((event) => seen.push(event));
    return elector;
  });
  const fleet: Fleet = {
    clock,
    store,
    electors,
    events,
    cut: (i) => switches[i]!.cut(),
    cutWrites: (i) => switches[i]!.cutWrites(),
    heal: (i) => switches[i]!.heal(),
    settle: () => flushMicrotasks(5),
    async advance(ms) {
      await clock.advanceAsync(ms);
      await flushMicrotasks(5);
    },
    async stopAll() {
      for (const s of switches) s.heal();
      await Promise.race([Promise.all(electors.map((e) => e.stop())), fleet.advance(120_000)]);
    },
  };
  return fleet;
}

/** The types of `events`, in order. */
export const typesOf = (events: readonly ElectorEvent[]) => events.map((e) => e.type);
