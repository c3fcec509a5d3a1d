/**
 * The write builders on their own, against the in-memory store with latency on a manual
 * clock: each write is conditioned on the version it was decided on, `sentAt` is the local
 * time *before* the send (never the answer's), a lost race returns a fresh read, and a release
 * re-reads and writes only while the fresh read still names us.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import type { StoredLease } from '../../src/core/lease-record.js';
import { createManualClock, flushMicrotasks } from '../../src/core/manual-clock.js';
import {
  acquireLease,
  releaseLease,
  renewLease,
  type WriteContext,
} from '../../src/machine/lease-writes.js';
import { createInMemoryLeaseStore, type InMemoryLeaseStore } from '../../src/store/index.js';

const REQUEST_MS = 30;
const RESPONSE_MS = 70;

function world(identity = 'a') {
  const clock = createManualClock({ start: 1_000 });
  const store = createInMemoryLeaseStore({
    name: 'lease',
    namespace: 'ns',
    clock,
    latency: { requestMs: REQUEST_MS, responseMs: RESPONSE_MS },
  });
  const config = resolveConfig({ name: 'lease', namespace: 'ns', identity });
  const context: WriteContext = { store, clock, config, signal: new AbortController().signal };
  /** Runs a write to completion on the manual clock. */
  async function settle<T>(promise: Promise<T>): Promise<T> {
    let done = false;
    const tracked = promise.finally(() => {
      done = true;
    });
    tracked.catch(() => {}); // observed below; not an unhandled rejection meanwhile
    for (let i = 0; i < 100 && !done; i++) await clock.advanceAsync(10);
    await flushMicrotasks();
    return tracked;
  }
  return { clock, store, config, context, settle };
}

/** Writes a record as another client would. */
function holdAs(store: InMemoryLeaseStore, holderIdentity: string, transitions = 3) {
  return store.write({
    metadata: { name: 'lease', namespace: 'ns' },
    spec: {
      holderIdentity,
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-01T00:00:00.000000Z',
      renewTime: '2026-01-01T00:00:00.000000Z',
      leaseTransitions: transitions,
    },
  });
}

describe('acquireLease', () => {
  it('creates an absent Lease after a list; sentAt is the send time of the create, not its answer time', async () => {
    const { store, context, settle } = world();
    const result = await settle(acquireLease(context, null));
    // One round trip for the list, then the create is sent.
    const createSent = 1_000 + REQUEST_MS + RESPONSE_MS;
    expect(result).toMatchObject({ outcome: 'acquired', sentAt: createSent, created: true });
    expect(store.writes).toHaveLength(1);
    expect(store.writes[0]).toMatchObject({ method: 'create', atMs: createSent + REQUEST_MS });
    expect(store.current()?.record).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0 });
    // No epoch yet: the create's own version is the epoch, stamped by the first renewal.
    expect(store.current()?.object.metadata.annotations).toBeUndefined();
  });

  it('takes over a record at the version decided on, with token + 1', async () => {
    const { store, context, settle } = world();
    const decidedOn = holdAs(store, 'old', 3);
    const result = await settle(acquireLease(context, decidedOn));
    expect(result).toMatchObject({ outcome: 'acquired', sentAt: 1_000, created: false });
    expect(store.current()?.record).toMatchObject({ holderIdentity: 'a', leaseTransitions: 4 });
  });

  it('a decision on a stale version loses the race, writes nothing, and returns the fresh read', async () => {
    const { store, context, settle } = world();
    const stale = holdAs(store, 'old', 3);
    const fresh = holdAs(store, 'winner', 4);
    const writes = store.writes.length;
    const result = await settle(acquireLease(context, stale));
    expect(result).toEqual({ outcome: 'lost-race', lease: fresh });
    expect(store.writes).toHaveLength(writes);
  });

  it('a create that finds a Lease already there loses the race', async () => {
    const { store, context, settle } = world();
    const existing = holdAs(store, 'winner', 0);
    const result = await settle(acquireLease(context, null));
    expect(result).toEqual({ outcome: 'lost-race', lease: existing });
  });

  it('recreating a Lease seen deleted continues its fencing count', async () => {
    const { store, context, settle } = world();
    const gone = holdAs(store, 'old', 7).record;
    store.delete();
    const result = await settle(acquireLease(context, null, gone));
    expect(result.outcome).toBe('acquired');
    expect(store.current()?.record.leaseTransitions).toBe(8);
  });

  it('other errors propagate', async () => {
    const { store, context, settle } = world();
    store.failNext('unavailable', { method: 'create' });
    await expect(settle(acquireLease(context, null))).rejects.toMatchObject({
      kind: 'unavailable',
    });
  });
});

describe('renewLease', () => {
  async function leading() {
    const w = world();
    const acquired = await w.settle(acquireLease(w.context, null));
    if (acquired.outcome !== 'acquired') throw new Error('setup');
    return { ...w, lease: acquired.lease };
  }

  it('renews the cached version; sentAt is the send time of the write that succeeded', async () => {
    const { clock, store, context, settle, lease } = await leading();
    await clock.advanceAsync(2_000);
    const sent = clock.now();
    const result = await settle(renewLease(context, lease));
    expect(result).toMatchObject({ outcome: 'renewed', sentAt: sent });
    expect(store.writes.at(-1)).toMatchObject({ method: 'replace', atMs: sent + REQUEST_MS });
    expect(store.current()?.record.leaseTransitions).toBe(0);
  });

  it('after a conflict from a foreign label edit, re-reads and renews; sentAt is the second send', async () => {
    const { clock, store, context, settle, lease } = await leading();
    await clock.advanceAsync(2_000);
    const edited = store.write({
      ...lease.object,
      metadata: { ...lease.object.metadata, labels: { team: 'x' } },
    });
    const first = clock.now();
    const result = await settle(renewLease(context, lease));
    expect(result.outcome).toBe('renewed');
    // after the failed replace and the read, the winning send: sentAt is its send time
    const winning = (result as { sentAt: number }).sentAt;
    expect(winning).toBeGreaterThanOrEqual(first + REQUEST_MS + (REQUEST_MS + RESPONSE_MS));
    expect(store.writes.at(-1)).toMatchObject({ method: 'replace', atMs: winning + REQUEST_MS });
    expect(store.current()?.object.metadata.labels).toEqual({ team: 'x' });
    expect(Number(store.current()?.resourceVersion)).toBeGreaterThan(
      Number(edited.resourceVersion),
    );
  });

  it('a cached record naming someone else is lost without writing', async () => {
    const { store, context, settle } = world();
    const other = holdAs(store, 'b');
    const writes = store.writes.length;
    expect(await settle(renewLease(context, other))).toEqual({ outcome: 'lost', lease: other });
    expect(store.writes).toHaveLength(writes);
  });

  it('a conflict whose fresh read shows another holder is lost, without writing', async () => {
    const { store, context, settle, lease } = await leading();
    const taken = holdAs(store, 'b', 1);
    const writes = store.writes.length;
    expect(await settle(renewLease(context, lease))).toEqual({ outcome: 'lost', lease: taken });
    expect(store.writes).toHaveLength(writes);
  });

  it('a deleted Lease is lost', async () => {
    const { store, context, settle, lease } = await leading();
    store.delete();
    expect(await settle(renewLease(context, lease))).toEqual({ outcome: 'lost', lease: null });
  });

  it('renewTime moves forward even when the wall clock does not', async () => {
    const { store, context, settle, lease } = await leading();
    const before = lease.record.renewTime!;
    await settle(renewLease(context, lease));
    expect(store.current()!.record.renewTime! > before).toBe(true);
  });
});

describe('releaseLease', () => {
  async function leading() {
    const w = world();
    const acquired = await w.settle(acquireLease(w.context, null));
    if (acquired.outcome !== 'acquired') throw new Error('setup');
    return { ...w, lease: acquired.lease as StoredLease };
  }

  it('a Lease we hold: re-reads, then blanks the holder at the version read', async () => {
    const { store, context, settle } = await leading();
    const result = await settle(releaseLease(context));
    expect(result.outcome).toBe('released');
    expect(store.writes.map((w) => w.method)).toEqual(['create', 'replace']);
    expect(store.current()?.record).toMatchObject({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      leaseTransitions: 0,
    });
  });

  it('a Lease someone else took since our last view: the fresh read shows it, nothing is written', async () => {
    const { store, context, settle } = await leading();
    const successor = holdAs(store, 'b', 1);
    const writes = store.writes.length;
    const result = await settle(releaseLease(context));
    expect(result).toEqual({ outcome: 'not-held', lease: successor });
    expect(store.writes).toHaveLength(writes);
    expect(store.current()?.record.holderIdentity).toBe('b');
  });

  it('a Lease taken over while the release read was in flight: the write at the read version conflicts, the re-read shows the successor', async () => {
    const { clock, store, context, settle } = await leading();
    const releasing = releaseLease(context);
    // The read is answered at +REQUEST_MS; the successor writes before the replace lands.
    await clock.advanceAsync(REQUEST_MS + 1);
    holdAs(store, 'b', 1);
    const result = await settle(releasing);
    expect(result.outcome).toBe('not-held');
    expect(store.current()?.record.holderIdentity).toBe('b');
  });

  it('no Lease at all: nothing to release', async () => {
    const { context, settle } = world();
    expect(await settle(releaseLease(context))).toEqual({ outcome: 'not-held', lease: null });
  });

  it('a released Lease (holder blank) is not released again', async () => {
    const { store, context, settle } = await leading();
    await settle(releaseLease(context));
    const writes = store.writes.length;
    expect((await settle(releaseLease(context))).outcome).toBe('not-held');
    expect(store.writes).toHaveLength(writes);
  });
});
