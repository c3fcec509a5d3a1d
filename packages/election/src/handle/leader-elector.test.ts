import { Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { DrainTimeoutError } from '../core/errors.js';
import type { LeaseStore } from '../core/lease-store.js';
import { createManualClock, flushMicrotasks, type ManualClock } from '../core/manual-clock.js';
import { createInMemoryLeaseStore, type InMemoryLeaseStore } from '../store/index.js';
import { createLeaderElector, type LeaderElector } from './leader-elector.js';
import type { LeadershipState } from './leadership-state.js';

const NAME = 'lease';
const NAMESPACE = 'ns';

/** A per-elector view of the shared store that counts calls and can cut the elector off. */
function tap(inner: LeaseStore) {
  const calls: string[] = [];
  let partitioned = false;
  const streams = new Set<AbortController>();
  const hang = <T>(signal: AbortSignal) =>
    new Promise<T>((_resolve, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
    );
  /** Records the call, then hangs while partitioned or passes it on. */
  const call = <T>(name: string, signal: AbortSignal, run: () => Promise<T>): Promise<T> => {
    calls.push(name);
    return partitioned ? hang<T>(signal) : run();
  };
  const store: LeaseStore = {
    name: inner.name,
    namespace: inner.namespace,
    get: (signal) => call('get', signal, () => inner.get(signal)),
    list: (signal) => call('list', signal, () => inner.list(signal)),
    create: (object, signal) => call('create', signal, () => inner.create(object, signal)),
    replace: (object, version, signal) =>
      call('replace', signal, () => inner.replace(object, version, signal)),
    watch: (options) => {
      calls.push('watch');
      if (partitioned) return hang<void>(options.signal).catch(() => {});
      const stream = new AbortController();
      streams.add(stream);
      options.signal.addEventListener('abort', () => stream.abort(), { once: true });
      return inner
        .watch({ ...options, signal: stream.signal })
        .finally(() => streams.delete(stream));
    },
  };
  return {
    store,
    calls,
    /** Every call from now on hangs; open watches end (and reconnects hang). */
    partition() {
      partitioned = true;
      for (const stream of streams) stream.abort();
    },
    heal() {
      partitioned = false;
    },
  };
}

interface Fixture {
  clock: ManualClock;
  store: InMemoryLeaseStore;
  electors: LeaderElector[];
  taps: ReturnType<typeof tap>[];
  states: LeadershipState[][];
  settle(): Promise<void>;
  advance(ms: number): Promise<void>;
  leaders(): string[];
}

let fixtures: Fixture[] = [];

function setup(
  count: number,
  overrides: Partial<Parameters<typeof createLeaderElector>[0]> = {},
  { precreated = true } = {},
) {
  const clock = createManualClock();
  const store = createInMemoryLeaseStore({ name: NAME, namespace: NAMESPACE, clock, precreated });
  const taps: ReturnType<typeof tap>[] = [];
  const states: LeadershipState[][] = [];
  const electors = Array.from({ length: count }, (_, i) => {
    const t = tap(store);
    taps.push(t);
    const elector = createLeaderElector({
      name: NAME,
      namespace: NAMESPACE,
      identity: `candidate-${i}`,
      store: t.store,
      clock,
      random: () => 0.5,
      ...overrides,
    });
    const seen: LeadershipState[] = [];
    states.push(seen);
    elector.state$.subscribe((s) => seen.push(s));
    return elector;
  });
  const fixture: Fixture = {
    clock,
    store,
    electors,
    taps,
    states,
    settle: () => flushMicrotasks(5),
    async advance(ms) {
      await clock.advanceAsync(ms);
      await flushMicrotasks(5);
    },
    leaders: () => electors.filter((e) => e.isLeader).map((e) => e.config.identity),
  };
  fixtures.push(fixture);
  return fixture;
}

afterEach(async () => {
  for (const f of fixtures) {
    await Promise.race([Promise.all(f.electors.map((e) => e.stop())), f.advance(60_000)]);
  }
  fixtures = [];
});

const holderOf = (store: InMemoryLeaseStore) => store.current()?.record.holderIdentity ?? null;

describe('createLeaderElector', () => {
  it('takes a pre-created Lease at once, with a client-go record and an epoch stamped', async () => {
    const f = setup(1);
    f.electors[0]!.start();
    await f.settle();
    const elector = f.electors[0]!;
    expect(elector.isLeader).toBe(true);
    expect(elector.state).toMatchObject({ role: 'leader', holder: 'candidate-0' });
    expect(elector.term?.fencingToken).toBe(1);
    // The pre-created Lease carried no epoch: it gets the version the acquisition was decided on.
    expect(elector.term?.fencingEpoch).toBe('2');
    expect(elector.term?.fence).toBe(String(2 * 2 ** 32 + 1));
    expect(f.store.current()?.object.metadata.annotations).toEqual({
      'leasehold.dev/fencing-epoch': '2',
    });
    expect(f.store.current()?.record).toMatchObject({
      holderIdentity: 'candidate-0',
      leaseDurationSeconds: 15,
      leaseTransitions: 1,
    });
    expect(f.store.current()?.record.renewTime).toMatch(/\.\d{6}Z$/);
  });

  it('waits out an absent Lease for a lease duration, then creates it with token 0; its epoch is the version of the create, stamped by the first renewal', async () => {
    const f = setup(1, {}, { precreated: false });
    const elector = f.electors[0]!.start();
    await f.settle();
    await f.advance(elector.config.leaseDurationMs - 1);
    expect(elector.isLeader).toBe(false);
    expect(f.store.current()).toBeNull();
    await f.advance(1);
    expect(elector.isLeader).toBe(true);
    expect(elector.term?.fencingToken).toBe(0);
    // The empty store is at version 1: the create made version 2.
    const created = f.store.current()!;
    expect(created.resourceVersion).toBe('2');
    expect(elector.term?.fencingEpoch).toBe('2');
    expect(elector.term?.fence).toBe(String(2 * 2 ** 32));
    expect(created.object.metadata.annotations).toBeUndefined();
    expect(created.record.leaseTransitions).toBe(0);
    await f.advance(elector.config.retryPeriodMs);
    expect(f.store.current()?.object.metadata.annotations?.['leasehold.dev/fencing-epoch']).toBe(
      '2',
    );
    expect(elector.term?.fencingEpoch).toBe('2');
  });

  it('leads on a Lease it created only once its watch shows it; unconfirmed, it neither renews nor releases and waits its own record out', async () => {
    const clock = createManualClock();
    const inner = createInMemoryLeaseStore({ name: NAME, namespace: NAMESPACE, clock });
    let muted = false;
    const calls: string[] = [];
    const store: LeaseStore = {
      ...inner,
      create: (object, signal) => (calls.push('create'), inner.create(object, signal)),
      replace: (object, version, signal) => (
        calls.push('replace'), inner.replace(object, version, signal)
      ),
      // A watch that lags without limit: it delivers nothing while muted.
      watch: (options) =>
        inner.watch({ ...options, onEvent: (event) => muted || options.onEvent(event) }),
    };
    const elector = createLeaderElector({
      name: NAME,
      namespace: NAMESPACE,
      identity: 'me',
      store,
      clock,
      random: () => 0.5,
    });
    const events: string[] = [];
    elector.events$.subscribe((event) => events.push(event.type));
    const advance = async (ms: number) => {
      await clock.advanceAsync(ms);
      await flushMicrotasks(5);
    };
    // Stopped by afterEach, like the fixtures' electors.
    fixtures.push({ electors: [elector], advance } as unknown as Fixture);
    elector.start();
    await flushMicrotasks(5);
    muted = true;
    await advance(15_000); // the absence is waited out: the create is sent at 15 s
    expect(calls).toEqual(['create']);
    expect(inner.current()?.record.holderIdentity).toBe('me');
    expect(elector.isLeader).toBe(false);
    expect(elector.state.role).toBe('candidate');
    await advance(10_000 - 1); // up to the deadline the create's term would have had
    expect(elector.isLeader).toBe(false);
    await advance(1);
    expect(events).toContain('acquire.unconfirmed');
    expect(events).not.toContain('term.started');
    expect(elector.state.role).toBe('follower');
    muted = false;
    // Its own record is waited out from the moment it gave the create up: neither renewed
    // nor released meanwhile.
    await advance(15_000 - 1);
    expect(calls).toEqual(['create']);
    expect(elector.isLeader).toBe(false);
    await advance(1);
    expect(calls).toEqual(['create', 'replace']);
    expect(elector.isLeader).toBe(true);
    expect(elector.term?.fencingToken).toBe(1);
  });

  it('follows a Lease that appears while it waits out an absence', async () => {
    const f = setup(1, {}, { precreated: false });
    const elector = f.electors[0]!.start();
    await f.advance(5_000);
    f.store.write({ metadata: {}, spec: { holderIdentity: 'other', leaseDurationSeconds: 15 } });
    await f.advance(elector.config.leaseDurationMs - 1);
    expect(elector.isLeader).toBe(false);
    expect(elector.state.holder).toBe('other');
    await f.advance(1);
    expect(elector.isLeader).toBe(true);
    expect(elector.term?.fencingToken).toBe(1);
  });

  it('renews once per retry period and moves its deadline with each renewal', async () => {
    const f = setup(1);
    f.electors[0]!.start();
    await f.settle();
    const firstDeadline = f.electors[0]!.state.deadline!;
    const before = f.taps[0]!.calls.filter((c) => c === 'replace').length;
    await f.advance(10_000);
    const renewals = f.taps[0]!.calls.filter((c) => c === 'replace').length - before;
    expect(renewals).toBe(5);
    expect(f.electors[0]!.state.deadline).toBeGreaterThan(firstDeadline);
    expect(f.electors[0]!.isLeader).toBe(true);
  });

  it('lets exactly one of five candidates lead, and followers send nothing in steady state', async () => {
    const f = setup(5);
    for (const e of f.electors) e.start();
    await f.settle();
    expect(f.leaders()).toHaveLength(1);
    const leader = f.leaders()[0]!;
    const followerCalls = () =>
      f.taps.filter((_, i) => `candidate-${i}` !== leader).map((t) => t.calls.length);
    const before = followerCalls();
    await f.advance(60_000);
    expect(f.leaders()).toEqual([leader]);
    expect(followerCalls()).toEqual(before);
  });

  it('hands over within one round trip when the leader stops and releases', async () => {
    const f = setup(2);
    const [a, b] = f.electors as [LeaderElector, LeaderElector];
    a.start();
    await f.settle();
    b.start();
    await f.settle();
    expect(a.isLeader).toBe(true);
    await a.stop();
    await f.settle();
    // No clock movement at all: the release is seen on the watch and acted on at once.
    expect(b.isLeader).toBe(true);
    expect(b.term?.fencingToken).toBe(2);
    expect(a.state.role).toBe('stopped');
  });

  it('takes over a crashed leader exactly when its lease expires on the local clock', async () => {
    const f = setup(2);
    const [a, b] = f.electors as [LeaderElector, LeaderElector];
    a.start();
    await f.settle();
    b.start();
    await f.settle();
    const lastRenewalSeenAt = f.clock.now();
    f.taps[0]!.partition(); // a can no longer reach the server: to b, it has crashed
    await f.advance(15_000 - 1);
    expect(b.isLeader).toBe(false);
    // a's own view expired 10 s after it last sent a renewal, 5 s before b may take over.
    expect(a.isLeader).toBe(false);
    expect(a.state.lastTermEnd).toBe('deadline');
    await f.advance(1);
    expect(b.isLeader).toBe(true);
    expect(f.clock.now() - lastRenewalSeenAt).toBe(15_000);
  });

  it('keeps leading through a single failed renewal', async () => {
    const f = setup(1);
    f.electors[0]!.start();
    await f.settle();
    f.store.failNext('unavailable', { method: 'replace', count: 1 });
    await f.advance(20_000);
    expect(f.states[0]!.filter((s) => s.role === 'stepping-down')).toHaveLength(0);
    expect(f.electors[0]!.isLeader).toBe(true);
  });

  it('holds through an API outage until its deadline, then demotes', async () => {
    const f = setup(1);
    const elector = f.electors[0]!;
    elector.start();
    await f.settle();
    const deadline = elector.state.deadline!;
    f.taps[0]!.partition();
    await f.advance(deadline - f.clock.now() - 1);
    expect(elector.isLeader).toBe(true);
    await f.advance(1);
    expect(elector.isLeader).toBe(false);
    expect(elector.state.role).not.toBe('leader');
    expect(elector.state.lastTermEnd).toBe('deadline');
  });

  it('reports not-leader past the deadline even when no timer could run (a paused process)', async () => {
    const f = setup(1);
    const elector = f.electors[0]!;
    elector.start();
    await f.settle();
    f.taps[0]!.partition();
    f.clock.stall(10_001);
    expect(elector.state.role).toBe('leader'); // nothing has run yet...
    expect(elector.isLeader).toBe(false); // ...but the getter reads the clock
  });

  it('demotes at once when another holder appears on the Lease', async () => {
    const f = setup(1);
    const elector = f.electors[0]!;
    elector.start();
    await f.settle();
    const term = elector.term!;
    const lease = f.store.current()!;
    f.store.write({
      ...lease.object,
      spec: { ...lease.object.spec, holderIdentity: 'intruder', leaseTransitions: 9 },
    });
    await f.settle();
    expect(elector.isLeader).toBe(false);
    expect(term.signal.aborted).toBe(true);
    expect(elector.state.lastTermEnd).toBe('lost');
    expect(holderOf(f.store)).toBe('intruder'); // lost, so nothing was released
  });

  it('yields to a preferredHolder naming another candidate, releasing first', async () => {
    const f = setup(2);
    const [a, b] = f.electors as [LeaderElector, LeaderElector];
    a.start();
    await f.settle();
    b.start();
    await f.settle();
    const lease = f.store.current()!;
    f.store.write({
      ...lease.object,
      spec: {
        ...lease.object.spec,
        strategy: 'OldestEmulationVersion',
        preferredHolder: 'candidate-1',
      },
    });
    await f.settle();
    expect(a.state.lastTermEnd).toBe('preferred-holder');
    expect(b.isLeader).toBe(true);
    // The coordinated-election fields survived every write.
    expect(f.store.current()?.record).toMatchObject({
      strategy: 'OldestEmulationVersion',
      preferredHolder: 'candidate-1',
    });
  });

  it('steps down on request: drains, releases, then stays out until another leads', async () => {
    const f = setup(2);
    const [a, b] = f.electors as [LeaderElector, LeaderElector];
    a.start();
    await f.settle();
    await a.stepDown();
    await f.settle();
    expect(a.isLeader).toBe(false);
    expect(holderOf(f.store)).toBe(''); // released, and a does not grab it back
    b.start();
    await f.settle();
    expect(b.isLeader).toBe(true);
    await b.stop();
    await f.settle();
    // Someone else led meanwhile, so a competes again without a restart.
    expect(a.isLeader).toBe(true);
  });

  it('retakes the Lease after a voluntary step-down when nobody else wants it', async () => {
    const f = setup(1);
    const a = f.electors[0]!;
    a.start();
    await f.settle();
    const first = a.term!.fencingToken;
    await a.stepDown();
    await f.advance(15_000);
    expect(a.isLeader).toBe(true);
    expect(a.term!.fencingToken).toBeGreaterThan(first);
  });

  it('competes again after losing, and fencing tokens increase term over term', async () => {
    const f = setup(2);
    const [a, b] = f.electors as [LeaderElector, LeaderElector];
    const tokens: number[] = [];
    for (const e of f.electors) e.runWhileLeader((term) => void tokens.push(term.fencingToken));
    a.start();
    await f.settle();
    b.start();
    await f.settle();
    for (let round = 0; round < 4; round++) {
      const leader = a.isLeader ? a : b;
      await leader.stepDown();
      await f.settle();
      await f.advance(16_000);
    }
    expect(tokens.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]!);
  });

  it('aborts leader work first, waits for it, and only then releases', async () => {
    const f = setup(1);
    const elector = f.electors[0]!;
    const order: string[] = [];
    elector.runWhileLeader(async (term) => {
      await new Promise((resolve) => term.signal.addEventListener('abort', resolve));
      order.push(`work aborted (holder ${holderOf(f.store)})`);
      await f.clock.advanceAsync(0);
      order.push(`work finished (holder ${holderOf(f.store)})`);
    });
    elector.start();
    await f.settle();
    await elector.stop();
    order.push(`stopped (holder ${holderOf(f.store) || 'none'})`);
    expect(order).toEqual([
      'work aborted (holder candidate-0)',
      'work finished (holder candidate-0)',
      'stopped (holder none)',
    ]);
  });

  describe('a drain that outlasts drainTimeoutMs (found by review: a successor led beside the work)', () => {
    /** `first` leads with work that ignores its signal, `second` follows; both run 5 s. */
    async function leaderWithStubbornWork() {
      const f = setup(2, { drainTimeoutMs: 1_000 });
      const [first, second] = f.electors as [LeaderElector, LeaderElector];
      first.runWhileLeader(() => new Promise(() => {}));
      first.start();
      await f.settle();
      second.start();
      await f.advance(5_000);
      expect(f.leaders()).toEqual(['candidate-0']);
      const lastRenewal = Math.max(
        ...f.store.writes
          .filter((w) => w.lease?.record.holderIdentity === 'candidate-0')
          .map((w) => w.atMs),
      );
      const released = () => f.store.writes.some((w) => w.lease?.record.holderIdentity === '');
      return { f, first, second, lastRenewal, released };
    }

    it('stepDown: no release, renewals stop, the successor leads a lease duration after the last renewal', async () => {
      const { f, first, second, lastRenewal, released } = await leaderWithStubbornWork();
      const writesBefore = f.store.writes.length;
      const events: string[] = [];
      first.events$.subscribe((event) => events.push(event.type));
      first.stepDown();
      expect(first.isLeader).toBe(false);
      expect(first.state.role).toBe('stepping-down');
      await f.advance(1_000);
      // The bound has passed: the state says why the Lease is not released, and so do events$.
      expect(first.state.error).toBeInstanceOf(DrainTimeoutError);
      expect(events).toContain('drain.timed-out');
      expect(events).not.toContain('release.sent');
      expect(first.state.error).toMatchObject({
        code: 'ERR_LEASEHOLD_DRAIN_TIMEOUT',
        drainTimeoutMs: 1_000,
      });
      expect(first.state.lastTermEnd).toBe('step-down');
      // It waits out its own term (renew deadline after the last renewal) before following.
      const deadline = lastRenewal + first.config.renewDeadlineMs;
      await f.advance(deadline - f.clock.now() - 1);
      expect(first.state.role).toBe('stepping-down');
      await f.advance(1);
      expect(first.state.role).toBe('follower');
      const expiry = lastRenewal + second.config.leaseDurationMs;
      await f.advance(expiry - f.clock.now() - 1);
      expect(f.leaders()).toEqual([]);
      // Nothing was written since the step-down: no release, no renewal.
      expect(f.store.writes.length).toBe(writesBefore);
      expect(holderOf(f.store)).toBe('candidate-0');
      await f.advance(1);
      expect(f.leaders()).toEqual(['candidate-1']);
      expect(released()).toBe(false);
    });

    it('stop: no release, and stop() resolves once the term has run out', async () => {
      const { f, first, second, lastRenewal, released } = await leaderWithStubbornWork();
      let stopped = false;
      void first.stop().then(() => {
        stopped = true;
      });
      expect(first.isLeader).toBe(false);
      const deadline = lastRenewal + first.config.renewDeadlineMs;
      await f.advance(deadline - f.clock.now() - 1);
      expect(stopped).toBe(false);
      expect(first.state.error).toMatchObject({ code: 'ERR_LEASEHOLD_DRAIN_TIMEOUT' });
      await f.advance(1);
      expect(stopped).toBe(true);
      expect(first.state).toMatchObject({ role: 'stopped', holder: 'candidate-0' });
      expect(first.state.error).toBeInstanceOf(DrainTimeoutError);
      const expiry = lastRenewal + second.config.leaseDurationMs;
      await f.advance(expiry - f.clock.now() - 1);
      expect(second.isLeader).toBe(false);
      await f.advance(1);
      expect(second.isLeader).toBe(true);
      expect(released()).toBe(false);
    });

    it('work that settles after the bound does not bring the release back', async () => {
      const f = setup(2, { drainTimeoutMs: 1_000 });
      const [first, second] = f.electors as [LeaderElector, LeaderElector];
      let finish = () => {};
      first.runWhileLeader(
        () =>
          new Promise<void>((resolve) => {
            finish = resolve;
          }),
      );
      first.start();
      await f.settle();
      second.start();
      await f.advance(1_000);
      first.stepDown();
      await f.advance(1_500);
      finish();
      await f.advance(0);
      // Decided at the bound, as state.error announced: the Lease runs out, no late release.
      expect(first.state.role).toBe('stepping-down');
      expect(f.store.writes.some((w) => w.lease?.record.holderIdentity === '')).toBe(false);
    });
  });

  it('a drain that settles in time still releases at once', async () => {
    const f = setup(2, { drainTimeoutMs: 1_000 });
    const [first, second] = f.electors as [LeaderElector, LeaderElector];
    first.runWhileLeader(
      (term) => new Promise((resolve) => term.signal.addEventListener('abort', resolve)),
    );
    first.start();
    await f.settle();
    second.start();
    await f.advance(5_000);
    const stepDownAt = f.clock.now();
    first.stepDown();
    await f.advance(0);
    // Released (a write naming nobody), and the successor took it at the same instant.
    expect(f.store.writes.some((w) => w.lease?.record.holderIdentity === '')).toBe(true);
    expect(first.state.error).toBeNull();
    expect(f.leaders()).toEqual(['candidate-1']);
    expect(f.clock.now()).toBe(stepDownAt);
  });

  it('a drain that settles just inside the bound releases then, and stop() resolves', async () => {
    const f = setup(1, { drainTimeoutMs: 3_000 });
    const elector = f.electors[0]!;
    elector.runWhileLeader(
      (term) =>
        new Promise<void>((resolve) =>
          term.signal.addEventListener('abort', () => f.clock.setTimeout(resolve, 2_999)),
        ),
    );
    elector.start();
    await f.settle();
    const stopped = elector.stop();
    await f.advance(2_998);
    expect(holderOf(f.store)).toBe('candidate-0');
    await f.advance(1);
    await stopped;
    expect(holderOf(f.store)).toBe('');
    expect(elector.state.error).toBeNull();
  });

  it('a 429 with Retry-After: 3600 on a free Lease is retried within the cap, not in an hour', async () => {
    const f = setup(1);
    f.store.failNext('unavailable', { method: 'replace', retryAfterMs: 3_600_000 });
    const elector = f.electors[0]!.start();
    await f.settle();
    expect(elector.isLeader).toBe(false);
    // The cap: 5 retry periods (10 s), never past a lease duration.
    await f.advance(5 * elector.config.retryPeriodMs);
    expect(elector.isLeader).toBe(true);
  });

  it('does not release on stop when releaseOnStop is false', async () => {
    const f = setup(1, { releaseOnStop: false });
    f.electors[0]!.start();
    await f.settle();
    await f.electors[0]!.stop();
    expect(holderOf(f.store)).toBe('candidate-0');
  });

  it('stop settles, completes the streams and leaves no timer behind', async () => {
    const f = setup(2);
    for (const e of f.electors) e.start();
    await f.settle();
    let completed = 0;
    for (const e of f.electors) e.state$.subscribe({ complete: () => completed++ });
    await Promise.all(f.electors.map((e) => e.stop()));
    await f.settle();
    expect(completed).toBe(2);
    expect(f.electors.map((e) => e.state.role)).toEqual(['stopped', 'stopped']);
    expect(f.clock.pendingTimers()).toBe(0);
  });

  it('whenLeader({ signal }) leaves no subscription behind once aborted, nor for an aborted signal (found by review)', async () => {
    const f = setup(1);
    f.store.write({
      metadata: { name: NAME, namespace: NAMESPACE },
      spec: { holderIdentity: 'other', leaseDurationSeconds: 15 },
    });
    const elector = f.electors[0]!.start();
    await f.settle();
    // Count live subscriptions to state$ as whenLeader makes them.
    const inner = elector.state$;
    let live = 0;
    Object.defineProperty(elector, 'state$', {
      value: new Observable<LeadershipState>((subscriber) => {
        live++;
        const subscription = inner.subscribe(subscriber);
        return () => {
          live--;
          subscription.unsubscribe();
        };
      }),
    });
    const aborted = AbortSignal.abort();
    const calls = Array.from({ length: 1_000 }, () => elector.whenLeader({ signal: aborted }));
    expect(live).toBe(0);
    const later = new AbortController();
    const pending = Array.from({ length: 1_000 }, () =>
      elector.whenLeader({ signal: later.signal }),
    );
    expect(live).toBe(1_000);
    later.abort();
    expect(live).toBe(0);
    const outcomes = await Promise.allSettled([...calls, ...pending]);
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
  });

  it('whenLeader rejects with ElectorStoppedError when stopped first', async () => {
    const f = setup(1);
    f.store.write({
      metadata: { name: NAME, namespace: NAMESPACE },
      spec: { holderIdentity: 'other', leaseDurationSeconds: 15 },
    });
    const elector = f.electors[0]!.start();
    const waiting = elector.whenLeader();
    await f.settle();
    await elector.stop();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_LEASEHOLD_STOPPED' });
  });

  it('surfaces 403 Forbidden as a typed error on a safe, non-leader state', async () => {
    const f = setup(1);
    f.store.failNext('forbidden', { method: 'list', count: 1_000 });
    const elector = f.electors[0]!.start();
    await f.advance(5_000);
    expect(elector.isLeader).toBe(false);
    expect(elector.state.role).toBe('follower');
    expect(elector.state.error).toMatchObject({ kind: 'forbidden', code: 'ERR_LEASEHOLD_STORE' });
  });

  it('resyncs after a 410 and still sees the release', async () => {
    const f = setup(2);
    const [a, b] = f.electors as [LeaderElector, LeaderElector];
    a.start();
    await f.settle();
    b.start();
    await f.settle();
    const listsBefore = f.taps[1]!.calls.filter((c) => c === 'list').length;
    f.store.compact();
    f.store.dropWatches('gone');
    await f.settle();
    expect(f.taps[1]!.calls.filter((c) => c === 'list').length).toBe(listsBefore + 1);
    await a.stop();
    await f.settle();
    expect(b.isLeader).toBe(true);
  });

  it('waits out a Lease held under its own identity by a previous incarnation', async () => {
    const f = setup(1);
    f.store.write({
      metadata: { name: NAME, namespace: NAMESPACE },
      spec: { holderIdentity: 'candidate-0', leaseDurationSeconds: 15, leaseTransitions: 4 },
    });
    const elector = f.electors[0]!.start();
    await f.advance(14_999);
    expect(elector.isLeader).toBe(false);
    await f.advance(1);
    expect(elector.isLeader).toBe(true);
    expect(elector.term!.fencingToken).toBe(5);
  });

  it('keeps the process alive from start() until stop() has finished, and not longer', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const f = setup(1);
    const elector = f.electors[0]!.start();
    expect(timers()).toBe(before + 1);
    await elector.stop();
    expect(timers()).toBe(before);
  });

  it('holds the process with one shared timer however many electors run', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const f = setup(3);
    const [a, b, c] = f.electors.map((e) => e.start());
    expect(timers()).toBe(before + 1);
    await a!.stop();
    await b!.stop();
    // The last running elector still holds the process open.
    expect(timers()).toBe(before + 1);
    await c!.stop();
    expect(timers()).toBe(before);
  });
});
