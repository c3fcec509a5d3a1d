/**
 * L1–L3 in healthy worlds: handover times after a crash or a release, terms that survive one
 * transient error, and stop() settling even while the API is unreachable.
 */
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe } from 'vitest';
import { createFaultCounters, formatFaultSummary } from './harness/fault-counters.js';
import { LINK_PROFILES, worstRoundTripMs } from './harness/link-profiles.js';
import {
  type HandoverTimes,
  type LeaderExit,
  runHandovers,
  runStopWithoutHealing,
  runTransientFault,
} from './harness/liveness.js';
import { LIVENESS_RUNS } from './harness/run-sizes.js';
import {
  CHAOS_WEIGHTS,
  printableStep,
  type ScenarioSpace,
  scenarioArbitrary,
  stepArbitrary,
} from './harness/schedule-arbitraries.js';
import type { Step } from './harness/steps.js';

const counters = createFaultCounters();
const times: HandoverTimes = { afterCrash: [], afterRelease: [] };
const worst = (values: number[]) => (values.length === 0 ? '-' : `${Math.max(...values)} ms`);
afterAll(() => {
  console.log(
    `handovers: ${times.afterCrash.length} after a crash (worst ${worst(times.afterCrash)}), ` +
      `${times.afterRelease.length} after a release (worst ${worst(times.afterRelease)})`,
  );
  console.log(formatFaultSummary('liveness faults', LIVENESS_RUNS * 3, counters));
});

/** Healthy: every call answers within its timeout; faults come only from the property. */
const healthy = (linkFilter?: ScenarioSpace['linkFilter']) =>
  scenarioArbitrary({
    requestTimeouts: [0.25, 0.5],
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

describe('L1: a live candidate takes over', () => {
  const exits = fc.array(
    fc.record({
      exit: fc.constantFrom<LeaderExit>('crash', 'stop', 'stepDown'),
      afterMs: fc.integer({ min: 0, max: 20_000 }),
    }),
    { minLength: 1, maxLength: 4 },
  );
  test.prop(
    [healthy(seesReleasesInTime).map((scenario) => ({ ...scenario, releaseOnStop: true })), exits],
    {
      numRuns: LIVENESS_RUNS,
    },
  )(
    'within leaseDuration + ε of a crash, and within ε′ (a watch delivery, three round trips) of a release',
    async (scenario, leaderExits) => {
      await runHandovers(scenario, leaderExits, { counters }, times);
    },
    600_000,
  );
});

describe('L2: a single transient error never ends a term', () => {
  const leader = 'leader' as const;
  const fault: fc.Arbitrary<Step> = fc
    .oneof(
      fc.record({
        kind: fc.constant('fail' as const),
        slot: fc.constant(leader),
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
        slot: fc.constant(leader),
        end: fc.constantFrom('clean', 'gone', 'unavailable'),
      }),
      fc.record({
        kind: fc.constantFrom('goneAll' as const, 'compact' as const, 'label' as const),
      }),
      fc.record({
        kind: fc.constant('storeFail' as const),
        error: fc.constantFrom('unavailable', 'conflict'),
        method: fc.constantFrom('get', 'list', 'replace'),
        afterCommit: fc.boolean(),
      }),
    )
    .map(printableStep);
  test.prop([healthy(renewsThroughOneFault), fc.integer({ min: 0, max: 20_000 }), fault], {
    numRuns: LIVENESS_RUNS,
  })(
    'the term in progress is still current three lease durations later',
    async (scenario, settleMs, oneFault) => {
      await runTransientFault(scenario, settleMs, oneFault, { counters });
    },
    600_000,
  );
});

describe('L3: stop() always settles', () => {
  const hostile = healthy().chain((scenario) =>
    fc
      .array(stepArbitrary(scenario.timing, CHAOS_WEIGHTS), { maxLength: 20, size: 'max' })
      .map((steps) => ({ scenario, steps })),
  );
  test.prop([hostile], { numRuns: LIVENESS_RUNS })(
    'even with partitions still in place, and leaves no timer, call or watch behind',
    async ({ scenario, steps }) => {
      await runStopWithoutHealing(scenario, steps, { counters });
    },
    600_000,
  );
});
