/**
 * The simulation's properties as test definitions, shared by the default run and the deep
 * run (which only differ in how many schedules they execute). Each definition prints a
 * summary when its file finishes: schedules per second, simulated time, terms, and the count
 * of every fault that took effect.
 *
 * @module
 */
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe } from 'vitest';
import { createFaultCounters, formatFaultSummary } from './fault-counters.js';
import { LINK_PROFILES, worstRoundTripMs } from './link-profiles.js';
import {
  type HandoverTimes,
  type LeaderExit,
  runHandovers,
  runStopWithoutHealing,
  runTransientFault,
} from './liveness.js';
import { replayParameters } from './run-sizes.js';
import { createRunStats } from './run-stats.js';
import {
  CHAOS_WEIGHTS,
  printableStep,
  type ScenarioSpace,
  scenarioArbitrary,
  scheduleArbitrary,
  stepArbitrary,
} from './schedule-arbitraries.js';
import { runSchedule } from './simulation.js';
import type { Step } from './steps.js';

/** No test timeout of its own: a deep run is as long as its schedule count makes it. */
const NO_TIMEOUT = 24 * 3_600_000;

/** The chaos property: random worlds, random faults, S1–S3 at every event, then recovery. */
export function defineChaosProperty(label: string, runs: number, shard = 0): void {
  const counters = createFaultCounters();
  const stats = createRunStats();
  let started = 0;
  afterAll(() => {
    console.log(stats.format(label, performance.now() - started));
    console.log(formatFaultSummary(`${label} faults`, runs, counters));
  });
  test.prop(
    // Store calls with and without timeouts of their own: the elector bounds every effect
    // itself (it did not always: see regressions.test.ts).
    [scheduleArbitrary({ requestTimeouts: [0.25, 0.5, 1, null] })],
    { numRuns: runs, ...replayParameters(shard) },
  )(
    'S1–S3 hold at every event, and the world recovers (L0, L3)',
    async ({ scenario, steps }) => {
      if (started === 0) started = performance.now();
      stats.add(await runSchedule(scenario, steps, { counters }));
    },
    NO_TIMEOUT,
  );
}

/** Healthy worlds: every call answers within its timeout; faults come only from the property. */
const healthy = (linkFilter?: ScenarioSpace['linkFilter']) =>
  scenarioArbitrary({
    // The Kubernetes adapter's default (10 s) is a whole renew deadline with client-go timing.
    requestTimeouts: [0.25, 0.5, 1, null],
    links: ['instant', 'lan', 'wan', 'laggingWatch'],
    candidates: [2, 5],
    ...(linkFilter ? { linkFilter } : {}),
  });

/**
 * For L1, followers must see a release before the releasing leader stops yielding (one lease
 * duration): with a watch lagging longer than that, the old leader legitimately retakes it.
 */
const seesReleasesInTime: ScenarioSpace['linkFilter'] = (link, timing) =>
  worstRoundTripMs(LINK_PROFILES[link]) < timing.leaseDurationMs;

/**
 * For L2, a renewal round may take three round trips (a 409 on the fast path, a read, a
 * replace) or a timed-out call plus a retry, and must still end before the deadline.
 */
const renewsThroughOneFault: ScenarioSpace['linkFilter'] = (link, timing) => {
  const { requestMs, responseMs } = LINK_PROFILES[link];
  return timing.retryPeriodMs + 4 * (requestMs[1] + responseMs[1]) < timing.renewDeadlineMs;
};

const oneTransientFault: fc.Arbitrary<Step> = fc
  .oneof(
    fc.record({
      kind: fc.constant('fail' as const),
      slot: fc.constant('leader' as const),
      fault: fc.constantFrom(
        'conflict',
        'unavailable',
        'throttled',
        'unavailable-after-commit',
        'lost-response',
      ),
      method: fc.constantFrom(null, 'get', 'list', 'replace'),
    }),
    fc.record({
      kind: fc.constant('dropWatch' as const),
      slot: fc.constant('leader' as const),
      end: fc.constantFrom('clean', 'gone', 'unavailable'),
    }),
    fc.record({ kind: fc.constantFrom('goneAll' as const, 'compact' as const, 'label' as const) }),
    fc.record({
      kind: fc.constant('storeFail' as const),
      error: fc.constantFrom('unavailable', 'conflict'),
      method: fc.constantFrom('get', 'list', 'replace'),
      afterCommit: fc.boolean(),
    }),
  )
  .map(printableStep);

/** L1–L3 in healthy worlds. */
export function defineLivenessProperties(label: string, runs: number): void {
  const counters = createFaultCounters();
  const times: HandoverTimes = { afterCrash: [], afterRelease: [] };
  const worst = (values: number[]) =>
    values.length === 0 ? '-' : `${values.reduce((a, b) => Math.max(a, b))} ms`;
  afterAll(() => {
    console.log(
      `${label} handovers: ${times.afterCrash.length} after a crash (worst ${worst(times.afterCrash)}), ` +
        `${times.afterRelease.length} after a release (worst ${worst(times.afterRelease)})`,
    );
    console.log(formatFaultSummary(`${label} faults`, runs * 3, counters));
  });
  const parameters = { numRuns: runs, ...replayParameters() };

  describe('L1: a live candidate takes over', () => {
    const exits = fc.array(
      fc.record({
        exit: fc.constantFrom<LeaderExit>('crash', 'stop', 'stepDown'),
        afterMs: fc.integer({ min: 0, max: 20_000 }),
      }),
      { minLength: 1, maxLength: 4 },
    );
    const scenarios = healthy(seesReleasesInTime).map((scenario) => ({
      ...scenario,
      releaseOnStop: true,
    }));
    test.prop([scenarios, exits], parameters)(
      'within leaseDuration + ε of a crash, and within ε′ (a watch delivery, three round trips) of a release',
      async (scenario, leaderExits) => {
        await runHandovers(scenario, leaderExits, { counters }, times);
      },
      NO_TIMEOUT,
    );
  });

  describe('L2: a single transient error never ends a term', () => {
    test.prop(
      [healthy(renewsThroughOneFault), fc.integer({ min: 0, max: 20_000 }), oneTransientFault],
      parameters,
    )(
      'the term in progress is still current three lease durations later',
      async (scenario, settleMs, fault) => {
        await runTransientFault(scenario, settleMs, fault, { counters });
      },
      NO_TIMEOUT,
    );
  });

  describe('L3: stop() always settles', () => {
    const hostile = healthy().chain((scenario) =>
      fc
        .array(stepArbitrary(scenario.timing, CHAOS_WEIGHTS), { maxLength: 20, size: 'max' })
        .map((steps) => ({ scenario, steps })),
    );
    test.prop([hostile], parameters)(
      'even with partitions still in place, and leaves no timer, call or watch behind',
      async ({ scenario, steps }) => {
        await runStopWithoutHealing(scenario, steps, { counters });
      },
      NO_TIMEOUT,
    );
  });
}
