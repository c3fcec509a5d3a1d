/**
 * Open known issues, each as the schedule that shows it. These tests pass while the issue is
 * there: each asserts the violation it documents, for its stated reason. When a fix lands the
 * test fails, and moves to regressions.test.ts asserting the opposite (see docs/safety.md,
 * "Known issues").
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING, type Scenario } from './harness/scenario.js';
import { runSchedule } from './harness/simulation.js';
import type { Step } from './harness/steps.js';

describe('known issue: a create racing another elector’s create and a deletion repeats a fence', () => {
  // Both electors wait out the first deletion and list the Lease absent at the same version,
  // the epoch each puts on the Lease it creates. c1's create lands, a third party deletes
  // it, and c0's create (its answers are slow) lands after that: a second object with the
  // same (epoch, token 0). Neither leads on its create — each one's watch shows the other
  // Lease, or the deletion, first — so no term carries the repeated fence here. But the
  // object keeps its stale epoch, and whoever takes it over later continues the count from
  // it, possibly below the last fence of the deleted object (S3). Found by a fresh-seed deep
  // pass (seed 32670175) once deletions were back in the random search.
  it('shows a repeated fence (S3): a create’s epoch is the version of the list before it, not of the create', async () => {
    const scenario: Scenario = {
      seed: 3,
      timing: DEFAULT_TIMING,
      candidates: 2,
      rho: 1,
      rates: [1, 1, 1, 1],
      link: 'slowAnswers',
      requestTimeoutMs: null,
      drainTimeoutMs: 7_500,
      releaseOnStop: false,
      work: { kind: 'slow', ms: 2_000 },
    };
    const steps: Step[] = [
      { kind: 'deleteLease' },
      { kind: 'advance', ms: 15_710 },
      { kind: 'deleteLease' },
    ];
    await expect(runSchedule(scenario, steps)).rejects.toThrow(
      /S3 violated .*c0 acquired with fence 12884901888 \(token 0\) after no Lease \(highest fence so far 12884901888\)/,
    );
  });
});
