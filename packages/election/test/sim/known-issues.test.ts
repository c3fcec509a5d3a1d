/**
 * Open issues the simulation found, reported and not fixed. Each test states the desired
 * behaviour and is marked `it.fails`; it fails only for the stated reason (anything else makes
 * it pass, which `it.fails` reports), and starts passing — so `it.fails` flags it — once
 * fixed. Then the marker comes off and the test moves to regressions.test.ts.
 */
import { describe, it } from 'vitest';
import { InvariantViolation, type PropertyName } from './harness/invariants.js';
import { DEFAULT_TIMING, FAST_TIMING } from './harness/scenario.js';
import { runSchedule } from './harness/simulation.js';

/**
 * Rethrows only the violation the issue is about — `property`, with a message matching
 * `reason` — so the expected failure is that one; anything else lets the test pass.
 */
async function failsOnlyWith(property: PropertyName, reason: RegExp, run: () => Promise<unknown>) {
  try {
    await run();
  } catch (error) {
    if (
      error instanceof InvariantViolation &&
      error.violation.property === property &&
      reason.test(error.violation.message)
    ) {
      throw error;
    }
    console.error('known issue test failed for another reason:', error);
  }
}

/** The write log shows a recreated Lease handing out a fencing token already used. */
const REPEATED_TOKEN_ON_RECREATE =
  /acquired with fencing token (\d+) after no Lease \(highest token so far \1\)/;

describe('a process that starts after the Lease was deleted', () => {
  // Found by the chaos property once deletions were among its steps. A deleted record that
  // named a holder is now waited out, and the count continues — by the electors that saw it.
  // A process that starts after the deletion (a restart, a scale-up) finds no Lease and
  // creates one at once, with fencing token 0: the deleted holder may still lead (its watch
  // lagging, its next renewal not yet due), and a token of the old term is handed out again,
  // so a downstream system cannot tell the two terms apart. Shrunk: 3 candidates, 15/10/2 s,
  // WAN, no request timeout, seed 226589395; steps: advance(2000ms), deleteLease(),
  // restart(leader). With a follower restarted instead and the leader's watch lagging, both
  // lead at once (t=3017 ms below). No process-local fix exists (nothing survives the
  // deletion but the server's own counter); possible ones: fence with the acquiring write's
  // resourceVersion, which etcd keeps increasing across deletions, or wait a lease duration
  // before creating a Lease that was never seen.
  it.fails('KNOWN ISSUE: never two leaders nor a repeated token when a process starts after a deletion. Schedule: scenario(3 candidates, 15/10/2 s, lan, request timeout 5 s, seed 3), steps: advance(3000ms), link(leader, laggingWatch), deleteLease(), restart(#0), advance(5000ms)', () =>
    failsOnlyWith('S3', REPEATED_TOKEN_ON_RECREATE, () =>
      runSchedule(
        {
          seed: 3,
          timing: DEFAULT_TIMING,
          candidates: 3,
          rho: 1,
          rates: [0, 0, 0, 0],
          link: 'lan',
          requestTimeoutMs: 5_000,
          drainTimeoutMs: 0,
          releaseOnStop: true,
          work: { kind: 'prompt' },
        },
        [
          { kind: 'advance', ms: 3_000 },
          { kind: 'link', slot: 'leader', profile: 'laggingWatch' },
          { kind: 'deleteLease' },
          { kind: 'restart', slot: 0, sameIdentity: false },
          { kind: 'advance', ms: 5_000 },
        ],
      ),
    ));

  // The count breaks without a newcomer too. Shrunk: 3 candidates, 3/2/0.5 s, instant, request
  // timeout 2 s, seed 643429757; steps: deleteLease(), partition(#0, reset), advance(2999ms),
  // deleteLease(). c0, cut off, misses the record that carried token 1; when the Lease is
  // deleted again and c0 recreates it, it continues from the last record it saw: token 1
  // again.
  it.fails('KNOWN ISSUE: a recreated Lease continues the fencing count even for an elector that missed the last record. Schedule: scenario(3 candidates, 3/2/0.5 s, instant, request timeout 2 s, seed 643429757), steps: deleteLease(), partition(#0, reset), advance(2999ms), deleteLease()', () =>
    failsOnlyWith('S3', REPEATED_TOKEN_ON_RECREATE, () =>
      runSchedule(
        {
          seed: 643429757,
          timing: FAST_TIMING,
          candidates: 3,
          rho: 1.001,
          rates: [1, 1, 0, 0],
          link: 'instant',
          requestTimeoutMs: 2_000,
          drainTimeoutMs: 300,
          releaseOnStop: false,
          work: { kind: 'stuck' },
        },
        [
          { kind: 'deleteLease' },
          { kind: 'partition', slot: 0, mode: 'reset' },
          { kind: 'advance', ms: 2_999 },
          { kind: 'deleteLease' },
        ],
      ),
    ));
});
