/**
 * Conformance checks of reads and conditional writes; declared by
 * `describeLeaseStoreConformance`.
 *
 * @module
 */
import { expect, it } from 'vitest';
import type { LeaseObject, StoredLease } from '../core/lease-record.js';
import { renewalFields, withElectionFields } from '../core/lease-record.js';
import { type ConformanceSuite, T1, T2, T3 } from './conformance-kit.js';

/** Declares the read and write checks of the suite. */
export function declareWriteChecks(suite: ConformanceSuite): void {
  it('reads an absent Lease as null and lists it with a version to watch from', async () => {
    expect(await suite.store().get(suite.signal())).toBeNull();
    const listing = await suite.store().list(suite.signal());
    expect(listing.lease).toBeNull();
    expect(listing.resourceVersion).toMatch(/\S/);
  });

  it('creates the Lease; get and list then return the same version and record', async () => {
    const created = await suite.create({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: T1,
      renewTime: T1,
      leaseTransitions: 0,
    });
    expect(created.resourceVersion).toMatch(/\S/);
    expect(created.record).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
    });
    const read = await suite.store().get(suite.signal());
    expect(read?.resourceVersion).toBe(created.resourceVersion);
    expect(read?.record).toEqual(created.record);
    expect((await suite.store().list(suite.signal())).lease?.resourceVersion).toBe(
      created.resourceVersion,
    );
  });

  it('fails a second create with already-exists and keeps the first', async () => {
    const first = await suite.create({ holderIdentity: 'a', leaseDurationSeconds: 15 });
    await suite.expectKind(
      suite.create({ holderIdentity: 'b', leaseDurationSeconds: 15 }),
      'already-exists',
    );
    const read = await suite.store().get(suite.signal());
    expect(read?.record.holderIdentity).toBe('a');
    expect(read?.resourceVersion).toBe(first.resourceVersion);
  });

  it('replaces at the current version and moves the version on', async () => {
    const created = await suite.create({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      renewTime: T1,
    });
    const spec = { ...created.object.spec, renewTime: T2 };
    const replaced = await suite
      .store()
      .replace({ ...created.object, spec }, created.resourceVersion, suite.signal());
    expect(replaced.resourceVersion).not.toBe(created.resourceVersion);
    expect(replaced.record.renewTime).toBe(T2);
    const read = await suite.store().get(suite.signal());
    expect(read?.resourceVersion).toBe(replaced.resourceVersion);
    expect(read?.record.renewTime).toBe(T2);
  });

  it('refuses a replace at a stale version with conflict and changes nothing', async () => {
    const created = await suite.create({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      renewTime: T1,
    });
    const theirs = await suite.backend().writeAsOtherClient({
      ...created.object,
      spec: { ...created.object.spec, holderIdentity: 'b', renewTime: T2 },
    });
    const mine = { ...created.object, spec: { ...created.object.spec, renewTime: T3 } };
    await suite.expectKind(
      suite.store().replace(mine, created.resourceVersion, suite.signal()),
      'conflict',
    );
    const read = await suite.store().get(suite.signal());
    expect(read?.resourceVersion).toBe(theirs.resourceVersion);
    expect(read?.record).toMatchObject({ holderIdentity: 'b', renewTime: T2 });
  });

  // The API server checks the object's uid as a precondition (a PUT may otherwise create a
  // Lease): a writer working from a deleted Lease gets 409, never a silent re-creation.
  it('refuses a replace of a deleted Lease with conflict (its uid no longer exists)', async (context) => {
    if (suite.options.skip?.replaceDeleted) {
      context.skip(suite.options.skip.replaceDeleted);
      return;
    }
    const created = await suite.create({ holderIdentity: 'a', leaseDurationSeconds: 15 });
    await suite.backend().deleteLease();
    const renewed = { ...created.object, spec: { ...created.object.spec, renewTime: T2 } };
    await suite.expectKind(
      suite.store().replace(renewed, created.resourceVersion, suite.signal()),
      'conflict',
    );
    expect(await suite.store().get(suite.signal())).toBeNull();
  });

  it('keeps foreign fields (strategy, preferredHolder, labels, annotations) on replace', async () => {
    await suite.create({ holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: T1 });
    const base = (await suite.store().get(suite.signal())) as StoredLease;
    const labels = { team: 'infra' };
    const annotations = { 'example.com/owner': 'someone' };
    const spec = {
      ...base.object.spec,
      strategy: 'OldestEmulationVersion',
      preferredHolder: 'b',
    };
    const foreign: LeaseObject = {
      ...base.object,
      metadata: { ...base.object.metadata, labels, annotations },
      spec,
    };
    const current = await suite.backend().writeAsOtherClient(foreign);
    const renewed = withElectionFields(
      current,
      renewalFields(current.record, 'a', 15, Date.parse(T2)),
    );
    const replaced = await suite.store().replace(renewed, current.resourceVersion, suite.signal());
    for (const result of [replaced, await suite.store().get(suite.signal())]) {
      expect(result?.record).toMatchObject({
        strategy: 'OldestEmulationVersion',
        preferredHolder: 'b',
      });
      expect(result?.record.renewTime).toBe(renewed.spec?.renewTime);
      expect(result?.object.metadata).toMatchObject({ labels, annotations });
    }
  });

  it('refuses a MicroTime with three fractional digits as invalid', async () => {
    await suite.expectKind(
      suite.create({
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: '2026-01-02T03:04:05.123Z',
      }),
      'invalid',
    );
    expect(await suite.store().get(suite.signal())).toBeNull();
    const created = await suite.create({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      renewTime: T1,
    });
    const bad = {
      ...created.object,
      spec: { ...created.object.spec, renewTime: new Date(Date.parse(T2)) },
    };
    await suite.expectKind(
      suite.store().replace(bad, created.resourceVersion, suite.signal()),
      'invalid',
    );
    expect((await suite.store().get(suite.signal()))?.resourceVersion).toBe(
      created.resourceVersion,
    );
  });

  it('refuses a leaseDurationSeconds of 0 as invalid', async () => {
    await suite.expectKind(
      suite.create({ holderIdentity: 'a', leaseDurationSeconds: 0 }),
      'invalid',
    );
    expect(await suite.store().get(suite.signal())).toBeNull();
  });
}
