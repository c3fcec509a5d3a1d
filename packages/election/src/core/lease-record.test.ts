import { describe, expect, it } from 'vitest';
import { MalformedLeaseError } from './errors.js';
import {
  acquisitionFields,
  newLeaseObject,
  parseLease,
  releaseFields,
  renewalFields,
  UNKNOWN_HOLDER,
  withElectionFields,
} from './lease-record.js';
import { isWireMicroTime } from './micro-time.js';

/** A Lease exactly as client-go writes it and the API server returns it. */
const clientGoLease = {
  kind: 'Lease',
  apiVersion: 'coordination.k8s.io/v1',
  metadata: {
    name: 'controller',
    namespace: 'kube-system',
    uid: '0d3c4d2e-7f1b-4d0a-9b5e-0c4e3f2a1b00',
    resourceVersion: '4211',
    creationTimestamp: '2026-11-25T10:00:00Z',
    labels: { app: 'x' },
    managedFields: [{ manager: 'kube-controller-manager', operation: 'Update' }],
  },
  spec: {
    holderIdentity: 'node-a_8f7e2c1d-1111-2222-3333-444455556666',
    leaseDurationSeconds: 15,
    acquireTime: '2026-11-25T10:00:00.123456Z',
    renewTime: '2026-11-25T10:05:02.654321Z',
    leaseTransitions: 7,
  },
};

describe('parseLease', () => {
  it('reads a client-go record field for field', () => {
    const lease = parseLease(clientGoLease);
    expect(lease.resourceVersion).toBe('4211');
    expect(lease.record).toEqual({
      holderIdentity: 'node-a_8f7e2c1d-1111-2222-3333-444455556666',
      leaseDurationSeconds: 15,
      acquireTime: '2026-11-25T10:00:00.123456Z',
      renewTime: '2026-11-25T10:05:02.654321Z',
      leaseTransitions: 7,
      strategy: null,
      preferredHolder: null,
    });
    expect(lease.anomalies).toEqual([]);
  });

  it('reads a released record (empty holder) as free', () => {
    const lease = parseLease({
      ...clientGoLease,
      spec: { ...clientGoLease.spec, holderIdentity: '', leaseDurationSeconds: 1 },
    });
    expect(lease.record.holderIdentity).toBe('');
    expect(lease.anomalies).toEqual([]);
  });

  it('reads a Lease without spec as free', () => {
    const lease = parseLease({ metadata: { name: 'x', resourceVersion: '1' } });
    expect(lease.record.holderIdentity).toBe('');
    expect(lease.record.leaseTransitions).toBe(0);
  });

  it.each([
    ['missing', undefined],
    ['zero', 0],
    ['negative', -5],
    ['fractional', 1.5],
    ['a string', '15'],
  ])('falls back (null) when leaseDurationSeconds is %s, and says so', (_label, value) => {
    const lease = parseLease({
      ...clientGoLease,
      spec: { ...clientGoLease.spec, leaseDurationSeconds: value },
    });
    expect(lease.record.leaseDurationSeconds).toBeNull();
    expect(lease.anomalies.join()).toContain('leaseDurationSeconds');
  });

  it('reads a holder of the wrong type as an unknown live holder, never as free', () => {
    const lease = parseLease({
      ...clientGoLease,
      spec: { ...clientGoLease.spec, holderIdentity: 42 },
    });
    expect(lease.record.holderIdentity).toBe(UNKNOWN_HOLDER);
    expect(lease.anomalies).toHaveLength(1);
  });

  it('reads negative transitions as 0 and garbage times as absent', () => {
    const lease = parseLease({
      ...clientGoLease,
      spec: { ...clientGoLease.spec, leaseTransitions: -3, renewTime: 17 },
    });
    expect(lease.record.leaseTransitions).toBe(0);
    expect(lease.record.renewTime).toBeNull();
    expect(lease.anomalies).toHaveLength(2);
  });

  it.each([
    ['not an object', 'hello'],
    ['an array', []],
    ['another kind', { ...clientGoLease, kind: 'ConfigMap' }],
    ['no metadata', { kind: 'Lease', spec: {} }],
    ['no resourceVersion', { kind: 'Lease', metadata: { name: 'x' } }],
    [
      'a spec that is not an object',
      { kind: 'Lease', metadata: { resourceVersion: '1' }, spec: 3 },
    ],
  ])('rejects %s with a MalformedLeaseError', (_label, raw) => {
    expect(() => parseLease(raw)).toThrow(MalformedLeaseError);
  });
});

describe('record builders', () => {
  const wall = Date.parse('2026-11-25T12:00:00.250Z');
  const held = parseLease(clientGoLease);

  it('creates with transitions 0 and six-digit times', () => {
    const fields = acquisitionFields(null, 'me', 15, wall);
    expect(fields).toEqual({
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      acquireTime: '2026-11-25T12:00:00.250000Z',
      renewTime: '2026-11-25T12:00:00.250000Z',
      leaseTransitions: 0,
    });
  });

  it('takes over with transitions + 1, also when the identity is unchanged', () => {
    expect(acquisitionFields(held.record, 'me', 15, wall).leaseTransitions).toBe(8);
    expect(
      acquisitionFields(held.record, held.record.holderIdentity, 15, wall).leaseTransitions,
    ).toBe(8);
  });

  it('renews keeping acquireTime and transitions', () => {
    const fields = renewalFields(held.record, held.record.holderIdentity, 15, wall);
    expect(fields.acquireTime).toBe(held.record.acquireTime);
    expect(fields.leaseTransitions).toBe(7);
    expect(fields.renewTime).toBe('2026-11-25T12:00:00.250000Z');
  });

  it('releases as client-go does: empty holder, 1 s, times now, transitions kept', () => {
    expect(releaseFields(held.record, wall)).toEqual({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: '2026-11-25T12:00:00.250000Z',
      renewTime: '2026-11-25T12:00:00.250000Z',
      leaseTransitions: 7,
    });
  });

  it('writes back every field it does not own, and the version it decided on', () => {
    const coordinated = parseLease({
      ...clientGoLease,
      metadata: {
        ...clientGoLease.metadata,
        annotations: { a: 'b' },
        ownerReferences: [{ uid: 'u' }],
      },
      spec: {
        ...clientGoLease.spec,
        strategy: 'OldestEmulationVersion',
        preferredHolder: 'x',
        future: 1,
      },
    });
    const written = withElectionFields(coordinated, releaseFields(coordinated.record, wall));
    expect(written.metadata).toMatchObject({
      resourceVersion: '4211',
      labels: { app: 'x' },
      annotations: { a: 'b' },
      ownerReferences: [{ uid: 'u' }],
      uid: clientGoLease.metadata.uid,
    });
    expect(written.metadata.managedFields).toBeUndefined();
    expect(written.spec).toMatchObject({
      strategy: 'OldestEmulationVersion',
      preferredHolder: 'x',
      future: 1,
      holderIdentity: '',
    });
  });

  it('round-trips: what we write parses back to the same election fields', () => {
    const object = newLeaseObject('l', 'ns', acquisitionFields(null, 'me', 15, wall), {
      labels: { team: 'a' },
    });
    const read = parseLease({ ...object, metadata: { ...object.metadata, resourceVersion: '9' } });
    expect(read.record).toMatchObject(acquisitionFields(null, 'me', 15, wall));
    expect(read.object.metadata.labels).toEqual({ team: 'a' });
    expect(isWireMicroTime(read.record.renewTime)).toBe(true);
  });
});
