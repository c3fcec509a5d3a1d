/**
 * fast-check arbitraries for scenarios and schedules. Steps print as one readable line each
 * (`crash(#1)`, `advance(2400ms)`), so a shrunk counterexample reads like a script.
 *
 * @module
 */
import fc from 'fast-check';
import type { ElectionTiming } from '../../../src/core/config.js';
import { LINK_PROFILE_NAMES, LINK_PROFILES, type LinkProfileName } from './link-profiles.js';
import { DEFAULT_TIMING, FAST_TIMING, rhoLimit, type Scenario, TIGHT_TIMING } from './scenario.js';
import type { WorkStyle } from './sim-node.js';
import { describeStep, type Step } from './steps.js';

/** Gives a value a one-line printout for fast-check's reports. */
function printable<T extends object>(value: T, text: string): T {
  Object.defineProperty(value, fc.toStringMethod, { value: () => text, enumerable: false });
  return value;
}

export const printableStep = (step: Step): Step => printable({ ...step }, describeStep(step));

export function describeScenario(scenario: Scenario): string {
  const { timing } = scenario;
  return (
    `${scenario.candidates} candidates, lease ${timing.leaseDurationMs}/renew ` +
    `${timing.renewDeadlineMs}/retry ${timing.retryPeriodMs} ms, rho ${scenario.rho.toFixed(3)} ` +
    `(rates ${scenario.rates.map((f) => (1 + f * (scenario.rho - 1)).toFixed(3)).join(', ')}), ` +
    `link ${scenario.link}, request timeout ${scenario.requestTimeoutMs ?? 'none'}, drain ` +
    `${scenario.drainTimeoutMs} ms, releaseOnStop ${scenario.releaseOnStop}, work ` +
    `${scenario.work.kind}${scenario.work.kind === 'slow' ? ` ${scenario.work.ms} ms` : ''}, seed ${scenario.seed}`
  );
}

const printableScenario = (scenario: Scenario) =>
  printable({ ...scenario }, `scenario(${describeScenario(scenario)})`);

/** What varies between families of scenarios. */
export interface ScenarioSpace {
  readonly timings?: readonly ElectionTiming[];
  /**
   * Clock-rate ratio as a fraction of the limit `leaseDuration / renewDeadline`: below 1 the
   * timing argument holds; above 1 it does not (mutation tests).
   * @defaultValue [0, 0.999]
   */
  readonly rhoOfLimit?: readonly [number, number];
  readonly links?: readonly LinkProfileName[];
  /** Request timeouts, as fractions of renewDeadline (`null`: no timeout, a lost answer hangs). */
  readonly requestTimeouts?: readonly (number | null)[];
  readonly candidates?: readonly [number, number];
  /** A stricter notion of a healthy base link than {@link isHealthyLink}, for one property. */
  readonly linkFilter?: (
    link: LinkProfileName,
    timing: ElectionTiming,
    requestTimeoutMs: number | null,
  ) => boolean;
  readonly works?: readonly WorkStyle['kind'][];
}

/**
 * Whether `link` is a healthy network for `timing`: a round trip fits in the request timeout
 * and leaves a leader time to renew before its deadline. Recovery is judged on this network;
 * steps may still make a link worse for a while.
 *
 * The deadline and the retry period run on the leader's clock, which may be `rho` times
 * faster than real time: two round trips and a retry period must fit in the renew deadline
 * *as the fastest clock measures it*. Judging in real ms admitted wan on 3/2/0.5 s timing
 * with a 1.375 clock, where a leader lost its term with no fault at all (the L1
 * counterexample of seed -1702306571: outside the assumptions, not an elector bug).
 */
export function isHealthyLink(
  link: LinkProfileName,
  timing: ElectionTiming,
  requestTimeoutMs: number | null,
  rho = 1,
): boolean {
  const { requestMs, responseMs } = LINK_PROFILES[link];
  const roundTrip = requestMs[1] + responseMs[1];
  return (
    roundTrip * rho < (timing.renewDeadlineMs - timing.retryPeriodMs) / 2 &&
    (requestTimeoutMs === null || roundTrip < requestTimeoutMs)
  );
}

export function scenarioArbitrary(space: ScenarioSpace = {}): fc.Arbitrary<Scenario> {
  const [lowRho, highRho] = space.rhoOfLimit ?? [0, 0.999];
  const [fewest, most] = space.candidates ?? [2, 4];
  return fc
    .record({
      seed: fc.integer({ min: 0, max: 0x7fff_ffff }),
      timing: fc.constantFrom(...(space.timings ?? [DEFAULT_TIMING, FAST_TIMING, TIGHT_TIMING])),
      candidates: fc.integer({ min: fewest, max: most }),
      rhoFraction: fc.double({ min: lowRho, max: highRho, noNaN: true }),
      rates: fc.array(fc.constantFrom(0, 1, 0.5, 0.25, 0.75), { minLength: 4, maxLength: 4 }),
      requestTimeout: fc.constantFrom(...(space.requestTimeouts ?? [0.25, 0.5, 1, null])),
      drainFraction: fc.constantFrom(0, 0.1, 0.5),
      releaseOnStop: fc.boolean(),
      work: fc.constantFrom(...(space.works ?? (['prompt', 'slow', 'stuck'] as const))),
    })
    .chain(({ timing, rhoFraction, requestTimeout, drainFraction, work, ...rest }) => {
      const requestTimeoutMs =
        requestTimeout === null ? null : Math.round(requestTimeout * timing.renewDeadlineMs);
      const rho = 1 + rhoFraction * (rhoLimit(timing) - 1);
      const links = (space.links ?? LINK_PROFILE_NAMES).filter(
        (link) =>
          isHealthyLink(link, timing, requestTimeoutMs, rho) &&
          (space.linkFilter?.(link, timing, requestTimeoutMs) ?? true),
      );
      const workStyle: WorkStyle =
        work === 'slow' ? { kind: 'slow', ms: timing.retryPeriodMs } : { kind: work };
      return fc.constantFrom(...(links.length > 0 ? links : (['instant'] as const))).map((link) =>
        printableScenario({
          ...rest,
          timing,
          rho,
          link,
          requestTimeoutMs,
          drainTimeoutMs: Math.round(drainFraction * timing.leaseDurationMs),
          work: workStyle,
        }),
      );
    });
}

/** Which steps a schedule may contain, with relative weights. */
export type StepWeights = Partial<Record<Step['kind'], number>>;

export const CHAOS_WEIGHTS: StepWeights = {
  advance: 12,
  stop: 1,
  stepDown: 1,
  crash: 1,
  restart: 1,
  stall: 2,
  partition: 2,
  heal: 2,
  fail: 3,
  dropWatch: 1,
  goneAll: 1,
  compact: 1,
  bookmark: 1,
  storeFail: 1,
  link: 1,
  rate: 1,
  wallStep: 1,
  wallFreeze: 1,
  prefer: 1,
  label: 1,
  // Deleting a live Lease: an absence nobody saw happen is waited out, a created Lease is led
  // on only once the watch shows the absence held until it, and its fencing epoch is the
  // version of its create (regressions.test.ts, issue 11).
  deleteLease: 1,
};

/** Steps, with times scaled to `timing` (a step of "a few retry periods" means the same thing). */
export function stepArbitrary(timing: ElectionTiming, weights: StepWeights): fc.Arbitrary<Step> {
  const slot = fc.oneof(
    { weight: 1, arbitrary: fc.constant('leader' as const) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }) },
  );
  const unit = timing.retryPeriodMs;
  const short = fc.integer({ min: 0, max: unit });
  const long = fc.integer({ min: unit, max: 3 * timing.leaseDurationMs });
  const arbitraries: { [K in Step['kind']]: fc.Arbitrary<Extract<Step, { kind: K }>> } = {
    advance: fc.record({ kind: fc.constant('advance'), ms: fc.oneof(short, long) }),
    stop: fc.record({ kind: fc.constant('stop'), slot }),
    stepDown: fc.record({ kind: fc.constant('stepDown'), slot }),
    crash: fc.record({ kind: fc.constant('crash'), slot }),
    restart: fc.record({ kind: fc.constant('restart'), slot, sameIdentity: fc.boolean() }),
    stall: fc.record({ kind: fc.constant('stall'), slot, ms: fc.oneof(short, long) }),
    partition: fc.record({
      kind: fc.constant('partition'),
      slot,
      mode: fc.constantFrom('blackhole', 'reset'),
    }),
    heal: fc.record({ kind: fc.constant('heal'), slot }),
    fail: fc.record({
      kind: fc.constant('fail'),
      slot,
      fault: fc.constantFrom(
        'conflict',
        'unavailable',
        'throttled',
        'unavailable-after-commit',
        'lost-response',
      ),
      method: fc.constantFrom(null, 'get', 'list', 'create', 'replace'),
    }),
    dropWatch: fc.record({
      kind: fc.constant('dropWatch'),
      slot,
      end: fc.constantFrom('clean', 'gone', 'unavailable'),
    }),
    goneAll: fc.record({ kind: fc.constant('goneAll') }),
    compact: fc.record({ kind: fc.constant('compact') }),
    bookmark: fc.record({ kind: fc.constant('bookmark') }),
    storeFail: fc.record({
      kind: fc.constant('storeFail'),
      error: fc.constantFrom('unavailable', 'conflict'),
      method: fc.constantFrom('get', 'list', 'create', 'replace'),
      afterCommit: fc.boolean(),
    }),
    link: fc.record({
      kind: fc.constant('link'),
      slot,
      profile: fc.constantFrom(...LINK_PROFILE_NAMES),
    }),
    rate: fc.record({
      kind: fc.constant('rate'),
      slot,
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    wallStep: fc.record({
      kind: fc.constant('wallStep'),
      slot,
      ms: fc.integer({ min: -3_600_000, max: 3_600_000 }),
    }),
    wallFreeze: fc.record({ kind: fc.constant('wallFreeze'), slot, frozen: fc.boolean() }),
    prefer: fc.record({ kind: fc.constant('prefer'), slot: fc.option(slot, { nil: null }) }),
    label: fc.record({ kind: fc.constant('label') }),
    deleteLease: fc.record({ kind: fc.constant('deleteLease') }),
  };
  const weighted = (Object.keys(arbitraries) as Step['kind'][])
    .filter((kind) => (weights[kind] ?? 0) > 0)
    .map((kind) => ({
      weight: weights[kind] as number,
      arbitrary: arbitraries[kind] as fc.Arbitrary<Step>,
    }));
  return fc.oneof(...weighted).map(printableStep);
}

/** A scenario and a schedule of steps for it. */
export interface Schedule {
  readonly scenario: Scenario;
  readonly steps: readonly Step[];
}

export function scheduleArbitrary(
  space: ScenarioSpace = {},
  weights: StepWeights = CHAOS_WEIGHTS,
  maxSteps = 30,
): fc.Arbitrary<Schedule> {
  return scenarioArbitrary(space).chain((scenario) =>
    fc
      .array(stepArbitrary(scenario.timing, weights), { maxLength: maxSteps, size: 'max' })
      .map((steps) => ({ scenario, steps })),
  );
}
