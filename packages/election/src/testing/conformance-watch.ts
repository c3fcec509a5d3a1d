/**
 * Conformance checks of watches and of MicroTimes on every path; declared by
 * `describeLeaseStoreConformance`.
 *
 * @module
 */
import { expect, it } from 'vitest';
import { type ConformanceSuite, eventually, startWatch, T1, T2, T3 } from './conformance-kit.js';

/** Declares the watch checks of the suite. */
export function declareWatchChecks(suite: ConformanceSuite): void {
  it('watches from the list version and sees later changes in order', async () => {
    const listing = await suite.store().list(suite.signal());
    const watch = startWatch(suite.store(), listing.resourceVersion);
    const created = await suite.create({ holderIdentity: 'a', leaseDurationSeconds: 15 });
    const theirs = await suite.backend().writeAsOtherClient({
      ...created.object,
      spec: { ...created.object.spec, holderIdentity: 'b' },
    });
    await suite.backend().deleteLease();
    await eventually(() => expect(watch.changes()).toHaveLength(3));
    const [first, second, third] = watch.changes();
    expect(first?.type === 'upsert' && first.lease.resourceVersion).toBe(created.resourceVersion);
    expect(second?.type === 'upsert' && second.lease.record.holderIdentity).toBe('b');
    expect(second?.type === 'upsert' && second.lease.resourceVersion).toBe(theirs.resourceVersion);
    expect(third?.type).toBe('deleted');
    watch.stop();
    await expect(watch.done).resolves.toBeUndefined();
  });

  it('replays the changes after an older version', async () => {
    const created = await suite.create({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      renewTime: T1,
    });
    const second = await suite
      .store()
      .replace(
        { ...created.object, spec: { ...created.object.spec, renewTime: T2 } },
        created.resourceVersion,
        suite.signal(),
      );
    const third = await suite
      .store()
      .replace(
        { ...second.object, spec: { ...second.object.spec, renewTime: T3 } },
        second.resourceVersion,
        suite.signal(),
      );
    const watch = startWatch(suite.store(), created.resourceVersion);
    await eventually(() => expect(watch.changes()).toHaveLength(2));
    const versions = watch
      .changes()
      .map((e) => (e.type === 'upsert' ? e.lease.resourceVersion : e.type));
    expect(versions).toEqual([second.resourceVersion, third.resourceVersion]);
    watch.stop();
    await watch.done;
  });

  it('fails a watch from a version older than the history with gone', async (context) => {
    const backend = suite.backend();
    if (!backend.forceGone) {
      const reason = suite.options.skip?.gone;
      expect(reason, 'a backend without forceGone() must give a written skip reason').toBeTruthy();
      context.skip(reason);
      return;
    }
    const created = await suite.create({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      renewTime: T1,
    });
    await suite
      .store()
      .replace(
        { ...created.object, spec: { ...created.object.spec, renewTime: T2 } },
        created.resourceVersion,
        suite.signal(),
      );
    await backend.forceGone();
    await suite.expectKind(startWatch(suite.store(), created.resourceVersion).done, 'gone');
  });

  it('resolves an aborted watch, which then sees nothing more', async () => {
    const listing = await suite.store().list(suite.signal());
    const aborted = startWatch(suite.store(), listing.resourceVersion);
    aborted.stop();
    await expect(aborted.done).resolves.toBeUndefined();
    const alreadyAborted = AbortSignal.abort();
    await expect(
      suite.store().watch({
        resourceVersion: listing.resourceVersion,
        signal: alreadyAborted,
        onEvent: () => {},
      }),
    ).resolves.toBeUndefined();
    // A second watch is the barrier: once it saw the create, the first would have too.
    const witness = startWatch(suite.store(), listing.resourceVersion);
    await suite.create({ holderIdentity: 'a', leaseDurationSeconds: 15 });
    await eventually(() => expect(witness.changes()).toHaveLength(1));
    expect(aborted.events).toEqual([]);
    witness.stop();
    await witness.done;
  });

  it('round-trips MicroTimes with exactly six fractional digits', async () => {
    const listing = await suite.store().list(suite.signal());
    const watch = startWatch(suite.store(), listing.resourceVersion);
    const created = await suite.create({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: T1,
      renewTime: T2,
    });
    await eventually(() => expect(watch.changes()).toHaveLength(1));
    const event = watch.changes()[0];
    const seen = [
      created,
      await suite.store().get(suite.signal()),
      (await suite.store().list(suite.signal())).lease,
      event?.type === 'upsert' ? event.lease : null,
    ];
    for (const result of seen) {
      expect(result?.object.spec).toMatchObject({ acquireTime: T1, renewTime: T2 });
      expect(result?.record).toMatchObject({ acquireTime: T1, renewTime: T2 });
    }
    watch.stop();
    await watch.done;
  });
}
