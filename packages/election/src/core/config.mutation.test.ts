/**
 * The edges of every configuration rule, and what its error tells the user: which option,
 * what it must be, and the value given. config.test.ts has the representative cases; these
 * pin each boundary on both sides and each message, so a rule cannot drift unnoticed.
 */
import { describe, expect, it } from 'vitest';
import { type ElectionConfigInput, resolveConfig } from './config.js';
import { ConfigError } from './errors.js';

const base = { name: 'my-lease', namespace: 'default', identity: 'me' };

/** The ConfigError that `input` raises (fails the test if there is none). */
function rejection(override: Record<string, unknown>): ConfigError {
  try {
    resolveConfig({ ...base, ...override } as ElectionConfigInput);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(override)}`);
}

describe('resolveConfig: names', () => {
  it('accepts a 253-character DNS subdomain and a 63-character DNS label', () => {
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(name).toHaveLength(253);
    const namespace = 'n'.repeat(63);
    expect(resolveConfig({ ...base, name, namespace })).toMatchObject({ name, namespace });
  });

  it('rejects a 64-character namespace, an empty one and a non-string, quoting the value', () => {
    const long = rejection({ namespace: 'n'.repeat(64) });
    expect(long.option).toBe('namespace');
    expect(long.message).toContain('must be a DNS label');
    expect(long.message).toContain('at most 63');
    expect(long.message).toContain(`got "${'n'.repeat(64)}"`);
    expect(rejection({ namespace: '' }).message).toContain('got ""');
    expect(rejection({ namespace: 7 }).message).toMatch(/^namespace: .* got 7$/);
  });

  it('rejects a bad name before looking at anything else, quoting it', () => {
    const error = rejection({ name: 'My_Lease', namespace: 'Bad', identity: '' });
    expect(error.option).toBe('name');
    expect(error.message).toContain('must be a DNS subdomain');
    expect(error.message).toContain('at most 253');
    expect(error.message).toContain('got "My_Lease"');
    expect(rejection({ name: 42 }).message).toMatch(/^name: .* got 42$/);
    expect(rejection({ name: undefined }).option).toBe('name');
  });

  it('rejects an identity that is not a non-empty string', () => {
    for (const identity of ['', 5, undefined, null]) {
      const error = rejection({ identity });
      expect(error.option).toBe('identity');
      expect(error.message).toBe('identity: must be a non-empty string');
    }
  });
});

describe('resolveConfig: timings', () => {
  it('names the timing and the value for a non-number, a non-positive or a non-finite one', () => {
    for (const option of ['leaseDurationMs', 'renewDeadlineMs', 'retryPeriodMs']) {
      for (const [value, shown] of [
        ['15000', '15000'],
        [0, '0'],
        [-5, '-5'],
        [Number.NaN, 'NaN'],
        [Number.POSITIVE_INFINITY, 'Infinity'],
      ] as const) {
        const error = rejection({ [option]: value });
        expect(error.option).toBe(option);
        expect(error.message).toBe(
          `${option}: must be a finite number greater than 0, got ${shown}`,
        );
      }
    }
  });

  it('rejects a fractional number of milliseconds, and accepts 1 ms', () => {
    const error = rejection({ retryPeriodMs: 1.5 });
    expect(error.option).toBe('retryPeriodMs');
    expect(error.message).toBe('retryPeriodMs: must be a whole number of milliseconds, got 1.5');
    expect(
      resolveConfig({ ...base, leaseDurationMs: 1_000, renewDeadlineMs: 2, retryPeriodMs: 1 }),
    ).toMatchObject({ leaseDurationMs: 1_000, renewDeadlineMs: 2, retryPeriodMs: 1 });
  });

  it('wants the lease duration in whole seconds, at least one', () => {
    const error = rejection({ leaseDurationMs: 999, renewDeadlineMs: 500, retryPeriodMs: 100 });
    expect(error.message).toBe(
      'leaseDurationMs: must be a whole number of seconds, at least 1000, got 999',
    );
    expect(rejection({ leaseDurationMs: 15_001 }).option).toBe('leaseDurationMs');
    expect(resolveConfig({ ...base, leaseDurationMs: 16_000 }).leaseDurationMs).toBe(16_000);
  });

  it('wants the lease duration above the renew deadline, naming both', () => {
    const error = rejection({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000 });
    expect(error.message).toBe(
      'leaseDurationMs: must be greater than renewDeadlineMs (10000), got 10000',
    );
    expect(
      resolveConfig({ ...base, leaseDurationMs: 11_000, renewDeadlineMs: 10_999 }).renewDeadlineMs,
    ).toBe(10_999);
  });

  it('wants the renew deadline above 1.2 × the retry period, naming both', () => {
    const error = rejection({ renewDeadlineMs: 2_400 });
    expect(error.option).toBe('renewDeadlineMs');
    expect(error.message).toBe(
      'renewDeadlineMs: must be greater than 1.2 × retryPeriodMs (2400), got 2400',
    );
    expect(resolveConfig({ ...base, renewDeadlineMs: 2_401 }).renewDeadlineMs).toBe(2_401);
  });
});

describe('resolveConfig: drain, release and the Lease template', () => {
  it('rejects a drain timeout that is not a finite number ≥ 0, quoting it', () => {
    for (const [value, shown] of [
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      ['5000', '5000'],
    ] as const) {
      const error = rejection({ drainTimeoutMs: value });
      expect(error.option).toBe('drainTimeoutMs');
      expect(error.message).toBe(`drainTimeoutMs: must be a finite number ≥ 0, got ${shown}`);
    }
  });

  it('keeps an explicit releaseOnStop false and rejects a non-boolean', () => {
    expect(resolveConfig({ ...base, releaseOnStop: false }).releaseOnStop).toBe(false);
    expect(rejection({ releaseOnStop: 1 }).message).toBe('releaseOnStop: must be a boolean');
  });

  it('returns exactly the resolved options, with the Lease template given or empty', () => {
    const lease = { labels: { app: 'x' } };
    expect(resolveConfig({ ...base, lease })).toEqual({
      ...base,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      releaseOnStop: true,
      drainTimeoutMs: 5_000,
      lease,
    });
    expect(resolveConfig(base).lease).toEqual({});
  });
});
