/**
 * Bad configuration through the public entry point: every validation rule throws a
 * `ConfigError` naming the option, before anything runs (no store call, no timer); anything
 * accepted satisfies the rules the timing argument needs.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import type { LeaseStore } from '../../src/core/lease-store.js';
import { createManualClock } from '../../src/core/manual-clock.js';
import { createLeaderElector } from '../../src/handle/leader-elector.js';

/** A store that records every call: a rejected configuration must not reach it. */
function recordingStore() {
  const calls: string[] = [];
  const call = (method: string) => {
    calls.push(method);
    return new Promise<never>(() => {});
  };
  const store: LeaseStore = {
    name: 'lease',
    namespace: 'ns',
    get: () => call('get'),
    list: () => call('list'),
    create: () => call('create'),
    replace: () => call('replace'),
    watch: () => call('watch'),
  };
  return { store, calls };
}

const valid = { name: 'lease', namespace: 'ns', identity: 'me' };

/** Builds (and starts) an elector; returns the ConfigError it threw, with what it touched. */
function attempt(options: Record<string, unknown>) {
  const { store, calls } = recordingStore();
  const clock = createManualClock();
  let error: unknown;
  try {
    createLeaderElector({ ...valid, store, clock, ...options } as never).start();
  } catch (caught) {
    error = caught;
  }
  return { error, calls, timers: clock.pendingTimers() };
}

describe('createLeaderElector rejects each bad option by name, before anything runs', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a missing name', { name: undefined }, 'name'],
    ['a numeric name', { name: 42 }, 'name'],
    ['a name with upper case', { name: 'Lease' }, 'name'],
    ['a name with a space', { name: 'my lease' }, 'name'],
    ['a name ending in a dash', { name: 'lease-' }, 'name'],
    ['a name of 254 characters', { name: `${'a'.repeat(127)}.${'b'.repeat(126)}` }, 'name'],
    ['an empty namespace', { namespace: '' }, 'namespace'],
    ['a namespace of 64 characters', { namespace: 'n'.repeat(64) }, 'namespace'],
    ['a namespace with a dot', { namespace: 'kube.system' }, 'namespace'],
    ['a numeric namespace', { namespace: 7 }, 'namespace'],
    ['an empty identity', { identity: '' }, 'identity'],
    ['a numeric identity', { identity: 12 }, 'identity'],
    ['a string lease duration', { leaseDurationMs: '15000' }, 'leaseDurationMs'],
    ['a negative lease duration', { leaseDurationMs: -15_000 }, 'leaseDurationMs'],
    [
      'an infinite lease duration',
      { leaseDurationMs: Number.POSITIVE_INFINITY },
      'leaseDurationMs',
    ],
    [
      'a lease duration of 0.5 s',
      { leaseDurationMs: 500, renewDeadlineMs: 400, retryPeriodMs: 100 },
      'leaseDurationMs',
    ],
    ['a lease duration of 15.5 s', { leaseDurationMs: 15_500 }, 'leaseDurationMs'],
    ['a lease duration below the renew deadline', { leaseDurationMs: 5_000 }, 'leaseDurationMs'],
    ['a zero renew deadline', { renewDeadlineMs: 0 }, 'renewDeadlineMs'],
    [
      'a renew deadline of 1.2 retry periods',
      { renewDeadlineMs: 2_400, retryPeriodMs: 2_000 },
      'renewDeadlineMs',
    ],
    ['a NaN retry period', { retryPeriodMs: Number.NaN }, 'retryPeriodMs'],
    ['a zero retry period', { retryPeriodMs: 0 }, 'retryPeriodMs'],
    ['a negative drain timeout', { drainTimeoutMs: -1 }, 'drainTimeoutMs'],
    ['an infinite drain timeout', { drainTimeoutMs: Number.POSITIVE_INFINITY }, 'drainTimeoutMs'],
    ['a string drain timeout', { drainTimeoutMs: '5s' }, 'drainTimeoutMs'],
    ['a string releaseOnStop', { releaseOnStop: 'false' }, 'releaseOnStop'],
  ])('%s', (_label, options, option) => {
    const { error, calls, timers } = attempt(options);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option, code: 'ERR_LEASEHOLD_CONFIG', name: 'ConfigError' });
    expect((error as Error).message.startsWith(`${option}:`)).toBe(true);
    expect(calls).toEqual([]);
    expect(timers).toBe(0);
  });
});

const TIMING_OPTIONS = ['leaseDurationMs', 'renewDeadlineMs', 'retryPeriodMs'];

describe('any timing either validates to a safe configuration or names a timing option', () => {
  const number = fc.oneof(
    fc.integer({ min: -5_000, max: 60_000 }),
    fc.constantFrom(0, 1_000, 15_000, 10_000, 2_000, Number.NaN, Number.POSITIVE_INFINITY, -0),
    fc.double({ min: -1e6, max: 1e6 }),
  );
  test.prop([
    fc.option(number, { nil: undefined }),
    fc.option(number, { nil: undefined }),
    fc.option(number, { nil: undefined }),
  ])('timing', (leaseDurationMs, renewDeadlineMs, retryPeriodMs) => {
    const options = { leaseDurationMs, renewDeadlineMs, retryPeriodMs };
    const { error, calls } = attempt(options);
    expect(calls.filter((call) => call !== 'list')).toEqual([]);
    if (error !== undefined) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(TIMING_OPTIONS).toContain((error as ConfigError).option);
      return;
    }
    const elector = createLeaderElector({
      ...valid,
      store: recordingStore().store,
      clock: createManualClock(),
      ...(leaseDurationMs === undefined ? {} : { leaseDurationMs }),
      ...(renewDeadlineMs === undefined ? {} : { renewDeadlineMs }),
      ...(retryPeriodMs === undefined ? {} : { retryPeriodMs }),
    });
    const config = elector.config;
    // What the timing argument and the Lease record need.
    expect(Number.isInteger(config.leaseDurationMs / 1000)).toBe(true);
    expect(config.leaseDurationMs).toBeGreaterThanOrEqual(1_000);
    expect(config.leaseDurationMs).toBeGreaterThan(config.renewDeadlineMs);
    expect(config.renewDeadlineMs).toBeGreaterThan(1.2 * config.retryPeriodMs);
    expect(config.retryPeriodMs).toBeGreaterThan(0);
    expect(Number.isFinite(config.renewDeadlineMs)).toBe(true);
  });
});

describe('absurd timings are refused: every timing is a whole number of milliseconds', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a retry period of 9e-323 ms', { retryPeriodMs: 9e-323 }, 'retryPeriodMs'],
    ['a retry period of 0.5 ms', { retryPeriodMs: 0.5 }, 'retryPeriodMs'],
    ['a retry period of 1999.5 ms', { retryPeriodMs: 1_999.5 }, 'retryPeriodMs'],
    ['a renew deadline of 9999.9 ms', { renewDeadlineMs: 9_999.9 }, 'renewDeadlineMs'],
    ['a renew deadline of 1e-9 ms', { renewDeadlineMs: 1e-9 }, 'renewDeadlineMs'],
  ])('%s', (_label, options, option) => {
    const { error, calls, timers } = attempt(options);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option });
    expect((error as Error).message).toMatch(/whole number of milliseconds|greater than 0/);
    expect(calls).toEqual([]);
    expect(timers).toBe(0);
  });

  it('the smallest timing the rules allow is accepted: 1 s / 2 ms / 1 ms', () => {
    const { error } = attempt({ leaseDurationMs: 1_000, renewDeadlineMs: 2, retryPeriodMs: 1 });
    expect(error).toBeUndefined();
  });
});

/** Timings that satisfy every rule, generated on purpose rather than stumbled upon. */
const validTiming = fc
  .integer({ min: 1, max: 120 })
  .chain((seconds) => {
    const leaseDurationMs = seconds * 1_000;
    // renewDeadline > 1.2 · retryPeriod and < leaseDuration, all whole ms.
    const maxRetry = Math.floor((leaseDurationMs - 2) / 1.2);
    return fc
      .integer({ min: 1, max: maxRetry })
      .chain((retryPeriodMs) =>
        fc
          .integer({ min: Math.floor(1.2 * retryPeriodMs) + 1, max: leaseDurationMs - 1 })
          .map((renewDeadlineMs) => ({ leaseDurationMs, renewDeadlineMs, retryPeriodMs })),
      );
  })
  .filter((t) => t.renewDeadlineMs > 1.2 * t.retryPeriodMs);

describe('valid and invalid timings, each generated on purpose', () => {
  test.prop([validTiming])('every valid timing is accepted exactly as given', (timing) => {
    const { error } = attempt(timing);
    expect(error).toBeUndefined();
    const elector = createLeaderElector({
      ...valid,
      ...timing,
      store: recordingStore().store,
      clock: createManualClock(),
    });
    expect(elector.config).toMatchObject(timing);
  });

  /** Each way of breaking exactly one rule of a valid timing, and the option it must name. */
  const breakOne = fc.constantFrom(
    {
      rule: 'lease not whole seconds',
      option: 'leaseDurationMs',
      apply: (t: Timing) => ({ ...t, leaseDurationMs: t.leaseDurationMs + 500 }),
    },
    {
      rule: 'renew deadline ≥ lease duration',
      option: 'leaseDurationMs',
      apply: (t: Timing) => ({ ...t, renewDeadlineMs: t.leaseDurationMs }),
    },
    {
      rule: 'renew deadline ≤ 1.2 retry periods',
      option: 'renewDeadlineMs',
      apply: (t: Timing) => ({ ...t, retryPeriodMs: Math.ceil(t.renewDeadlineMs / 1.2) }),
    },
    {
      rule: 'fractional retry period',
      option: 'retryPeriodMs',
      apply: (t: Timing) => ({ ...t, retryPeriodMs: t.retryPeriodMs / 1024 + 1e-300 }),
    },
    {
      rule: 'fractional renew deadline',
      option: 'renewDeadlineMs',
      apply: (t: Timing) => ({ ...t, renewDeadlineMs: t.renewDeadlineMs - 0.25 }),
    },
    {
      rule: 'non-positive retry period',
      option: 'retryPeriodMs',
      apply: (t: Timing) => ({ ...t, retryPeriodMs: -t.retryPeriodMs }),
    },
  );
  type Timing = { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };

  test.prop([validTiming, breakOne])(
    'a valid timing with one rule broken is refused, naming the option',
    (timing, broken) => {
      const { error, calls, timers } = attempt(broken.apply(timing));
      expect(error, broken.rule).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option, broken.rule).toBe(broken.option);
      expect(calls).toEqual([]);
      expect(timers).toBe(0);
    },
  );
});
