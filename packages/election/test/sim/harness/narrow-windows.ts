/**
 * Schedules aimed at the narrow windows where a subtle timing bug makes two leaders: the
 * random chaos schedules rarely land in a window a few milliseconds wide, so these are biased
 * toward them on purpose.
 *
 * - **Late answers, then silence**: the leader's link turns slow (answers arrive long after
 *   the write was applied and seen), and the leader is cut off or crashes a chosen moment
 *   after a renewal or its acquisition — just after an answer, or just after the next send.
 *   A deadline counted from an answer instead of a send outlives the followers' wait.
 * - **Fast followers beside a slow leader**: clock rates at 97–99.9 % of the tolerated ratio,
 *   the leader's clock the slowest. Any rule that lets a follower act early, or the leader
 *   late, now shows as two leaders.
 * - **Silence right after an acquisition**: on a slow-answer network, a new leader (at start-up
 *   or after a hand-over) is cut off after its acquisition was answered and before a renewal's
 *   answer arrives, on the thinnest timing the validator allows.
 * - **Stalls ending around an expiry**: the leader pauses for about a lease duration (a few
 *   ms either side of when a follower may take over), then resumes and releases: its release
 *   reads the Lease after a successor took it.
 *
 * @module
 */
import fc from 'fast-check';
import type { ElectionTiming } from '../../../src/core/config.js';
import { DEFAULT_TIMING, FAST_TIMING, rhoLimit, type Scenario, TIGHT_TIMING } from './scenario.js';
import { printableStep, type Schedule } from './schedule-arbitraries.js';
import type { Step } from './steps.js';

/**
 * The thinnest margin the validator allows in practice (100 ms between the leader's window and
 * a follower's at equal clock rates): any rule measured from the wrong instant crosses it.
 */
export const THIN_TIMING = { leaseDurationMs: 3_000, renewDeadlineMs: 2_900, retryPeriodMs: 1_000 };

const TIMINGS = [DEFAULT_TIMING, FAST_TIMING, TIGHT_TIMING, THIN_TIMING] as const;

/** A scenario where slot 0's clock is the slowest and the others' the fastest allowed. */
function narrowScenario(
  link: 'instant' | 'slowAnswers',
  timings: readonly ElectionTiming[] = TIMINGS,
): fc.Arbitrary<Scenario> {
  return fc
    .record({
      seed: fc.integer({ min: 0, max: 0x7fff_ffff }),
      timing: fc.constantFrom(...timings),
      candidates: fc.integer({ min: 2, max: 3 }),
      rhoFraction: fc.double({ min: 0.97, max: 0.999, noNaN: true }),
      requestTimeout: fc.constantFrom(0.5, 1, null),
      releaseOnStop: fc.boolean(),
    })
    .map(({ timing, rhoFraction, requestTimeout, ...rest }) => ({
      ...rest,
      timing,
      rho: 1 + rhoFraction * (rhoLimit(timing) - 1),
      // Rates as fractions of [1, rho]: when slot 0 leads, every follower runs faster.
      rates: [0, 1, 1, 1],
      link,
      requestTimeoutMs: requestTimeout === null ? null : requestTimeout * timing.renewDeadlineMs,
      drainTimeoutMs: 0,
      work: { kind: 'prompt' as const },
    }));
}

/** Steps for one of the windows, timed against `scenario`'s timing (an instant network). */
function windowSteps(scenario: Scenario): fc.Arbitrary<Step[]> {
  const { leaseDurationMs: lease, retryPeriodMs: retry } = scenario.timing;
  const slowLeader: Step = { kind: 'link', slot: 'leader', profile: 'slowAnswers' };
  const settle = fc.integer({ min: 0, max: 3 }).map((n) => n * retry);
  /** Just after a renewal's send or its answer: within 0–700 ms of a renewal instant. */
  const nearRenewal = fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 700 }))
    .map(([n, offset]) => n * retry + offset);
  const cutOff = fc
    .constantFrom<Step['kind']>('partition', 'crash')
    .map(
      (kind): Step =>
        kind === 'partition'
          ? { kind: 'partition', slot: 'leader', mode: 'blackhole' }
          : { kind: 'crash', slot: 'leader' },
    );
  const lateAnswers = fc
    .tuple(settle, nearRenewal, cutOff)
    .map(([before, offset, cut]): Step[] => [
      { kind: 'advance', ms: before + 1 },
      slowLeader,
      { kind: 'advance', ms: offset },
      cut,
      { kind: 'advance', ms: 2 * lease },
    ]);
  /** A stall of about a lease duration: ends a few ms around a follower's takeover. */
  const stallAroundExpiry = fc
    .tuple(settle, fc.integer({ min: -3 * retry, max: 3 * retry }))
    .map(([before, offset]): Step[] => [
      { kind: 'advance', ms: before + 1 },
      { kind: 'stall', slot: 'leader', ms: Math.max(1, lease + offset) },
      { kind: 'advance', ms: 2 * lease },
    ]);
  const crashBesideFastFollowers = settle.map((before): Step[] => [
    { kind: 'advance', ms: before + 1 },
    { kind: 'crash', slot: 'leader' },
    { kind: 'advance', ms: 2 * lease },
  ]);
  return fc
    .oneof(lateAnswers, stallAroundExpiry, crashBesideFastFollowers)
    .map((steps) => steps.map(printableStep));
}

/**
 * On a network whose answers are slow: cut a new leader off after its acquisition was
 * answered and before a renewal's answer arrives.
 */
function afterAcquisitionSteps(scenario: Scenario): fc.Arbitrary<Step[]> {
  const lease = scenario.timing.leaseDurationMs;
  const cutOff = fc.constantFrom<Step>(
    { kind: 'partition', slot: 'leader', mode: 'blackhole' },
    { kind: 'crash', slot: 'leader' },
  );
  // The first acquisition, raced by candidates that are still syncing.
  const atStart = fc
    .tuple(fc.integer({ min: 300, max: 1_300 }), cutOff)
    .map(([offset, cut]): Step[] => [{ kind: 'advance', ms: offset }, cut]);
  // A hand-over: the leader steps down and releases; a synced follower acquires, watched at
  // once by the others (the one that stepped down among them).
  const afterHandover = fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 600, max: 2_400 }), cutOff)
    .map(([renewals, offset, cut]): Step[] => [
      { kind: 'advance', ms: 1 + renewals * scenario.timing.retryPeriodMs },
      { kind: 'stepDown', slot: 'leader' },
      { kind: 'advance', ms: offset },
      cut,
    ]);
  return fc
    .oneof(atStart, afterHandover)
    .map((steps) =>
      [...steps, { kind: 'advance', ms: 2 * lease } as Step].map((step) => printableStep(step)),
    );
}

/** Schedules aimed at the narrow windows (see the module documentation). */
export function narrowWindowSchedule(): fc.Arbitrary<Schedule> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: narrowScenario('instant').chain((scenario) =>
        windowSteps(scenario).map((steps) => ({ scenario, steps })),
      ),
    },
    {
      weight: 2,
      arbitrary: narrowScenario('slowAnswers', [THIN_TIMING]).chain((scenario) =>
        afterAcquisitionSteps(scenario).map((steps) => ({ scenario, steps })),
      ),
    },
  );
}
