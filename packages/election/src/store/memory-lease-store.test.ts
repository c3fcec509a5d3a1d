import { describe, expect, it } from 'vitest';
import { isStoreError } from '../core/errors.js';
import type { LeaseObject } from '../core/lease-record.js';
import { createManualClock, flushMicrotasks } from '../core/manual-clock.js';
import { eventually, lease, startWatch, T1, T2 } from '../testing/conformance-kit.js';
import { describeLeaseStoreConformance } from '../testing/lease-store-conformance.js';
import { createInMemoryLeaseStore } from './memory-lease-store.js';

describeLeaseStoreConformance('in-memory store', async () => {
  const store = createInMemoryLeaseStore({ name: 'conformance', namespace: 'default' });
  return {
    store,
    writeAsOtherClient: async (object) => store.write(object),
    deleteLease: async () => {
      store.delete();
    },
    forceGone: async () => store.compact(),
    close: async () => {},
  };
});

const never = new AbortController().signal;
const make = (options: Partial<Parameters<typeof createInMemoryLeaseStore>[0]> = {}) =>
  createInMemoryLeaseStore({ name: 'lock', namespace: 'ns', ...options });
const body = (spec: Record<string, unknown>): LeaseObject => ({ metadata: {}, spec });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('in-memory store: semantics beyond the port', () => {
  it('resolves on a later microtask, never synchronously, and arms no timer', async () => {
    const clock = createManualClock();
    const store = make({ clock });
    let settled = false;
    const pending = store.create(body({ holderIdentity: 'a' }), never).then(() => {
      settled = true;
    });
    expect(settled).toBe(false);
    expect(store.current()).toBeNull();
    await pending;
    expect(settled).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('gives every change the next value of one decimal counter, deletions included', async () => {
    const store = make();
    const empty = await store.list(never);
    const created = await store.create(body({ holderIdentity: 'a' }), never);
    store.delete();
    const listed = await store.list(never);
    const numbers = [empty.resourceVersion, created.resourceVersion, listed.resourceVersion].map(
      Number,
    );
    expect(numbers).toEqual([numbers[0], (numbers[0] ?? 0) + 1, (numbers[0] ?? 0) + 2]);
  });

  it('keeps the version and sends no event for a replace that changes nothing', async () => {
    const store = make();
    const created = await store.create(body({ holderIdentity: 'a', renewTime: T1 }), never);
    const watch = startWatch(store, created.resourceVersion);
    const same = await store.replace(created.object, created.resourceVersion, never);
    expect(same.resourceVersion).toBe(created.resourceVersion);
    store.bookmark();
    await eventually(() => expect(watch.events).toHaveLength(1));
    expect(watch.events[0]?.type).toBe('bookmark');
    watch.stop();
  });

  it('answers a replace of a deleted Lease like the API server: conflict with a uid', async () => {
    const store = make();
    const created = await store.create(body({ holderIdentity: 'a' }), never);
    store.delete();
    const error = await failure(store.replace(created.object, created.resourceVersion, never));
    expect(isStoreError(error, 'conflict')).toBe(true);
    expect(store.current()).toBeNull();
    // Without a uid there is no precondition to fail, and Leases allow create-on-update.
    const { uid: _uid, ...metadata } = created.object.metadata;
    const recreated = await store.replace({ ...created.object, metadata }, '2', never);
    expect(recreated.record.holderIdentity).toBe('a');
  });

  it('validates like the server and names the field', async () => {
    const store = make();
    const cases: Record<string, unknown>[] = [
      { leaseDurationSeconds: 1.5 },
      { leaseDurationSeconds: -1 },
      { leaseTransitions: -1 },
      { holderIdentity: 7 },
      { renewTime: '2026-01-02T03:04:05Z' },
      { preferredHolder: 'b' },
    ];
    for (const spec of cases) {
      const error = await failure(store.create(body(spec), never));
      expect(isStoreError(error, 'invalid'), JSON.stringify(spec)).toBe(true);
      expect((error as Error).message).toContain(Object.keys(spec)[0]);
    }
    const wrongName = { metadata: { name: 'other' }, spec: {} };
    expect(isStoreError(await failure(store.create(wrongName, never)), 'invalid')).toBe(true);
    expect(store.writes).toEqual([]);
  });

  it('stores an offset MicroTime in UTC with its six digits, and drops unknown fields', async () => {
    const store = make();
    const created = await store.create(
      body({ renewTime: '2026-01-02T05:04:05.123456+02:00', futureField: 1 }),
      never,
    );
    expect(created.object.spec).toEqual({ renewTime: '2026-01-02T03:04:05.123456Z' });
  });

  it('logs every write with the version it was conditioned on and the result', async () => {
    const clock = createManualClock({ start: 100 });
    const store = make({ clock });
    const created = await store.create(body({ holderIdentity: 'a' }), never);
    clock.advance(5);
    const other = store.write(body({ holderIdentity: 'b' }));
    const replaced = await store.replace(other.object, other.resourceVersion, never);
    store.delete();
    expect(
      store.writes.map((w) => [w.sequence, w.method, w.expectedResourceVersion, w.atMs]),
    ).toEqual([
      [1, 'create', null, 100],
      [2, 'write', null, 105],
      [3, 'replace', other.resourceVersion, 105],
      [4, 'delete', null, 105],
    ]);
    expect(store.writes[0]?.lease?.resourceVersion).toBe(created.resourceVersion);
    expect(store.writes[2]?.resourceVersion).toBe(replaced.resourceVersion);
    expect(store.writes[3]?.lease).toBeNull();
  });

  it('hands out copies: mutating a result changes nothing stored', async () => {
    const store = make();
    const created = await store.create(body({ holderIdentity: 'a' }), never);
    (created.object.spec as Record<string, unknown>).holderIdentity = 'mallory';
    expect(store.current()?.record.holderIdentity).toBe('a');
  });

  it('fails injected calls in order, by method and count, and after commit when asked', async () => {
    const store = make();
    store.failNext('unavailable', { method: 'get', count: 2, retryAfterMs: 300 });
    store.failNext('forbidden');
    const first = await failure(store.get(never));
    expect(isStoreError(first, 'unavailable') && first.retryAfterMs).toBe(300);
    expect(isStoreError(await failure(store.list(never)), 'forbidden')).toBe(true);
    expect(isStoreError(await failure(store.get(never)), 'unavailable')).toBe(true);
    expect(await store.get(never)).toBeNull();

    store.failNext('unavailable', { method: 'create', afterCommit: true });
    expect(isStoreError(await failure(store.create(body({}), never)), 'unavailable')).toBe(true);
    expect(store.current()).not.toBeNull();
    expect(store.writes).toHaveLength(1);
  });

  it('delays calls by the configured latency on the injected clock', async () => {
    const clock = createManualClock();
    const store = make({ clock, latency: { requestMs: 10, responseMs: 20 } });
    let done = false;
    const pending = store.create(body({}), never).then(() => {
      done = true;
    });
    await clock.advanceAsync(9);
    expect(store.current()).toBeNull();
    await clock.advanceAsync(1);
    expect(store.current()).not.toBeNull();
    await clock.advanceAsync(19);
    expect(done).toBe(false);
    await clock.advanceAsync(1);
    await pending;
    expect(done).toBe(true);
  });

  it('rejects an aborted call with the signal reason; a write already applied stands', async () => {
    const clock = createManualClock();
    const store = make({ clock, latency: { responseMs: 20 } });
    const controller = new AbortController();
    const pending = failure(store.create(body({}), controller.signal));
    await flushMicrotasks();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(store.current()).not.toBeNull();
  });

  it('drops watches after delivering what they were sent, with an optional error', async () => {
    const store = make();
    const listing = await store.list(never);
    const clean = startWatch(store, listing.resourceVersion);
    await flushMicrotasks();
    store.write(body({ holderIdentity: 'a' }));
    store.dropWatches();
    await expect(clean.done).resolves.toBeUndefined();
    expect(clean.changes()).toHaveLength(1);

    const failing = startWatch(store, listing.resourceVersion);
    await flushMicrotasks();
    store.dropWatches('gone');
    expect(isStoreError(await failure(failing.done), 'gone')).toBe(true);
    expect(store.activeWatches()).toBe(0);
  });

  it('forgets history beyond historyLimit', async () => {
    const store = make({ historyLimit: 1 });
    const created = await store.create(body({ renewTime: T1 }), never);
    const second = store.write(body({ renewTime: T2 }));
    const fromFirst = startWatch(store, created.resourceVersion);
    await eventually(() => expect(fromFirst.changes()).toHaveLength(1));
    fromFirst.stop();
    const tooOld = startWatch(store, String(Number(created.resourceVersion) - 1));
    expect(isStoreError(await failure(tooOld.done), 'gone')).toBe(true);
    expect(second.resourceVersion).toBe(String(Number(created.resourceVersion) + 1));
  });

  it('fails a watch whose onEvent throws with that error, instead of hiding it', async () => {
    const store = make();
    const bug = new Error('consumer bug');
    const listing = await store.list(never);
    const done = store.watch({
      resourceVersion: listing.resourceVersion,
      signal: never,
      onEvent: () => {
        throw bug;
      },
    });
    store.write(body({}));
    expect(await failure(done)).toBe(bug);
  });

  it('starts a watch from version 0 with the current state, as the API server does', async () => {
    const store = make();
    await store.create(lease(store, { holderIdentity: 'a' }), never);
    const watch = startWatch(store, '0');
    await eventually(() => expect(watch.changes()).toHaveLength(1));
    watch.stop();
  });
});
