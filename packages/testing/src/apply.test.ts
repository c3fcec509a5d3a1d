import { describe, expect, it } from 'vitest';
import { serverSideApply } from './apply.js';
import { managedFieldsAfterUpdate } from './managed-fields.js';
import type { Lease, LeaseSpec, ObjectMeta } from './types.js';

const NOW = '2026-01-01T00:00:00Z';
const lease = (spec: LeaseSpec, meta: Partial<ObjectMeta> = {}): Lease => ({
  kind: 'Lease',
  apiVersion: 'coordination.k8s.io/v1',
  metadata: { name: 'a', namespace: 'default', ...meta },
  spec,
});
/** `next` with the managed fields a write by `manager` over `previous` leaves. */
const managed = (previous: Lease | undefined, next: Lease, manager: string): Lease => {
  const managedFields = managedFieldsAfterUpdate(previous, next, manager, NOW);
  return {
    ...next,
    metadata: { ...next.metadata, ...(managedFields === undefined ? {} : { managedFields }) },
  };
};
const owners = (l: Lease) =>
  Object.fromEntries(
    (l.metadata.managedFields ?? []).map((e) => [`${e.manager}/${e.operation}`, e.fieldsV1]),
  );

describe('managed fields of updates', () => {
  it('gives the creator every field, and a later writer only what it changed', () => {
    const created = managed(
      undefined,
      lease({ holderIdentity: 'a', leaseDurationSeconds: 5 }, { labels: { x: '1' } }),
      'creator',
    );
    expect(owners(created)).toEqual({
      'creator/Update': {
        'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } },
        'f:spec': { 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {} },
      },
    });
    const renewed = managed(
      created,
      { ...created, spec: { holderIdentity: 'b', leaseDurationSeconds: 5 } },
      'renewer',
    );
    expect(owners(renewed)).toEqual({
      'creator/Update': {
        'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } },
        'f:spec': { 'f:leaseDurationSeconds': {} },
      },
      'renewer/Update': { 'f:spec': { 'f:holderIdentity': {} } },
    });
  });
});

describe('server-side apply', () => {
  const first = serverSideApply(
    undefined,
    lease({ holderIdentity: 'a', leaseDurationSeconds: 10 }),
    'alice',
    false,
    NOW,
  );

  it('lets two managers share a field they set to the same value', () => {
    const shared = serverSideApply(first, lease({ holderIdentity: 'a' }), 'bob', false, NOW);
    expect(Object.keys(owners(shared))).toEqual(['alice/Apply', 'bob/Apply']);
    // alice drops holderIdentity: bob still owns it, so it stays.
    const kept = serverSideApply(shared, lease({ leaseDurationSeconds: 10 }), 'alice', false, NOW);
    expect(kept.spec).toEqual({ holderIdentity: 'a', leaseDurationSeconds: 10 });
  });

  it('conflicts on a different value, lists every owner, and force takes the field', () => {
    const updated = managed(
      first,
      { ...first, spec: { ...first.spec, leaseDurationSeconds: 20 } },
      'kubectl-edit',
    );
    expect(() =>
      serverSideApply(
        updated,
        lease({ holderIdentity: 'b', leaseDurationSeconds: 30 }),
        'carol',
        false,
        NOW,
      ),
    ).toThrow(
      'Apply failed with 2 conflicts: conflicts with "alice":\n- .spec.holderIdentity\nconflicts with "kubectl-edit" using coordination.k8s.io/v1:\n- .spec.leaseDurationSeconds',
    );
    const forced = serverSideApply(updated, lease({ holderIdentity: 'b' }), 'carol', true, NOW);
    expect(forced.spec).toEqual({ holderIdentity: 'b', leaseDurationSeconds: 20 });
    // alice lost her only field and with it her entry; the editor keeps what it set.
    expect(owners(forced)).toEqual({
      'carol/Apply': { 'f:spec': { 'f:holderIdentity': {} } },
      'kubectl-edit/Update': { 'f:spec': { 'f:leaseDurationSeconds': {} } },
    });
  });

  it('removes a field its applier stops sending when nobody else owns it', () => {
    expect(
      serverSideApply(first, lease({ holderIdentity: 'a' }), 'alice', false, NOW).spec,
    ).toEqual({ holderIdentity: 'a' });
  });
});
