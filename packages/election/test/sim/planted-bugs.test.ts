/**
 * Four realistic bugs, planted one at a time in a copy of the elector (harness/plants.ts,
 * mocked into the module that holds the rule): the narrow-window search, at the size `pnpm
 * test` runs it, must find each — with a fresh seed every run, so this is the claim "the
 * default budget catches it", not "one lucky seed does". The real elector passes the same
 * search in narrow-windows.test.ts; the directed unit tests of each rule are in
 * test/timing/deadlines.test.ts and test/timing/lease-writes.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { InvariantViolation, PropertyName } from './harness/invariants.js';
import {
  acquisitionDeadlineFromAnswer,
  followerOneRetryEarly,
  LEASE_VIEW,
  LEASE_WRITES,
  releaseWithoutHolderCheck,
  renewalDeadlineFromAnswer,
} from './harness/plants.js';
import { DEFAULT_RUNS } from './harness/run-sizes.js';

/** Runs the default narrow-window search with `plant` mocked into `path`. */
async function searchWith<M>(path: string, plant: (real: M) => M) {
  vi.resetModules();
  vi.doMock(path, async (importOriginal) => plant(await importOriginal<M>()));
  try {
    const { narrowWindowSchedule } = await import('./harness/narrow-windows.js');
    const { runSchedule } = await import('./harness/simulation.js');
    const { InvariantViolation: Violation } = await import('./harness/invariants.js');
    let schedules = 0;
    const result = await fc.check(
      fc.asyncProperty(narrowWindowSchedule(), async ({ scenario, steps }) => {
        schedules++;
        await runSchedule(scenario, steps);
      }),
      { numRuns: DEFAULT_RUNS.narrowWindows, endOnFailure: true },
    );
    const error = result.errorInstance;
    const violation =
      error instanceof Violation ? (error as InvariantViolation).violation : undefined;
    console.log(`planted ${path}: found after ${schedules} schedules (seed ${result.seed})`);
    return { schedules, seed: result.seed, violation, error };
  } finally {
    vi.doUnmock(path);
    vi.resetModules();
  }
}

const expectFound = (
  found: Awaited<ReturnType<typeof searchWith>>,
  property: PropertyName,
  message: RegExp,
) => {
  expect(
    found.error,
    `seed ${found.seed}: nothing found in ${found.schedules} schedules`,
  ).toBeDefined();
  expect(found.violation?.property, String(found.error)).toBe(property);
  expect(found.violation?.message).toMatch(message);
};

const TWO_LEADERS = /2 electors report isLeader/;

describe('the default narrow-window search finds each planted bug', () => {
  it('1: the renewal deadline counted from its answer', async () => {
    expectFound(await searchWith(LEASE_WRITES, renewalDeadlineFromAnswer), 'S1', TWO_LEADERS);
  }, 120_000);

  it('2: the acquisition deadline counted from its answer', async () => {
    expectFound(await searchWith(LEASE_WRITES, acquisitionDeadlineFromAnswer), 'S1', TWO_LEADERS);
  }, 120_000);

  it("3: a follower taking the Lease one retry period before the holder's expiry", async () => {
    expectFound(await searchWith(LEASE_VIEW, followerOneRetryEarly), 'S1', TWO_LEADERS);
  }, 120_000);

  it('4: a release that does not check that we still hold the Lease', async () => {
    expectFound(
      await searchWith(LEASE_WRITES, releaseWithoutHolderCheck),
      'S3',
      /released a Lease held by/,
    );
  }, 120_000);
});
