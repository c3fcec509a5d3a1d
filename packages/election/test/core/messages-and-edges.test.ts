/**
 * Edges of the safety core that mutation testing showed no test pinned down: how a malformed
 * record is read (each anomaly named, a `Date` time accepted), resourceVersions that are not
 * both decimal, and the exact words of the errors users see.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import { ConfigError, MalformedLeaseError } from '../../src/core/errors.js';
import { parseLease } from '../../src/core/lease-record.js';
import { isOlderVersion } from '../../src/core/lease-view.js';

const lease = (spec: Record<string, unknown>) =>
  parseLease({ metadata: { name: 'l', namespace: 'n', resourceVersion: '7' }, spec });

describe('isOlderVersion', () => {
  it('compares only when both versions are decimal; otherwise nothing is older', () => {
    expect(isOlderVersion('9', '10')).toBe(true);
    expect(isOlderVersion('10', '9')).toBe(false);
    expect(isOlderVersion('1', 'ab')).toBe(false);
    expect(isOlderVersion('ab', '1')).toBe(false);
    expect(isOlderVersion('a', 'bc')).toBe(false);
  });
});

describe('parseLease names each anomaly', () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      'a numeric holder',
      { holderIdentity: 5, leaseDurationSeconds: 15 },
      'holderIdentity is a number',
    ],
    ['a missing duration', { holderIdentity: 'a' }, 'leaseDurationSeconds is missing'],
    [
      'a string duration',
      { holderIdentity: 'a', leaseDurationSeconds: '15' },
      'leaseDurationSeconds "15" is not a positive integer',
    ],
    [
      'a string transitions count',
      { holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 'x' },
      'leaseTransitions "x" is not a count',
    ],
    [
      'fractional transitions',
      { holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 2.5 },
      'leaseTransitions is fractional',
    ],
    [
      'a numeric renewTime',
      { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: 5 },
      'renewTime is not a time string',
    ],
  ])('%s', (_label, spec, anomaly) => {
    expect(lease(spec).anomalies).toEqual([anomaly]);
  });

  it('a free Lease without a duration is no anomaly', () => {
    expect(lease({ holderIdentity: '' }).anomalies).toEqual([]);
    expect(lease({}).record.leaseDurationSeconds).toBeNull();
    expect(
      lease({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 3 }).anomalies,
    ).toEqual([]);
  });

  it('reads a Date as a MicroTime, and an invalid Date as no time', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    expect(
      lease({ holderIdentity: 'a', leaseDurationSeconds: 1, renewTime: new Date(at) }).record
        .renewTime,
    ).toBe('2026-01-02T03:04:05.678000Z');
    const invalid = lease({
      holderIdentity: 'a',
      leaseDurationSeconds: 1,
      acquireTime: new Date(Number.NaN),
    });
    expect(invalid.record.acquireTime).toBeNull();
    expect(invalid.anomalies).toEqual(['acquireTime is not a time string']);
  });

  it('refuses what cannot be a Lease, saying why', () => {
    const refuse = (raw: unknown) => () => parseLease(raw);
    expect(refuse(null)).toThrow(new MalformedLeaseError('lease is not a JSON object'));
    expect(refuse({ kind: 'Pod', metadata: { resourceVersion: '1' } })).toThrow(
      'expected kind Lease, got "Pod"',
    );
    expect(refuse({ kind: 'Lease' })).toThrow('lease has no metadata');
    expect(refuse({ metadata: { resourceVersion: '' } })).toThrow(
      'lease has no metadata.resourceVersion',
    );
    expect(refuse({ metadata: { resourceVersion: '1' }, spec: 'x' })).toThrow(
      'lease spec is not an object',
    );
  });
});

describe('configuration errors say what was wrong, with the values', () => {
  const error = (input: Record<string, unknown>) => {
    try {
      resolveConfig({ name: 'l', namespace: 'n', identity: 'i', ...input } as never);
    } catch (caught) {
      return caught as ConfigError;
    }
    throw new Error('accepted');
  };

  it.each<[Record<string, unknown>, string]>([
    [
      { name: 'A' },
      `name: must be a DNS subdomain (lowercase letters, digits, '-' and '.', at most 253), got "A"`,
    ],
    [
      { namespace: 'a.b' },
      `namespace: must be a DNS label (lowercase letters, digits and '-', at most 63), got "a.b"`,
    ],
    [{ identity: '' }, 'identity: must be a non-empty string'],
    [{ retryPeriodMs: -1 }, 'retryPeriodMs: must be a finite number greater than 0, got -1'],
    [{ retryPeriodMs: 0.5 }, 'retryPeriodMs: must be a whole number of milliseconds, got 0.5'],
    [
      { leaseDurationMs: 1_500 },
      'leaseDurationMs: must be a whole number of seconds, at least 1000, got 1500',
    ],
    [
      { leaseDurationMs: 10_000 },
      'leaseDurationMs: must be greater than renewDeadlineMs (10000), got 10000',
    ],
    [
      { renewDeadlineMs: 2_400 },
      'renewDeadlineMs: must be greater than 1.2 × retryPeriodMs (2400), got 2400',
    ],
    [{ drainTimeoutMs: -1 }, 'drainTimeoutMs: must be a finite number ≥ 0, got -1'],
    [{ releaseOnStop: 1 }, 'releaseOnStop: must be a boolean'],
  ])('%o', (input, message) => {
    const caught = error(input);
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught.message).toBe(message);
  });
});
