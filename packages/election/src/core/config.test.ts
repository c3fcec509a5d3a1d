import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { ConfigError } from './errors.js';

const base = { name: 'my-lease', namespace: 'default', identity: 'me' };

describe('resolveConfig', () => {
  it("applies client-go's defaults", () => {
    expect(resolveConfig(base)).toMatchObject({
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      releaseOnStop: true,
      drainTimeoutMs: 5_000,
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an empty name', { name: '' }, 'name'],
    ['an upper-case name', { name: 'MyLease' }, 'name'],
    ['a name with a slash', { name: 'a/b' }, 'name'],
    ['a 254-character name', { name: 'a'.repeat(254) }, 'name'],
    ['a namespace with a dot', { namespace: 'a.b' }, 'namespace'],
    ['an empty identity', { identity: '' }, 'identity'],
    ['a zero lease duration', { leaseDurationMs: 0 }, 'leaseDurationMs'],
    ['a NaN renew deadline', { renewDeadlineMs: Number.NaN }, 'renewDeadlineMs'],
    ['a negative retry period', { retryPeriodMs: -1 }, 'retryPeriodMs'],
    ['an infinite retry period', { retryPeriodMs: Number.POSITIVE_INFINITY }, 'retryPeriodMs'],
    [
      'a sub-second lease duration',
      { leaseDurationMs: 900, renewDeadlineMs: 500, retryPeriodMs: 100 },
      'leaseDurationMs',
    ],
    ['a fractional-second lease duration', { leaseDurationMs: 15_500 }, 'leaseDurationMs'],
    ['lease duration equal to the renew deadline', { leaseDurationMs: 10_000 }, 'leaseDurationMs'],
    ['renew deadline not above 1.2 × retry period', { renewDeadlineMs: 2_400 }, 'renewDeadlineMs'],
    ['a negative drain timeout', { drainTimeoutMs: -1 }, 'drainTimeoutMs'],
    ['a non-boolean releaseOnStop', { releaseOnStop: 'yes' }, 'releaseOnStop'],
  ])('rejects %s, naming the option', (_label, override, option) => {
    const attempt = () => resolveConfig({ ...base, ...override } as typeof base);
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).option).toBe(option);
      expect((error as ConfigError).code).toBe('ERR_LEASEHOLD_CONFIG');
    }
  });

  it('bounds the drain by the safety margin unless told otherwise', () => {
    expect(
      resolveConfig({
        ...base,
        leaseDurationMs: 4_000,
        renewDeadlineMs: 3_000,
        retryPeriodMs: 1_000,
      }).drainTimeoutMs,
    ).toBe(1_000);
    expect(resolveConfig({ ...base, drainTimeoutMs: 0 }).drainTimeoutMs).toBe(0);
  });

  it('accepts the tightest legal timing', () => {
    expect(() =>
      resolveConfig({ ...base, leaseDurationMs: 1_000, renewDeadlineMs: 999, retryPeriodMs: 800 }),
    ).not.toThrow();
  });
});
