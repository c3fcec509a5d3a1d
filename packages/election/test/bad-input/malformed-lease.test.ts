/**
 * Malformed Leases from the server, served raw through the adapter's own parsing: the
 * elector reads each one conservatively or reports a typed error, never crashes (an unhandled
 * rejection fails the run), and never lets two electors lead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseStoreError, MalformedLeaseError } from '../../src/core/errors.js';
import { isWireMicroTime } from '../../src/core/micro-time.js';
import { createInMemoryLeaseStore } from '../../src/store/index.js';
import { createRawLeaseStore, type RawLeaseStore } from './raw-lease-store.js';
import { TIMING, type TwoElectors, twoElectors } from './two-electors.js';

let running: TwoElectors[] = [];
afterEach(async () => {
  for (const fixture of running) await fixture.stop();
  running = [];
});

function setup(raw: unknown, options: { withoutVersion?: boolean } = {}) {
  const store = createRawLeaseStore();
  // Without a raw object, the Lease is pre-created (empty spec), as a deployment leaves it.
  store.serve(raw === undefined ? lease({}) : raw, options);
  const fixture = twoElectors(store);
  running.push(fixture);
  return { store, ...fixture };
}

const lease = (spec: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'lease', namespace: 'ns' },
  spec,
  ...extra,
});

/** The last record an elector wrote, as it would go on the wire. */
const lastWrite = (store: RawLeaseStore) => store.writes.at(-1)?.object.spec ?? {};

describe('a spec that is missing or unusable', () => {
  it.each([
    ['no spec', lease(undefined)],
    ['a null spec', lease(null)],
    ['an empty spec', lease({})],
  ])(
    '%s: the Lease is free, one elector takes it and writes a complete record',
    async (_label, raw) => {
      const { store, advance, leaders } = setup(raw);
      await advance(100);
      expect(leaders()).toHaveLength(1);
      expect(lastWrite(store)).toMatchObject({
        holderIdentity: leaders()[0],
        leaseDurationSeconds: TIMING.leaseDurationMs / 1000,
        leaseTransitions: 1,
      });
    },
  );

  it.each([
    ['an array spec', lease([])],
    ['a string spec', lease('holder=a')],
    ['another kind', { ...lease({ holderIdentity: '' }), kind: 'ConfigMap' }],
    ['a non-object', 'not a lease'],
  ])(
    '%s: a typed error in state, nobody leads, and a fixed object is then taken',
    async (_label, raw) => {
      const { store, advance, leaders, electors } = setup(raw);
      await advance(2_000);
      expect(leaders()).toEqual([]);
      for (const elector of electors) {
        expect(elector.state.role).toBe('follower');
        expect(elector.state.error).toBeInstanceOf(LeaseStoreError);
        expect(elector.state.error).toMatchObject({ kind: 'unavailable' });
        expect((elector.state.error as LeaseStoreError).cause).toBeInstanceOf(MalformedLeaseError);
      }
      store.serve(lease({}));
      await advance(35_000); // the watch loop retries with backoff (at most 30 s)
      expect(leaders()).toHaveLength(1);
    },
  );

  it('a Lease without metadata.resourceVersion: unusable (it could not be written back safely)', async () => {
    const { advance, leaders, electors } = setup(lease({ holderIdentity: '' }), {
      withoutVersion: true,
    });
    await advance(2_000);
    expect(leaders()).toEqual([]);
    expect(electors[0].state.error?.message).toMatch(/resourceVersion/);
  });
});

describe('a holder that is not a string', () => {
  it.each([42, true, { name: 'x' }, ['a']])(
    'holderIdentity %j is an unknown, live holder: waited out for its duration, then taken',
    async (holder) => {
      const { store, advance, leaders } = setup(
        lease({ holderIdentity: holder, leaseDurationSeconds: 2, leaseTransitions: 4 }),
      );
      await advance(1_900);
      expect(leaders()).toEqual([]);
      await advance(300);
      expect(leaders()).toHaveLength(1);
      expect(lastWrite(store)).toMatchObject({ leaseTransitions: 5 });
    },
  );
});

describe('leaseDurationSeconds', () => {
  const held = (leaseDurationSeconds: unknown) =>
    lease({ holderIdentity: 'ghost', leaseDurationSeconds, leaseTransitions: 1 });

  it.each([
    ['missing', undefined],
    ['zero', 0],
    ['negative', -15],
    ['fractional', 1.5],
    ['a string', '2'],
    ['null', null],
  ])(
    '%s: falls back to our own lease duration (never shorter than waiting at all)',
    async (_label, value) => {
      const { advance, leaders, electors } = setup(held(value));
      await advance(TIMING.leaseDurationMs - 200);
      expect(leaders()).toEqual([]);
      expect(electors[0].state.holder).toBe('ghost');
      await advance(400);
      expect(leaders()).toHaveLength(1);
    },
  );

  it('one second: honoured (the holder chose it), taken after a second', async () => {
    const { advance, leaders } = setup(held(1));
    await advance(800);
    expect(leaders()).toEqual([]);
    await advance(400);
    expect(leaders()).toHaveLength(1);
  });

  it.each([
    ['int32 max', 2_147_483_647],
    ['enormous', 1e12],
    ['the largest double', Number.MAX_VALUE],
  ])(
    '%s: the holder keeps the Lease; timers stay in range and nothing breaks',
    async (_label, value) => {
      const { advance, leaders, electors, clock } = setup(held(value));
      await advance(60_000);
      expect(leaders()).toEqual([]);
      expect(electors[0].state.leaseExpiresAt).toBeGreaterThan(clock.now() + 3_600_000);
      for (const elector of electors) expect(elector.state.error).toBeNull();
    },
  );
});

describe('times', () => {
  it.each([
    ['garbage strings', 'yesterday', 'soon'],
    ['numbers', 1_700_000_000, 0],
    ['three fractional digits', '2026-01-01T00:00:00.123Z', '2026-01-01T00:00:01.123Z'],
    ['nine fractional digits', '2026-01-01T00:00:00.123456789Z', '2026-01-01T00:00:01.123456789Z'],
    ['no fraction, an offset', '2026-01-01T01:00:00+01:00', '2026-01-01T01:00:01+01:00'],
  ])(
    '%s: never compared with our clock; the Lease expires by observation, and we write six digits',
    async (_label, acquireTime, renewTime) => {
      const { store, advance, leaders } = setup(
        lease({ holderIdentity: 'ghost', leaseDurationSeconds: 2, acquireTime, renewTime }),
      );
      await advance(1_900);
      expect(leaders()).toEqual([]);
      await advance(300);
      expect(leaders()).toHaveLength(1);
      await advance(3_000); // a few renewals from the record we wrote
      const written = lastWrite(store);
      expect(isWireMicroTime(written.acquireTime)).toBe(true);
      expect(isWireMicroTime(written.renewTime)).toBe(true);
    },
  );

  it('an operator writes a garbage renewTime on our own record: renewals go on, with valid times', async () => {
    const { store, advance, leaders } = setup(undefined);
    await advance(100);
    const [leader] = leaders();
    const current = store.current() as ReturnType<typeof lease>;
    store.serve({ ...current, spec: { ...(current.spec as object), renewTime: 'garbage' } });
    await advance(5_000);
    expect(leaders()).toEqual([leader]);
    expect(isWireMicroTime(lastWrite(store).renewTime)).toBe(true);
  });
});

describe('leaseTransitions', () => {
  it.each([
    ['negative', -3, 1],
    ['fractional', 2.7, 3],
    ['a string', '5', 1],
    ['null', null, 1],
  ])(
    '%s: read conservatively; the next term still gets a token above what was read',
    async (_label, value, token) => {
      const { store, advance, leaders, electors } = setup(
        lease({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: value }),
      );
      await advance(100);
      expect(leaders()).toHaveLength(1);
      const leader = electors.find((e) => e.isLeader);
      expect(leader?.term?.fencingToken).toBe(token);
      expect(lastWrite(store)).toMatchObject({ leaseTransitions: token });
    },
  );
});

describe('fields the elector does not own', () => {
  it('unknown spec, metadata and top-level fields survive every write', async () => {
    const { store, advance, leaders } = setup(
      lease(
        { holderIdentity: '', futureField: { nested: [1, 2] }, strategy: 'vendor.io/custom' },
        { status: { observed: true } },
      ),
    );
    await advance(3_000);
    expect(leaders()).toHaveLength(1);
    expect(store.writes.length).toBeGreaterThan(1);
    for (const write of store.writes) {
      expect(write.object).toMatchObject({
        status: { observed: true },
        spec: { futureField: { nested: [1, 2] }, strategy: 'vendor.io/custom' },
      });
    }
  });
});

describe('garbage on the watch', () => {
  it.each([
    [
      'an event of another kind',
      'MODIFIED',
      { kind: 'ConfigMap', metadata: { resourceVersion: '999' } },
    ],
    ['a non-object', 'MODIFIED', 'garbage'],
    ['null', 'ADDED', null],
    ['an unknown event type', 'EXPLODED', {}],
    ['a bookmark without a version', 'BOOKMARK', { metadata: {} }],
    ['a deletion without a version', 'DELETED', { metadata: { name: 'lease' } }],
  ])(
    '%s is ignored: the leader keeps leading, the follower keeps following',
    async (_label, type, object) => {
      const { store, advance, leaders } = setup(undefined);
      await advance(1_500);
      const before = leaders();
      expect(before).toHaveLength(1);
      store.emit(type, object);
      await advance(5_000);
      expect(leaders()).toEqual(before);
    },
  );
});

describe('a fencing token at the end of its range', () => {
  // The API server stores leaseTransitions as an int32. A Lease at 2^31 − 1 cannot be acquired
  // again by anyone (client-go's int32 wraps to a negative value, which is refused too): the
  // elector must report the server's refusal, not crash and not claim leadership.
  it('leaseTransitions at int32 max: the acquisition is refused as invalid; nobody leads', async () => {
    const store = createInMemoryLeaseStore({ name: 'lease', namespace: 'ns' });
    store.write({ metadata: {}, spec: { holderIdentity: '', leaseTransitions: 2_147_483_647 } });
    const fixture = twoElectors(store);
    running.push(fixture);
    await fixture.advance(10_000);
    expect(fixture.leaders()).toEqual([]);
    expect(fixture.electors[0].state.error).toMatchObject({ kind: 'invalid' });
    expect(store.current()?.record.leaseTransitions).toBe(2_147_483_647);
  });
});
