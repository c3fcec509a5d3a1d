/**
 * The edges of reading a record and of building the fields each write sets: which values are
 * taken as they are, which read conservatively (and are named as anomalies), when two records
 * count as the same, and what a created or written-back object carries. lease-record.test.ts
 * has the client-go round trip; these pin each rule on both sides.
 */
import { describe, expect, it } from 'vitest';
import {
  acquisitionFields,
  type LeaseRecord,
  newLeaseObject,
  parseLease,
  renewalFields,
  sameRecord,
  withElectionFields,
} from './lease-record.js';

const lease = (spec: unknown, metadata: Record<string, unknown> = {}) =>
  parseLease({ kind: 'Lease', metadata: { resourceVersion: '7', ...metadata }, spec });

describe('parseLease: the object', () => {
  it('accepts an object without kind, and a null or absent spec as a free Lease', () => {
    for (const raw of [
      { metadata: { resourceVersion: '1' } },
      { metadata: { resourceVersion: '1' }, spec: null },
    ]) {
      const read = parseLease(raw);
      expect(read.resourceVersion).toBe('1');
      expect(read.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: null });
      expect(read.anomalies).toEqual([]);
      expect(read.object).toBe(raw);
    }
  });

  it('refuses an array, a metadata that is not an object, a numeric version, an array spec', () => {
    expect(() => parseLease([{ metadata: { resourceVersion: '1' } }])).toThrow(
      'lease is not a JSON object',
    );
    expect(() => parseLease({ metadata: null })).toThrow('lease has no metadata');
    expect(() => parseLease({ metadata: [] })).toThrow('lease has no metadata');
    expect(() => parseLease({ metadata: { resourceVersion: 7 } })).toThrow(
      'lease has no metadata.resourceVersion',
    );
    expect(() => lease([])).toThrow('lease spec is not an object');
  });
});

describe('parseLease: the record', () => {
  it('takes a duration of 1 s and refuses 0, fractions and NaN, naming the value', () => {
    expect(
      lease({ holderIdentity: 'a', leaseDurationSeconds: 1 }).record.leaseDurationSeconds,
    ).toBe(1);
    for (const [value, shown] of [
      [0, '0'],
      [1.5, '1.5'],
      [-15, '-15'],
    ] as const) {
      const read = lease({ holderIdentity: 'a', leaseDurationSeconds: value });
      expect(read.record.leaseDurationSeconds).toBeNull();
      expect(read.anomalies).toEqual([`leaseDurationSeconds ${shown} is not a positive integer`]);
    }
  });

  it('reads a null holder and a null duration as a free Lease without anomalies', () => {
    const read = lease({
      holderIdentity: null,
      leaseDurationSeconds: null,
      leaseTransitions: null,
    });
    expect(read.record).toMatchObject({
      holderIdentity: '',
      leaseDurationSeconds: null,
      leaseTransitions: 0,
    });
    expect(read.anomalies).toEqual([]);
  });

  it('a held Lease with a null duration names it as missing', () => {
    expect(lease({ holderIdentity: 'a', leaseDurationSeconds: null }).anomalies).toEqual([
      'leaseDurationSeconds is missing',
    ]);
  });

  it('reads 0 transitions without anomaly, and infinite or NaN ones as 0 with one', () => {
    const zero = lease({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(zero.record.leaseTransitions).toBe(0);
    expect(zero.anomalies).toEqual([]);
    const whole = lease({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 9 });
    expect(whole.record.leaseTransitions).toBe(9);
    expect(whole.anomalies).toEqual([]);
    // Not from JSON (which has no Infinity), but a custom store may hand one over.
    const infinite = lease({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: Number.POSITIVE_INFINITY,
    });
    expect(infinite.record.leaseTransitions).toBe(0);
    expect(infinite.anomalies).toEqual([
      expect.stringMatching(/^leaseTransitions .* is not a count$/),
    ]);
    const negative = lease({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: -3 });
    expect(negative.record.leaseTransitions).toBe(0);
    expect(negative.anomalies).toEqual(['leaseTransitions -3 is not a count']);
  });

  it('keeps time strings as they are and reads null times as absent', () => {
    const read = lease({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-01T00:00:00.000000Z',
      renewTime: null,
    });
    expect(read.record).toMatchObject({
      acquireTime: '2026-01-01T00:00:00.000000Z',
      renewTime: null,
    });
    expect(read.anomalies).toEqual([]);
  });

  it('reads strategy and preferredHolder only when they are non-empty strings', () => {
    const set = lease({ strategy: 'OldestEmulationVersion', preferredHolder: 'b' }).record;
    expect(set).toMatchObject({ strategy: 'OldestEmulationVersion', preferredHolder: 'b' });
    for (const value of ['', 5, null]) {
      const read = lease({ strategy: value, preferredHolder: value }).record;
      expect(read).toMatchObject({ strategy: null, preferredHolder: null });
    }
  });
});

describe('sameRecord', () => {
  const base: LeaseRecord = {
    holderIdentity: 'a',
    leaseDurationSeconds: 15,
    acquireTime: '2026-01-01T00:00:00.000000Z',
    renewTime: '2026-01-01T00:00:01.000000Z',
    leaseTransitions: 3,
    strategy: null,
    preferredHolder: null,
  };

  it('is true for equal records', () => {
    expect(sameRecord(base, { ...base })).toBe(true);
  });

  it('is false when any one field differs', () => {
    const changes: Partial<LeaseRecord>[] = [
      { holderIdentity: 'b' },
      { leaseDurationSeconds: 16 },
      { acquireTime: '2026-01-01T00:00:00.500000Z' },
      { renewTime: '2026-01-01T00:00:02.000000Z' },
      { leaseTransitions: 4 },
      { strategy: 'OldestEmulationVersion' },
      { preferredHolder: 'b' },
    ];
    for (const change of changes) {
      expect(sameRecord(base, { ...base, ...change }), JSON.stringify(change)).toBe(false);
      expect(sameRecord({ ...base, ...change }, base), JSON.stringify(change)).toBe(false);
    }
  });
});

describe('the fields each write sets', () => {
  const wall = Date.parse('2026-02-01T00:00:10.000Z');
  const held = lease({
    holderIdentity: 'me',
    leaseDurationSeconds: 15,
    acquireTime: '2026-02-01T00:00:00.000000Z',
    renewTime: '2026-02-01T00:00:20.000000Z',
    leaseTransitions: 4,
  }).record;

  it('a renewal after a wall-clock step back writes 1 ms past the last renewTime', () => {
    expect(renewalFields(held, 'me', 15, wall)).toEqual({
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      acquireTime: '2026-02-01T00:00:00.000000Z',
      renewTime: '2026-02-01T00:00:20.001000Z',
      leaseTransitions: 4,
    });
  });

  it('a renewal of a record without times writes the wall time into both', () => {
    const bare = lease({ holderIdentity: 'me', leaseDurationSeconds: 15 }).record;
    expect(renewalFields(bare, 'me', 20, wall)).toMatchObject({
      leaseDurationSeconds: 20,
      acquireTime: '2026-02-01T00:00:10.000000Z',
      renewTime: '2026-02-01T00:00:10.000000Z',
    });
  });

  it('an acquisition bumps the token of the record it replaces', () => {
    expect(acquisitionFields(held, 'me', 15, wall).leaseTransitions).toBe(5);
  });

  it('a created Lease carries only the template parts given, as copies', () => {
    const fields = acquisitionFields(null, 'me', 15, wall);
    expect(newLeaseObject('l', 'ns', fields)).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', namespace: 'ns' },
      spec: fields,
    });
    const template = {
      labels: { app: 'x' },
      annotations: { note: 'y' },
      ownerReferences: [{ uid: 'u' }],
    };
    const created = newLeaseObject('l', 'ns', fields, template);
    expect(created.metadata).toEqual({ name: 'l', namespace: 'ns', ...template });
    expect(created.metadata.labels).not.toBe(template.labels);
    expect(created.metadata.annotations).not.toBe(template.annotations);
    expect(created.metadata.ownerReferences).not.toBe(template.ownerReferences);
  });

  it('a write-back of an object without spec or kind sets both, at the version read', () => {
    const read = parseLease({ metadata: { name: 'l', resourceVersion: '12' } });
    const fields = acquisitionFields(read.record, 'me', 15, wall);
    expect(withElectionFields(read, fields)).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', resourceVersion: '12' },
      spec: fields,
    });
  });
});
