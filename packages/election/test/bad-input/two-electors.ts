/**
 * Two real electors on one manual clock and one store, with "never two leaders" checked at
 * every state change and at every step of time — the fixture of the bad-input tests.
 *
 * @module
 */
import { expect } from 'vitest';
import type { LeaseStore } from '../../src/core/lease-store.js';
import {
  createManualClock,
  flushMicrotasks,
  type ManualClock,
} from '../../src/core/manual-clock.js';
import { createLeaderElector, type LeaderElector } from '../../src/handle/leader-elector.js';

export interface TwoElectors {
  readonly clock: ManualClock;
  readonly electors: readonly [LeaderElector, LeaderElector];
  /** Moves time in 100 ms steps, checking at most one leader after each. */
  advance(ms: number): Promise<void>;
  leaders(): string[];
  /** Stops both and checks that nothing is left running. */
  stop(): Promise<void>;
}

/** Timing used throughout: lease 4 s, renew deadline 3 s, retry 1 s. */
export const TIMING = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 };

export function twoElectors(
  store: LeaseStore,
  options: { start?: readonly ('a' | 'b')[] } = {},
): TwoElectors {
  const clock = createManualClock();
  const make = (identity: string) =>
    createLeaderElector({
      name: store.name,
      namespace: store.namespace,
      identity,
      store,
      clock,
      random: () => 0.5,
      ...TIMING,
    });
  const electors = [make('a'), make('b')] as const;
  const leaders = () => electors.filter((e) => e.isLeader).map((e) => e.config.identity);
  const violations: string[] = [];
  for (const elector of electors) {
    elector.state$.subscribe(() => {
      if (leaders().length > 1) violations.push(`t=${clock.now()}: ${leaders().join(', ')}`);
    });
  }
  for (const identity of options.start ?? ['a', 'b']) {
    electors[identity === 'a' ? 0 : 1].start();
  }
  return {
    clock,
    electors,
    leaders,
    async advance(ms) {
      for (let done = 0; done < ms; done += 100) {
        await clock.advanceAsync(Math.min(100, ms - done));
        expect(leaders().length, `two leaders at t=${clock.now()}`).toBeLessThanOrEqual(1);
      }
      await flushMicrotasks();
      expect(violations).toEqual([]);
    },
    async stop() {
      const stopping = Promise.all(electors.map((e) => e.stop()));
      for (let i = 0; i < 200 && clock.pendingTimers() > 0; i++) await clock.advanceAsync(100);
      await stopping;
      expect(clock.pendingTimers()).toBe(0);
      expect(violations).toEqual([]);
    },
  };
}
