/**
 * One conformance suite for every {@link LeaseStore}: the in-memory store and the Kubernetes
 * adapter (against the embedded API server) both run it, so unit tests written against the
 * in-memory store mean the same thing against a cluster.
 *
 * @remarks
 * Needs `vitest` (it declares `describe`/`it` blocks). Call it at the top level of a test file:
 *
 * ```ts
 * describeLeaseStoreConformance('in-memory store', async () => {
 *   const store = createInMemoryLeaseStore({ name: 'conformance', namespace: 'default' });
 *   return { store, writeAsOtherClient: async (o) => store.write(o), ... };
 * });
 * ```
 *
 * @module
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreError, type LeaseStoreErrorKind } from '../core/errors.js';
import { type LeaseObject, renewalFields, withElectionFields } from '../core/lease-record.js';
import type { LeaseStore } from '../core/lease-store.js';
import {
  type ConformanceBackend,
  eventually,
  lease,
  startWatch,
  T1,
  T2,
  T3,
} from './conformance-kit.js';

export type { ConformanceBackend } from './conformance-kit.js';

/** Options of {@link describeLeaseStoreConformance}. */
export interface ConformanceOptions {
  /** Written reasons to skip a check the backend cannot support. */
  readonly skip?: {
    /** Why the backend cannot make a version too old (required when `forceGone` is absent). */
    readonly gone?: string;
    /** Why the backend does not answer a replace of a deleted Lease as the API server does. */
    readonly replaceDeleted?: string;
  };
}

/** Declares the conformance suite for the {@link LeaseStore} built by `makeBackend`. */
export function describeLeaseStoreConformance(
  name: string,
  makeBackend: () => Promise<ConformanceBackend>,
  options: ConformanceOptions = {},
): void {
  describe(`LeaseStore conformance: ${name}`, () => {
    let backend: ConformanceBackend;
    let store: LeaseStore;
    const signal = () => AbortSignal.timeout(10_000);
    const create = (spec: Record<string, unknown>) => store.create(lease(store, spec), signal());
    const expectKind = async (promise: Promise<unknown>, kind: LeaseStoreErrorKind) => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isStoreError(error, kind), `expected LeaseStoreError ${kind}, got ${error}`).toBe(
        true,
      );
    };

    beforeEach(async () => {
      backend = await makeBackend();
      store = backend.store;
    });
    afterEach(async () => {
      await backend.close();
    });

    it('reads an absent Lease as null and lists it with a version to watch from', async () => {
      expect(await store.get(signal())).toBeNull();
      const listing = await store.list(signal());
      expect(listing.lease).toBeNull();
      expect(listing.resourceVersion).toMatch(/\S/);
    });

    it('creates the Lease; get and list then return the same version and record', async () => {
      const created = await create({
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
      const read = await store.get(signal());
      expect(read?.resourceVersion).toBe(created.resourceVersion);
      expect(read?.record).toEqual(created.record);
      expect((await store.list(signal())).lease?.resourceVersion).toBe(created.resourceVersion);
    });

    it('fails a second create with already-exists and keeps the first', async () => {
      const first = await create({ holderIdentity: 'a', leaseDurationSeconds: 15 });
      await expectKind(create({ holderIdentity: 'b', leaseDurationSeconds: 15 }), 'already-exists');
      const read = await store.get(signal());
      expect(read?.record.holderIdentity).toBe('a');
      expect(read?.resourceVersion).toBe(first.resourceVersion);
    });

    it('replaces at the current version and moves the version on', async () => {
      const created = await create({
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        renewTime: T1,
      });
      const spec = { ...created.object.spec, renewTime: T2 };
      const replaced = await store.replace(
        { ...created.object, spec },
        created.resourceVersion,
        signal(),
      );
      expect(replaced.resourceVersion).not.toBe(created.resourceVersion);
      expect(replaced.record.renewTime).toBe(T2);
      const read = await store.get(signal());
      expect(read?.resourceVersion).toBe(replaced.resourceVersion);
      expect(read?.record.renewTime).toBe(T2);
    });

    it('refuses a replace at a stale version with conflict and changes nothing', async () => {
      const created = await create({
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        renewTime: T1,
      });
      const theirs = await backend.writeAsOtherClient({
        ...created.object,
        spec: { ...created.object.spec, holderIdentity: 'b', renewTime: T2 },
      });
      const mine = { ...created.object, spec: { ...created.object.spec, renewTime: T3 } };
      await expectKind(store.replace(mine, created.resourceVersion, signal()), 'conflict');
      const read = await store.get(signal());
      expect(read?.resourceVersion).toBe(theirs.resourceVersion);
      expect(read?.record).toMatchObject({ holderIdentity: 'b', renewTime: T2 });
    });

    // The API server checks the object's uid as a precondition (a PUT may otherwise create a
    // Lease): a writer working from a deleted Lease gets 409, never a silent re-creation.
    it('refuses a replace of a deleted Lease with conflict (its uid no longer exists)', async (context) => {
      if (options.skip?.replaceDeleted) {
        context.skip(options.skip.replaceDeleted);
        return;
      }
      const created = await create({ holderIdentity: 'a', leaseDurationSeconds: 15 });
      await backend.deleteLease();
      const renewed = { ...created.object, spec: { ...created.object.spec, renewTime: T2 } };
      await expectKind(store.replace(renewed, created.resourceVersion, signal()), 'conflict');
      expect(await store.get(signal())).toBeNull();
    });

    it('keeps foreign fields (strategy, preferredHolder, labels, annotations) on replace', async () => {
      await create({ holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: T1 });
      const base = (await store.get(signal())) as NonNullable<
        Awaited<ReturnType<LeaseStore['get']>>
      >;
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
      const current = await backend.writeAsOtherClient(foreign);
      const renewed = withElectionFields(
        current,
        renewalFields(current.record, 'a', 15, Date.parse(T2)),
      );
      const replaced = await store.replace(renewed, current.resourceVersion, signal());
      for (const result of [replaced, await store.get(signal())]) {
        expect(result?.record).toMatchObject({
          strategy: 'OldestEmulationVersion',
          preferredHolder: 'b',
        });
        expect(result?.record.renewTime).toBe(renewed.spec?.renewTime);
        expect(result?.object.metadata).toMatchObject({ labels, annotations });
      }
    });

    it('watches from the list version and sees later changes in order', async () => {
      const listing = await store.list(signal());
      const watch = startWatch(store, listing.resourceVersion);
      const created = await create({ holderIdentity: 'a', leaseDurationSeconds: 15 });
      const theirs = await backend.writeAsOtherClient({
        ...created.object,
        spec: { ...created.object.spec, holderIdentity: 'b' },
      });
      await backend.deleteLease();
      await eventually(() => expect(watch.changes()).toHaveLength(3));
      const [first, second, third] = watch.changes();
      expect(first?.type === 'upsert' && first.lease.resourceVersion).toBe(created.resourceVersion);
      expect(second?.type === 'upsert' && second.lease.record.holderIdentity).toBe('b');
      expect(second?.type === 'upsert' && second.lease.resourceVersion).toBe(
        theirs.resourceVersion,
      );
      expect(third?.type).toBe('deleted');
      watch.stop();
      await expect(watch.done).resolves.toBeUndefined();
    });

    it('replays the changes after an older version', async () => {
      const created = await create({
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        renewTime: T1,
      });
      const second = await store.replace(
        { ...created.object, spec: { ...created.object.spec, renewTime: T2 } },
        created.resourceVersion,
        signal(),
      );
      const third = await store.replace(
        { ...second.object, spec: { ...second.object.spec, renewTime: T3 } },
        second.resourceVersion,
        signal(),
      );
      const watch = startWatch(store, created.resourceVersion);
      await eventually(() => expect(watch.changes()).toHaveLength(2));
      const versions = watch
        .changes()
        .map((e) => (e.type === 'upsert' ? e.lease.resourceVersion : e.type));
      expect(versions).toEqual([second.resourceVersion, third.resourceVersion]);
      watch.stop();
      await watch.done;
    });

    it('fails a watch from a version older than the history with gone', async (context) => {
      if (!backend.forceGone) {
        const reason = options.skip?.gone;
        expect(
          reason,
          'a backend without forceGone() must give a written skip reason',
        ).toBeTruthy();
        context.skip(reason);
        return;
      }
      const created = await create({
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        renewTime: T1,
      });
      await store.replace(
        { ...created.object, spec: { ...created.object.spec, renewTime: T2 } },
        created.resourceVersion,
        signal(),
      );
      await backend.forceGone();
      await expectKind(startWatch(store, created.resourceVersion).done, 'gone');
    });

    it('resolves an aborted watch, which then sees nothing more', async () => {
      const listing = await store.list(signal());
      const aborted = startWatch(store, listing.resourceVersion);
      aborted.stop();
      await expect(aborted.done).resolves.toBeUndefined();
      const alreadyAborted = AbortSignal.abort();
      await expect(
        store.watch({
          resourceVersion: listing.resourceVersion,
          signal: alreadyAborted,
          onEvent: () => {},
        }),
      ).resolves.toBeUndefined();
      // A second watch is the barrier: once it saw the create, the first would have too.
      const witness = startWatch(store, listing.resourceVersion);
      await create({ holderIdentity: 'a', leaseDurationSeconds: 15 });
      await eventually(() => expect(witness.changes()).toHaveLength(1));
      expect(aborted.events).toEqual([]);
      witness.stop();
      await witness.done;
    });

    it('refuses a MicroTime with three fractional digits as invalid', async () => {
      await expectKind(
        create({
          holderIdentity: 'a',
          leaseDurationSeconds: 15,
          acquireTime: '2026-01-02T03:04:05.123Z',
        }),
        'invalid',
      );
      expect(await store.get(signal())).toBeNull();
      const created = await create({
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        renewTime: T1,
      });
      const bad = {
        ...created.object,
        spec: { ...created.object.spec, renewTime: new Date(Date.parse(T2)) },
      };
      await expectKind(store.replace(bad, created.resourceVersion, signal()), 'invalid');
      expect((await store.get(signal()))?.resourceVersion).toBe(created.resourceVersion);
    });

    it('refuses a leaseDurationSeconds of 0 as invalid', async () => {
      await expectKind(create({ holderIdentity: 'a', leaseDurationSeconds: 0 }), 'invalid');
      expect(await store.get(signal())).toBeNull();
    });

    it('round-trips MicroTimes with exactly six fractional digits', async () => {
      const listing = await store.list(signal());
      const watch = startWatch(store, listing.resourceVersion);
      const created = await create({
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: T1,
        renewTime: T2,
      });
      await eventually(() => expect(watch.changes()).toHaveLength(1));
      const event = watch.changes()[0];
      const seen = [
        created,
        await store.get(signal()),
        (await store.list(signal())).lease,
        event?.type === 'upsert' ? event.lease : null,
      ];
      for (const result of seen) {
        expect(result?.object.spec).toMatchObject({ acquireTime: T1, renewTime: T2 });
        expect(result?.record).toMatchObject({ acquireTime: T1, renewTime: T2 });
      }
      watch.stop();
      await watch.done;
    });
  });
}
