/**
 * Electors on one in-memory store, each behind its own {@link Link}, all driven by one manual
 * clock (or a rated view of it).
 *
 * @module
 */
import type { Clock } from '../../src/core/clock.js';
import type { ElectionTiming } from '../../src/core/config.js';
import {
  createManualClock,
  flushMicrotasks,
  type ManualClock,
} from '../../src/core/manual-clock.js';
import { createLeaderElector, type LeaderElector } from '../../src/handle/leader-elector.js';
import { createInMemoryLeaseStore, type InMemoryLeaseStore } from '../../src/store/index.js';
import { createLink, type Link } from './link.js';

export const NAME = 'lease';
export const NAMESPACE = 'ns';

export interface TimingFixture {
  readonly clock: ManualClock;
  readonly store: InMemoryLeaseStore;
  /** Adds an elector (not started) behind its own link. */
  add(identity: string, options?: { clock?: Clock }): { elector: LeaderElector; link: Link };
  /** Lets every answer and event due now be handled. */
  settle(): Promise<void>;
  /** Advances real time, firing timers at their instants, then settles. */
  advance(ms: number): Promise<void>;
  /** Advances to real time `t`. */
  advanceTo(t: number): Promise<void>;
  /** Stops every elector, whatever state the links are in. */
  dispose(): Promise<void>;
}

export function timingFixture(timing: ElectionTiming): TimingFixture {
  const clock = createManualClock();
  const store = createInMemoryLeaseStore({
    name: NAME,
    namespace: NAMESPACE,
    clock,
    precreated: true,
  });
  const members: { elector: LeaderElector; link: Link }[] = [];
  const fixture: TimingFixture = {
    clock,
    store,
    add(identity, options = {}) {
      const own = options.clock ?? clock;
      const link = createLink(store, own);
      const elector = createLeaderElector({
        name: NAME,
        namespace: NAMESPACE,
        identity,
        store: link.store,
        clock: own,
        random: () => 0.5,
        keepProcessAlive: false,
        ...timing,
      });
      const member = { elector, link };
      members.push(member);
      return member;
    },
    settle: () => flushMicrotasks(5),
    async advance(ms) {
      await clock.advanceAsync(ms);
      await flushMicrotasks(5);
    },
    advanceTo: (t) => fixture.advance(t - clock.now()),
    async dispose() {
      for (const { link } of members) link.heal();
      await Promise.race([
        Promise.all(members.map(({ elector }) => elector.stop())),
        fixture.advance(120_000),
      ]);
    },
  };
  return fixture;
}
