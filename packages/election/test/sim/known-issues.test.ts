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

describe('known issue: a Lease created and deleted while another elector’s watch is behind', () => {
  // c1 waits out the absence left by a deletion and creates the Lease; a third party deletes
  // it at once and c1 crashes while its term still runs. c0's watch lags, so c0 never sees
  // that Lease: to c0 the Lease has been absent since the first deletion, and the list c0
  // makes before creating finds it absent again. A create has no precondition but absence,
  // so c0 creates and leads while c1's term has not ended. Found by CI's pinned deep pass
  // (shard 2, seed 20261126) once deletions became chaos steps.
  it('shows two leaders (S1): the list before a create cannot see a Lease that came and went', async () => {
    const scenario: Scenario = {
      seed: 1445570756,
      timing: DEFAULT_TIMING,
      candidates: 2,
      rho: 1,
      rates: [1, 1, 1, 1],
      link: 'instant',
      requestTimeoutMs: 2_500,
      drainTimeoutMs: 1_500,
      releaseOnStop: false,
      work: { kind: 'slow', ms: 2_000 },
    };
    const steps: Step[] = [
      { kind: 'link', slot: 0, profile: 'laggingWatch' },
      { kind: 'deleteLease' },
      { kind: 'advance', ms: 15_000 },
      { kind: 'dropWatch', slot: 1, end: 'unavailable' },
      { kind: 'deleteLease' },
      { kind: 'crash', slot: 1 },
    ];
    await expect(runSchedule(scenario, steps)).rejects.toThrow(
      /S1 violated .*2 electors report isLeader: c0 .*c1 \(role leader, token 2.*process crashed\)/,
    );
  });
});
