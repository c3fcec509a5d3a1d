/**
 * Each property check can fail: run against a deliberately broken elector (or a world that
 * breaks the timing assumption), the same property finds a violation of the property the
 * mutation breaks — and the real elector passes the very same schedules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantViolation, type PropertyName } from './harness/invariants.js';
import { runHandovers, runStopWithoutHealing, runTransientFault } from './harness/liveness.js';
import {
  blindWatchElector,
  blindWriteElector,
  constantTokenElector,
  deafSignalElector,
  giveUpAfterOneErrorElector,
  leakyWatchElector,
  oneShotElector,
  roleFlagElector,
} from './harness/mutants.js';
import { type Scenario, TIGHT_TIMING } from './harness/scenario.js';
import {
  type ScenarioSpace,
  type Schedule,
  type StepWeights,
  scenarioArbitrary,
  scheduleArbitrary,
} from './harness/schedule-arbitraries.js';
import type { ElectorFactory } from './harness/sim-node.js';
import { runSchedule } from './harness/simulation.js';

const SEED = 20_261_125;

/** Runs `property` over `arbitrary` and returns the violation it found, if any. */
async function findViolation<T>(
  arbitrary: fc.Arbitrary<T>,
  property: (value: T) => Promise<unknown>,
  numRuns: number,
): Promise<{ property: PropertyName; message: string } | null> {
  const result = await fc.check(
    fc.asyncProperty(arbitrary, async (value) => {
      await property(value);
    }),
    { seed: SEED, numRuns, endOnFailure: true },
  );
  if (!result.failed) return null;
  const error = result.errorInstance;
  if (!(error instanceof InvariantViolation)) throw error;
  return error.violation;
}

const schedules = (space: ScenarioSpace, weights: StepWeights, maxSteps = 12) =>
  scheduleArbitrary({ requestTimeouts: [0.25, 0.5], ...space }, weights, maxSteps);

const runWith =
  (createElector?: ElectorFactory) =>
  ({ scenario, steps }: Schedule) =>
    runSchedule(scenario, steps, createElector ? { createElector } : {});

describe('S1 can fail', () => {
  it('with clock rates beyond the bound (ρ·renewDeadline ≥ leaseDuration), two electors lead at once', async () => {
    const beyond = schedules(
      { rhoOfLimit: [1.3, 2], links: ['instant', 'lan'] },
      { advance: 3, crash: 1, partition: 1 },
    );
    const found = await findViolation(beyond, runWith(), 200);
    expect(found?.property).toBe('S1');
    const within = schedules(
      { rhoOfLimit: [0, 0.999], links: ['instant', 'lan'] },
      { advance: 3, crash: 1, partition: 1 },
    );
    expect(await findViolation(within, runWith(), 60)).toBeNull();
  });

  const stalls = schedules({ links: ['instant', 'lan'] }, { advance: 2, stall: 2 });

  it('with isLeader a flag cleared by a timer, a stalled leader still claims to lead', async () => {
    const found = await findViolation(stalls, runWith(roleFlagElector), 300);
    expect(found?.property).toBe('S1');
    expect(await findViolation(stalls, runWith(), 60)).toBeNull();
  });

  it('with blind writes (a decision on a stale view overwrites the current holder), S3 fails', async () => {
    const stale = schedules(
      { links: ['laggingWatch', 'wan'] },
      { advance: 3, partition: 1, heal: 1, stall: 1, dropWatch: 1 },
    );
    const found = await findViolation(stale, runWith(blindWriteElector), 500);
    // S3 is the check this mutant breaks: the acquisition written over a newer version than
    // it was decided on carries a token computed from the stale record (not previous + 1).
    expect(found?.property).toBe('S3');
    expect(found?.message).toMatch(/acquired with fencing token (\d+) after \1$/);
    expect(await findViolation(stale, runWith(), 60)).toBeNull();
  });
});

describe('S2 can fail', () => {
  const handovers = schedules({ links: ['instant', 'lan'] }, { advance: 2, crash: 1, stepDown: 1 });

  it('with a fencing token that does not move, successive terms repeat it', async () => {
    const found = await findViolation(handovers, runWith(constantTokenElector), 200);
    expect(found?.property).toBe('S2');
    expect(found?.message).toMatch(/fencing token 0 \(fence \d+\), not above 0 \(fence \d+\)/);
    expect(await findViolation(handovers, runWith(), 60)).toBeNull();
  });

  it('with a term signal that never aborts, the check sees a term past its deadline', async () => {
    const found = await findViolation(handovers, runWith(deafSignalElector), 200);
    expect(found?.property).toBe('S2');
    expect(found?.message).toMatch(/signal not aborted/);
    // (the real elector passes these schedules in the previous test)
  });
});

describe('liveness checks can fail', () => {
  const healthy = scenarioArbitrary({
    requestTimeouts: [0.25],
    links: ['lan'],
    candidates: [3, 3],
  });
  const times = { afterCrash: [], afterRelease: [] };

  it('L0: a one-shot elector (client-go style) leaves the Lease unled after its first term', async () => {
    const found = await findViolation(
      schedules({ links: ['lan'], candidates: [2, 2] }, { advance: 2, crash: 1, stepDown: 2 }),
      runWith(oneShotElector),
      300,
    );
    expect(found?.property).toBe('L0');
    expect(
      await findViolation(
        schedules({ links: ['lan'], candidates: [2, 2] }, { advance: 2, crash: 1, stepDown: 2 }),
        runWith(),
        60,
      ),
    ).toBeNull();
  });

  it('L1: a follower whose watch delivers nothing notices a release only by expiry', async () => {
    const stops = fc.constant([{ exit: 'stop' as const, afterMs: 1_000 }]);
    const arbitrary = fc.tuple(
      healthy.map((scenario): Scenario => ({ ...scenario, releaseOnStop: true })),
      stops,
    );
    const found = await findViolation(
      arbitrary,
      ([scenario, exits]) =>
        runHandovers(scenario, exits, { createElector: blindWatchElector }, times),
      50,
    );
    expect(found?.property).toBe('L1');
    expect(
      await findViolation(
        arbitrary,
        ([scenario, exits]) => runHandovers(scenario, exits, {}, times),
        50,
      ),
    ).toBeNull();
  });

  it('L2: an elector that gives up after one failed renewal loses its term to one 503', async () => {
    const arbitrary = healthy.map((scenario): Scenario => ({ ...scenario, timing: TIGHT_TIMING }));
    const oneFault = {
      kind: 'fail',
      slot: 'leader',
      fault: 'unavailable',
      method: 'replace',
    } as const;
    const found = await findViolation(
      arbitrary,
      (scenario) =>
        runTransientFault(scenario, 1_500, oneFault, { createElector: giveUpAfterOneErrorElector }),
      20,
    );
    expect(found?.property).toBe('L2');
    expect(
      await findViolation(
        arbitrary,
        (scenario) => runTransientFault(scenario, 1_500, oneFault, {}),
        20,
      ),
    ).toBeNull();
  });

  it('L3: a watch that ignores its abort outlives stop()', async () => {
    const arbitrary = healthy.map((scenario) => ({
      scenario,
      steps: [{ kind: 'advance', ms: 1_000 } as const],
    }));
    const found = await findViolation(
      arbitrary,
      ({ scenario, steps }) =>
        runStopWithoutHealing(scenario, steps, { createElector: leakyWatchElector }),
      20,
    );
    expect(found?.property).toBe('L3');
    // The count, not the word: every L3 message names watches, even "0 watches".
    expect(found?.message).toMatch(/after stop\(\): 0 timers, 0 calls, [1-9]\d* watches/);
    expect(
      await findViolation(
        arbitrary,
        ({ scenario, steps }) => runStopWithoutHealing(scenario, steps, {}),
        20,
      ),
    ).toBeNull();
  });
});
