/**
 * What users call, through `createLeaderElector` on an in-memory store and a manual clock:
 * `isLeader$`, `leader$`, `whenLeader()` (success, and its `signal`), the `signal` option
 * aborted after `start()`, and the `lease` template.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LeadershipLostError } from '../../src/core/errors.js';
import {
  createManualClock,
  flushMicrotasks,
  type ManualClock,
} from '../../src/core/manual-clock.js';
import {
  createLeaderElector,
  type LeaderElector,
  type LeaderElectorOptions,
} from '../../src/handle/leader-elector.js';
import { createInMemoryLeaseStore, type InMemoryLeaseStore } from '../../src/store/index.js';

let running: { electors: LeaderElector[]; clock: ManualClock }[] = [];

function world() {
  const clock = createManualClock();
  const store = createInMemoryLeaseStore({
    name: 'lease',
    namespace: 'ns',
    clock,
    precreated: true,
  });
  const electors: LeaderElector[] = [];
  running.push({ electors, clock });
  const make = (identity: string, options: Partial<LeaderElectorOptions> = {}) => {
    const elector = createLeaderElector({
      name: 'lease',
      namespace: 'ns',
      identity,
      store,
      clock,
      random: () => 0.5,
      keepProcessAlive: false,
      ...options,
    });
    electors.push(elector);
    return elector;
  };
  const advance = async (ms: number) => {
    await clock.advanceAsync(ms);
    await flushMicrotasks(5);
  };
  return { clock, store, make, advance, settle: () => flushMicrotasks(5) };
}

afterEach(async () => {
  for (const { electors, clock } of running) {
    const stopping = Promise.all(electors.map((e) => e.stop()));
    for (let i = 0; i < 20; i++) {
      await clock.advanceAsync(5_000);
    }
    await stopping;
  }
  running = [];
});

const holderOf = (store: InMemoryLeaseStore) => store.current()?.record.holderIdentity ?? null;

describe('isLeader$', () => {
  it('emits false, then true on acquiring, then false when the term ends — each change once', async () => {
    const { make, settle, advance } = world();
    const a = make('a');
    const seen: boolean[] = [];
    a.isLeader$.subscribe((value) => seen.push(value));
    expect(seen).toEqual([false]);
    a.start();
    await settle();
    expect(seen).toEqual([false, true]);
    await advance(20_000); // many renewals: no repeated emissions
    expect(seen).toEqual([false, true]);
    await a.stepDown();
    await settle();
    expect(seen).toEqual([false, true, false]);
  });

  it('agrees with isLeader at every emission', async () => {
    const { make, settle, advance } = world();
    const a = make('a');
    const b = make('b');
    const mismatches: string[] = [];
    for (const e of [a, b]) {
      e.isLeader$.subscribe((value) => {
        if (value !== e.isLeader) mismatches.push(`${e.config.identity}: ${value}`);
      });
    }
    a.start();
    await settle();
    b.start();
    await settle();
    await a.stepDown();
    await settle();
    await advance(1_000);
    expect(b.isLeader).toBe(true);
    expect(mismatches).toEqual([]);
  });
});

describe('leader$', () => {
  it('emits the observed holder as it changes: null, a, then b after a hands over', async () => {
    const { make, settle } = world();
    const a = make('a');
    const b = make('b');
    const seenByB: (string | null)[] = [];
    b.leader$.subscribe((holder) => seenByB.push(holder));
    a.start();
    await settle();
    b.start();
    await settle();
    expect(seenByB).toEqual([null, 'a']);
    await a.stop();
    await settle();
    expect(b.isLeader).toBe(true);
    // a released (holder blank) and b took it; each distinct holder is emitted once.
    expect(seenByB.at(-1)).toBe('b');
    expect(seenByB.filter((h) => h === 'a')).toHaveLength(1);
    for (let i = 1; i < seenByB.length; i++) expect(seenByB[i]).not.toBe(seenByB[i - 1]);
  });
});

describe('whenLeader()', () => {
  it('resolves with the current term once leading; its signal aborts when the term ends', async () => {
    const { make, settle, store } = world();
    const a = make('a');
    const pending = a.whenLeader();
    let resolved = false;
    void pending.then(() => {
      resolved = true;
    });
    await settle();
    expect(resolved).toBe(false); // not started yet
    a.start();
    const term = await pending;
    expect(term).toMatchObject({ identity: 'a', fencingToken: 1 });
    expect(term.fencingToken).toBe(store.current()?.record.leaseTransitions);
    expect(term.isCurrent()).toBe(true);
    expect(term.signal.aborted).toBe(false);
    await a.stepDown();
    expect(term.signal.aborted).toBe(true);
    expect(term.signal.reason).toBeInstanceOf(LeadershipLostError);
    expect(term.isCurrent()).toBe(false);
  });

  it('resolves at once when already leading, with the same term', async () => {
    const { make, settle } = world();
    const a = make('a').start();
    await settle();
    expect(await a.whenLeader()).toBe(a.term);
  });

  it('with a signal: resolves when leadership comes first, and a later abort changes nothing', async () => {
    const { make, settle, advance } = world();
    const a = make('a').start();
    await settle();
    const b = make('b').start();
    await settle();
    const controller = new AbortController();
    const waiting = b.whenLeader({ signal: controller.signal });
    await a.stepDown();
    const term = await waiting;
    expect(term.identity).toBe('b');
    controller.abort(new Error('too late'));
    await advance(1);
    expect(b.isLeader).toBe(true);
  });

  it('with a signal aborted first: rejects with its reason, and the elector keeps running', async () => {
    const { make, settle, advance } = world();
    const a = make('a').start();
    await settle();
    const b = make('b').start();
    await settle();
    const controller = new AbortController();
    const waiting = b.whenLeader({ signal: controller.signal });
    const reason = new Error('gave up waiting');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await a.stepDown();
    await advance(1);
    expect(b.isLeader).toBe(true);
  });

  it('rejects when the elector stops before leading', async () => {
    const { make, settle } = world();
    make('a').start();
    await settle();
    const b = make('b').start();
    await settle();
    const waiting = b.whenLeader();
    await b.stop();
    await expect(waiting).rejects.toThrow(/stopped before becoming leader/);
  });
});

describe('the signal option', () => {
  it('aborted after start(): the leader stops, its term signal aborts, and it releases', async () => {
    const { make, settle, store } = world();
    const controller = new AbortController();
    const a = make('a', { signal: controller.signal }).start();
    await settle();
    const term = a.term;
    expect(term?.fencingToken).toBe(1);
    controller.abort();
    await settle();
    expect(term?.signal.aborted).toBe(true);
    expect(a.isLeader).toBe(false);
    expect(a.state.role).toBe('stopped');
    expect(holderOf(store)).toBe('');
    // Stopped for good: start() does nothing now.
    a.start();
    await settle();
    expect(a.state.role).toBe('stopped');
  });

  it('aborted after start() while following: stops without writing', async () => {
    const { make, settle, store } = world();
    make('a').start();
    await settle();
    const controller = new AbortController();
    const b = make('b', { signal: controller.signal }).start();
    await settle();
    const writes = store.writes.length;
    controller.abort();
    await settle();
    expect(b.state.role).toBe('stopped');
    expect(store.writes).toHaveLength(writes);
    expect(holderOf(store)).toBe('a');
  });
});

describe('the lease template option', () => {
  it('labels, annotations and owner references go on the Lease it creates, and survive renewals and release', async () => {
    const { make, advance, store } = world();
    store.delete(); // the template applies to a Lease the elector creates
    const ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app', uid: 'u-1', controller: true },
    ];
    const a = make('a', {
      lease: {
        labels: { 'app.kubernetes.io/name': 'app' },
        annotations: { 'example.com/owner': 'team-a' },
        ownerReferences,
      },
    }).start();
    await advance(a.config.leaseDurationMs); // an absent Lease is waited out first
    const metadata = () => store.current()?.object.metadata;
    expect(metadata()).toMatchObject({
      labels: { 'app.kubernetes.io/name': 'app' },
      annotations: { 'example.com/owner': 'team-a' },
      ownerReferences,
    });
    await advance(6_000);
    expect(store.writes.filter((w) => w.method === 'replace').length).toBeGreaterThanOrEqual(3);
    expect(metadata()?.labels).toEqual({ 'app.kubernetes.io/name': 'app' });
    await a.stop();
    expect(holderOf(store)).toBe('');
    expect(metadata()?.annotations).toEqual({
      'example.com/owner': 'team-a',
      'leasehold.dev/fencing-epoch': expect.stringMatching(/^\d+$/),
    });
  });

  it('does not touch the metadata of a Lease that already exists', async () => {
    const { make, settle, store } = world();
    store.write({
      metadata: { name: 'lease', namespace: 'ns', labels: { existing: 'yes' } },
      spec: { holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 2 },
    });
    make('a', { lease: { labels: { mine: 'no' } } }).start();
    await settle();
    expect(holderOf(store)).toBe('a');
    expect(store.current()?.object.metadata.labels).toEqual({ existing: 'yes' });
  });
});
