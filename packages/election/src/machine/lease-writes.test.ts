/**
 * The write builders' failure paths and bodies, on the in-memory store without latency:
 * which answers end a write as a lost race or a lost term and which propagate, how many
 * conflicts a renewal and a release absorb before giving up, that anything a store throws
 * comes out typed, and what each write puts in the Lease. The timing of the writes (sentAt
 * before the send) is in test/timing/lease-writes.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../core/config.js';
import { LeaseStoreError } from '../core/errors.js';
import { FENCING_EPOCH_ANNOTATION } from '../core/fence.js';
import type { StoredLease } from '../core/lease-record.js';
import type { LeaseStore } from '../core/lease-store.js';
import { createManualClock } from '../core/manual-clock.js';
import { createInMemoryLeaseStore, type InMemoryLeaseStore } from '../store/index.js';
import { acquireLease, releaseLease, renewLease, type WriteContext } from './lease-writes.js';

const WALL = Date.parse('2026-03-01T12:00:00.000Z');

function world(options: { leaseDurationMs?: number } = {}) {
  const clock = createManualClock({ start: 5_000, wallStart: WALL });
  const store = createInMemoryLeaseStore({ name: 'lease', namespace: 'ns', clock });
  const config = resolveConfig({ name: 'lease', namespace: 'ns', identity: 'me', ...options });
  const context: WriteContext = { store, clock, config, signal: new AbortController().signal };
  return { clock, store, config, context };
}

function holdAs(store: InMemoryLeaseStore, holderIdentity: string, transitions = 2) {
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

/** The store with some of its methods replaced, counting the calls of each. */
function wrap(store: LeaseStore, overrides: Partial<LeaseStore>) {
  const calls = { get: 0, list: 0, create: 0, replace: 0 };
  const wrapped: LeaseStore = {
    name: store.name,
    namespace: store.namespace,
    get: (signal) => {
      calls.get++;
      return (overrides.get ?? store.get.bind(store))(signal);
    },
    list: (signal) => {
      calls.list++;
      return (overrides.list ?? store.list.bind(store))(signal);
    },
    create: (object, signal) => {
      calls.create++;
      return (overrides.create ?? store.create.bind(store))(object, signal);
    },
    replace: (object, version, signal) => {
      calls.replace++;
      return (overrides.replace ?? store.replace.bind(store))(object, version, signal);
    },
    watch: store.watch.bind(store),
  };
  return { wrapped, calls };
}

async function leading(w: ReturnType<typeof world>): Promise<StoredLease> {
  const result = await acquireLease(w.context, null);
  if (result.outcome !== 'acquired') throw new Error('setup: not acquired');
  return result.lease;
}

describe('acquireLease: what it writes', () => {
  it('creates the Lease with our identity, our duration in seconds and the wall time', async () => {
    const w = world({ leaseDurationMs: 20_000 });
    await leading(w);
    const created = w.store.current();
    expect(created?.object.metadata).toMatchObject({ name: 'lease', namespace: 'ns' });
    expect(created?.record).toMatchObject({
      holderIdentity: 'me',
      leaseDurationSeconds: 20,
      acquireTime: '2026-03-01T12:00:00.000000Z',
      renewTime: '2026-03-01T12:00:00.000000Z',
      leaseTransitions: 0,
    });
  });

  it('takes over at the version decided on, keeping what it does not own', async () => {
    const w = world();
    const decidedOn = w.store.write({
      metadata: { name: 'lease', namespace: 'ns', labels: { team: 'a' } },
      spec: { holderIdentity: 'old', leaseDurationSeconds: 30, leaseTransitions: 4 },
    });
    const result = await acquireLease(w.context, decidedOn);
    expect(result.outcome).toBe('acquired');
    expect(w.store.current()?.object.metadata.labels).toEqual({ team: 'a' });
    expect(w.store.current()?.record).toMatchObject({
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      leaseTransitions: 5,
    });
  });
});

describe('acquireLease: the fencing epoch it stamps', () => {
  const epochOf = (lease: StoredLease | null | undefined) =>
    lease?.object.metadata.annotations?.[FENCING_EPOCH_ANNOTATION];

  it('creates an absent Lease without an epoch: its epoch is the version of the create, which the first renewal stamps', async () => {
    const w = world();
    holdAs(w.store, 'old');
    w.store.delete();
    const created = await leading(w);
    expect(epochOf(created)).toBeUndefined();
    const renewed = await renewLease(w.context, created, created.resourceVersion);
    expect(renewed.outcome).toBe('renewed');
    expect(epochOf(w.store.current())).toBe(created.resourceVersion);
    // Once stamped, an epoch is never rewritten, whatever the term passes.
    const again = await renewLease(w.context, w.store.current(), '999');
    expect(again.outcome).toBe('renewed');
    expect(epochOf(w.store.current())).toBe(created.resourceVersion);
  });

  it('renews a Lease without an epoch unchanged when the term has none to give', async () => {
    const w = world();
    const created = await leading(w);
    await renewLease(w.context, created);
    expect(epochOf(w.store.current())).toBeUndefined();
  });

  it('gives a Lease that has no epoch the version decided on, keeping its other annotations', async () => {
    const w = world();
    const decidedOn = w.store.write({
      metadata: { name: 'lease', namespace: 'ns', annotations: { 'team.example/owner': 'a' } },
      spec: {},
    });
    expect((await acquireLease(w.context, decidedOn)).outcome).toBe('acquired');
    expect(w.store.current()?.object.metadata.annotations).toEqual({
      'team.example/owner': 'a',
      [FENCING_EPOCH_ANNOTATION]: decidedOn.resourceVersion,
    });
  });

  it('keeps the epoch of a Lease that has one (a takeover is the same object)', async () => {
    const w = world();
    const decidedOn = w.store.write({
      metadata: {
        name: 'lease',
        namespace: 'ns',
        annotations: { [FENCING_EPOCH_ANNOTATION]: '3' },
      },
      spec: { holderIdentity: 'old', leaseDurationSeconds: 15, leaseTransitions: 1 },
    });
    expect((await acquireLease(w.context, decidedOn)).outcome).toBe('acquired');
    expect(epochOf(w.store.current())).toBe('3');
    expect(epochOf(w.store.current())).not.toBe(decidedOn.resourceVersion);
  });

  it('stamps no epoch when the store versions are not decimal integers', async () => {
    // A custom store with opaque versions: its created Lease's version is no epoch, and a
    // renewal never stamps one.
    const w = world();
    const created = await leading(w);
    expect(epochOf(created)).toBeUndefined();
    expect((await renewLease(w.context, created, 'opaque-7')).outcome).toBe('renewed');
    expect(epochOf(w.store.current())).toBeUndefined();
  });
});

describe('acquireLease: failures', () => {
  it('does not create when the list before the create finds a Lease: a lost race with it', async () => {
    const w = world();
    const held = holdAs(w.store, 'other');
    const { wrapped, calls } = wrap(w.store, {});
    // Decided on an absent Lease, but someone created it since.
    const result = await acquireLease({ ...w.context, store: wrapped }, null);
    expect(result).toEqual({ outcome: 'lost-race', lease: held });
    expect(calls).toMatchObject({ list: 1, create: 0, replace: 0 });
  });

  it('a create that finds the Lease already there (created after the list) is a lost race', async () => {
    const w = world();
    let other: StoredLease | null = null;
    const { wrapped, calls } = wrap(w.store, {
      list: async (signal) => {
        const listing = await w.store.list(signal);
        // Another candidate creates the Lease between our list and our create.
        other ??= holdAs(w.store, 'other');
        return listing;
      },
    });
    const result = await acquireLease({ ...w.context, store: wrapped }, null);
    expect(result).toEqual({ outcome: 'lost-race', lease: other });
    expect(calls).toMatchObject({ list: 2, create: 1 });
    expect(w.store.current()?.record.holderIdentity).toBe('other');
  });

  it('a Lease deleted since the decision (not-found) is a lost race with the fresh read', async () => {
    const w = world();
    const decidedOn = holdAs(w.store, 'old');
    w.store.delete();
    // The API server answers a replace of a deleted Lease with 404.
    w.store.failNext('not-found', { method: 'replace' });
    // The fresh read is a list: it finds no Lease and says at which version, but a list cannot
    // tell a deletion from a Lease that never existed.
    expect(await acquireLease(w.context, decidedOn)).toEqual({
      outcome: 'lost-race',
      lease: null,
      absence: {
        resourceVersion: (await w.store.list(new AbortController().signal)).resourceVersion,
        deletion: false,
      },
    });
  });

  it('a conflict is a lost race with the fresh read', async () => {
    const w = world();
    const decidedOn = holdAs(w.store, 'old');
    w.store.failNext('conflict', { method: 'replace' });
    const result = await acquireLease(w.context, decidedOn);
    expect(result).toEqual({ outcome: 'lost-race', lease: w.store.current() });
  });

  it('a refusal propagates typed and is not taken as a lost race', async () => {
    const w = world();
    const decidedOn = holdAs(w.store, 'old');
    for (const kind of ['forbidden', 'invalid', 'unavailable'] as const) {
      w.store.failNext(kind, { method: 'replace' });
      await expect(acquireLease(w.context, decidedOn)).rejects.toMatchObject({ kind });
    }
    expect(w.store.current()?.record.holderIdentity).toBe('old');
  });

  it('turns anything a store throws into an unavailable LeaseStoreError, keeping the cause', async () => {
    const w = world();
    const socket = new Error('socket hang up');
    const { wrapped } = wrap(w.store, { create: () => Promise.reject(socket) });
    const error = await acquireLease({ ...w.context, store: wrapped }, null).catch((e) => e);
    expect(error).toBeInstanceOf(LeaseStoreError);
    expect(error).toMatchObject({ kind: 'unavailable', message: 'socket hang up', cause: socket });
  });
});

describe('renewLease', () => {
  it('writes our identity, the current duration and a later renewTime; acquireTime and the token stay', async () => {
    const w = world();
    const lease = await leading(w);
    w.clock.advance(3_000);
    const result = await renewLease(w.context, lease);
    expect(result.outcome).toBe('renewed');
    expect(w.store.current()?.record).toMatchObject({
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      acquireTime: '2026-03-01T12:00:00.000000Z',
      renewTime: '2026-03-01T12:00:03.000000Z',
      leaseTransitions: 0,
    });
  });

  it('a not-found answer ends the term without another read', async () => {
    const w = world();
    const lease = await leading(w);
    w.store.failNext('not-found', { method: 'replace' });
    const { wrapped, calls } = wrap(w.store, {});
    expect(await renewLease({ ...w.context, store: wrapped }, lease)).toEqual({
      outcome: 'lost',
      lease: null,
    });
    expect(calls).toMatchObject({ get: 0, replace: 1 });
  });

  it('absorbs two conflicts while still the holder and renews on the third try', async () => {
    const w = world();
    const lease = await leading(w);
    w.store.failNext('conflict', { method: 'replace', count: 2 });
    const { wrapped, calls } = wrap(w.store, {});
    const result = await renewLease({ ...w.context, store: wrapped }, lease);
    expect(result.outcome).toBe('renewed');
    expect(calls).toMatchObject({ get: 2, replace: 3 });
  });

  it('gives up after three conflicts in a row, as a transient failure', async () => {
    const w = world();
    const lease = await leading(w);
    w.store.failNext('conflict', { method: 'replace', count: 3 });
    const { wrapped, calls } = wrap(w.store, {});
    const error = await renewLease({ ...w.context, store: wrapped }, lease).catch((e) => e);
    expect(error).toBeInstanceOf(LeaseStoreError);
    expect(error.kind).toBe('unavailable');
    expect(error.message).toContain('renewal kept conflicting');
    expect(calls.replace).toBe(3);
    expect(w.store.current()?.resourceVersion).toBe(lease.resourceVersion);
  });

  it('a Lease gone at the read after the third conflict is a lost term, not a failure', async () => {
    const w = world();
    const lease = await leading(w);
    w.store.failNext('conflict', { method: 'replace', count: 3 });
    let reads = 0;
    const { wrapped } = wrap(w.store, {
      get: (signal) => (++reads === 3 ? Promise.resolve(null) : w.store.get(signal)),
    });
    expect(await renewLease({ ...w.context, store: wrapped }, lease)).toEqual({
      outcome: 'lost',
      lease: null,
    });
  });

  it('other errors propagate without a re-read', async () => {
    const w = world();
    const lease = await leading(w);
    w.store.failNext('forbidden', { method: 'replace' });
    const { wrapped, calls } = wrap(w.store, {});
    await expect(renewLease({ ...w.context, store: wrapped }, lease)).rejects.toMatchObject({
      kind: 'forbidden',
    });
    expect(calls.get).toBe(0);
  });

  it('nothing cached is a lost term, without any request', async () => {
    const w = world();
    const { wrapped, calls } = wrap(w.store, {});
    expect(await renewLease({ ...w.context, store: wrapped }, null)).toEqual({
      outcome: 'lost',
      lease: null,
    });
    expect(calls).toEqual({ get: 0, list: 0, create: 0, replace: 0 });
  });
});

describe('releaseLease', () => {
  it('blanks the holder with a 1 s duration at the wall time, keeping the token', async () => {
    const w = world();
    await leading(w);
    w.clock.advance(4_000);
    expect((await releaseLease(w.context)).outcome).toBe('released');
    expect(w.store.current()?.record).toMatchObject({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: '2026-03-01T12:00:04.000000Z',
      renewTime: '2026-03-01T12:00:04.000000Z',
      leaseTransitions: 0,
    });
  });

  it('retries a conflict with a fresh read, up to five attempts', async () => {
    const w = world();
    await leading(w);
    w.store.failNext('conflict', { method: 'replace', count: 4 });
    const { wrapped, calls } = wrap(w.store, {});
    expect((await releaseLease({ ...w.context, store: wrapped })).outcome).toBe('released');
    expect(calls).toMatchObject({ get: 5, replace: 5 });
  });

  it('gives up after five conflicts in a row, as a transient failure, leaving the Lease held', async () => {
    const w = world();
    await leading(w);
    w.store.failNext('conflict', { method: 'replace', count: 5 });
    const { wrapped, calls } = wrap(w.store, {});
    const error = await releaseLease({ ...w.context, store: wrapped }).catch((e) => e);
    expect(error).toBeInstanceOf(LeaseStoreError);
    expect(error.kind).toBe('unavailable');
    expect(error.message).toContain('release kept conflicting');
    expect(calls.replace).toBe(5);
    expect(w.store.current()?.record.holderIdentity).toBe('me');
  });

  it('other errors propagate at once', async () => {
    const w = world();
    await leading(w);
    w.store.failNext('forbidden', { method: 'replace' });
    const { wrapped, calls } = wrap(w.store, {});
    await expect(releaseLease({ ...w.context, store: wrapped })).rejects.toMatchObject({
      kind: 'forbidden',
    });
    expect(calls.replace).toBe(1);
  });

  it('asks the given holds predicate, not the default one, whether the fresh read is ours', async () => {
    const w = world();
    holdAs(w.store, 'someone-else');
    const asked: string[] = [];
    const holds = (lease: StoredLease | null, identity: string) => {
      asked.push(`${lease?.record.holderIdentity}/${identity}`);
      return true;
    };
    expect((await releaseLease({ ...w.context, holds })).outcome).toBe('released');
    expect(asked).toEqual(['someone-else/me']);
  });

  it('never writes when there is no Lease, whatever the holds predicate says', async () => {
    const w = world();
    const { wrapped, calls } = wrap(w.store, {});
    const result = await releaseLease({ ...w.context, store: wrapped, holds: () => true });
    expect(result).toEqual({ outcome: 'not-held', lease: null });
    expect(calls).toMatchObject({ get: 1, create: 0, replace: 0 });
  });
});
