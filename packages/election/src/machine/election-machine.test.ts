import { afterEach, describe, expect, it } from 'vitest';
import { type Actor, createActor, type InspectionEvent } from 'xstate';
import { resolveConfig } from '../core/config.js';
import type { ElectionPolicy } from '../core/election-policy.js';
import { electionPolicy } from '../core/election-policy.js';
import { acquisitionFields, type StoredLease, withElectionFields } from '../core/lease-record.js';
import { createManualClock, flushMicrotasks } from '../core/manual-clock.js';
import { createInMemoryLeaseStore } from '../store/index.js';
import {
  createElectionMachine,
  type LeaderElectionMachine,
  repeatsLeaderView,
  sharedElectionMachine,
} from './election-machine.js';

const config = resolveConfig({ name: 'l', namespace: 'ns', identity: 'me' });
let actors: Actor<LeaderElectionMachine>[] = [];

/** One machine over an in-memory store whose calls take 300 ms out and 700 ms back. */
function start(policy: Partial<ElectionPolicy> = {}, inspect?: (event: InspectionEvent) => void) {
  const clock = createManualClock();
  const latency = { requestMs: 300, responseMs: 700 };
  const store = createInMemoryLeaseStore({
    name: 'l',
    namespace: 'ns',
    clock,
    latency,
    precreated: true,
  });
  const machine = createElectionMachine({ store, clock, random: () => 0.5, policy });
  const actor = createActor(machine, {
    clock,
    input: { config },
    ...(inspect && { inspect }),
  }).start();
  actors.push(actor);
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      await clock.advanceAsync(100);
      await flushMicrotasks(5);
    }
  };
  return { clock, store, actor, advance };
}

afterEach(() => {
  for (const actor of actors) actor.stop();
  actors = [];
});

describe('the election machine', () => {
  it('counts a new term’s deadline from the acquiring write’s send, not its answer', async () => {
    const { actor, advance } = start();
    // The list answers at 1 000; the create is sent then and answered at 2 000.
    await advance(2_000);
    const { context } = actor.getSnapshot();
    expect(actor.getSnapshot().matches('leader')).toBe(true);
    expect(context.term?.acquiredAt).toBe(1_000);
    expect(context.deadline).toBe(1_000 + config.renewDeadlineMs);
    expect(context.roundTripMs).toBe(1_000);
  });

  it('takes its decisions from the policy it is given (tests plant bugs this way)', async () => {
    const fromAnswer: ElectionPolicy['deadlineAfterWrite'] = (write, previous, c) =>
      electionPolicy.deadlineAfterWrite({ ...write, sentAt: write.answeredAt }, previous, c);
    const { actor, advance } = start({ deadlineAfterWrite: fromAnswer });
    await advance(2_000);
    expect(actor.getSnapshot().context.deadline).toBe(2_000 + config.renewDeadlineMs);
  });

  it('folds each observation once, and a leader seeing another holder steps down', async () => {
    const folded: (StoredLease | null)[] = [];
    const { actor, store, clock, advance } = start({
      foldObservation: (state, lease, identity, now) => {
        folded.push(lease);
        return electionPolicy.foldObservation(state, lease, identity, now);
      },
    });
    await advance(2_000);
    expect(actor.getSnapshot().matches('leader')).toBe(true);
    const held = store.current() as StoredLease;
    const fields = acquisitionFields(held.record, 'intruder', 15, clock.wallNow());
    void store.replace(
      withElectionFields(held, fields),
      held.resourceVersion,
      AbortSignal.timeout(60_000),
    );
    await advance(1_000);
    const snapshot = actor.getSnapshot();
    expect(snapshot.context.termEnd).toBe('lost');
    expect(snapshot.context.view.lease?.record.holderIdentity).toBe('intruder');
    expect(folded.some((lease) => lease?.record.holderIdentity === 'intruder')).toBe(true);
    const observed = folded.filter((lease) => lease !== null);
    expect(new Set(observed).size).toBe(observed.length);
  });

  it('keeps the services of each actor of the shared definition apart', async () => {
    // Two actors of the one shared definition, started with the very same config object and
    // one clock, each over a store of its own and with its own identity (a write through the
    // wrong store would show as the wrong holder; both Leases pre-created, taken at once).
    const clock = createManualClock();
    const storeA = createInMemoryLeaseStore({
      name: 'l',
      namespace: 'ns',
      clock,
      precreated: true,
    });
    const storeB = createInMemoryLeaseStore({
      name: 'l',
      namespace: 'ns',
      clock,
      precreated: true,
    });
    const other = resolveConfig({ name: 'l', namespace: 'ns', identity: 'other' });
    const services = (store: typeof storeA) => ({ store, clock, random: () => 0.5 });
    const a = createActor(sharedElectionMachine(), {
      clock,
      input: { config, services: services(storeA) },
    }).start();
    const b = createActor(sharedElectionMachine(), {
      clock,
      input: { config: other, services: services(storeB) },
    }).start();
    const c = createActor(sharedElectionMachine(), {
      clock,
      input: { config, services: services(storeB) },
    });
    actors.push(a, b, c);
    expect(a.logic).toBe(b.logic);
    for (let t = 0; t < 2_000; t += 100) {
      await clock.advanceAsync(100);
      await flushMicrotasks(5);
    }
    expect(a.getSnapshot().matches('leader')).toBe(true);
    expect(b.getSnapshot().matches('leader')).toBe(true);
    expect(storeA.current()?.record.holderIdentity).toBe('me');
    expect(storeB.current()?.record.holderIdentity).toBe('other');
    // Same config object as `a`, other services: its context has a key of its own.
    expect(c.getSnapshot().context.config).not.toBe(a.getSnapshot().context.config);
  });

  it('fails an actor of the shared definition that was given no services', () => {
    const snapshot = createActor(sharedElectionMachine(), { input: { config } }).getSnapshot();
    expect(snapshot.status).toBe('error');
    expect(String(snapshot.error)).toMatch(/no services/);
  });
});

describe('the watch’s echo of a leader’s own renewal', () => {
  it('is not sent to the leader, which learns the renewal from its answer; other changes are', async () => {
    let observed = 0;
    const { actor, store, advance } = start({}, (inspection) => {
      if (
        inspection.type === '@xstate.event' &&
        inspection.actorRef.sessionId === inspection.rootId &&
        inspection.event.type === 'lease.observed'
      ) {
        observed++;
      }
    });
    await advance(2_000);
    expect(actor.getSnapshot().matches('leader')).toBe(true);
    const renewalsBefore = store.writes.filter((w) => w.method === 'replace').length;
    observed = 0;
    await advance(20_000);
    expect(actor.getSnapshot().matches('leader')).toBe(true);
    // A renewal every retry period plus its 1 s round trip; each echo arrives (300 ms after
    // the send) before the answer (1 000 ms) and is dropped.
    expect(store.writes.filter((w) => w.method === 'replace').length - renewalsBefore).toBe(6);
    expect(observed).toBe(0);
    expect(actor.getSnapshot().context.view.lease).toEqual(store.current());

    // Another client takes the Lease: that version is not the leader's, and ends its term.
    const held = store.current() as StoredLease;
    store.write(
      withElectionFields(
        held,
        acquisitionFields(held.record, 'other', 15, Date.parse('2026-01-01T00:00:00Z')),
      ),
    );
    await advance(1_000);
    expect(observed).toBeGreaterThan(0);
    expect(actor.getSnapshot().matches('leader')).toBe(false);
    expect(actor.getSnapshot().context.view.lease?.record.holderIdentity).toBe('other');
  });

  it('is sent once the renewal it echoes goes unanswered, so the next attempt is written at that version', async () => {
    const { actor, store, advance } = start();
    await advance(2_000);
    expect(actor.getSnapshot().matches({ leader: 'holding' })).toBe(true);
    let gets = 0;
    const get = store.get.bind(store);
    store.get = (signal) => {
      gets++;
      return get(signal);
    };
    // The next renewal is written, its echo arrives 300 ms after the send (and is dropped),
    // and its answer is an error.
    store.failNext('unavailable', { method: 'replace', afterCommit: true });
    const before = store.writes.length;
    while (!actor.getSnapshot().matches({ leader: 'retrying' })) await advance(100);
    await flushMicrotasks(5);
    expect(store.writes.length).toBe(before + 1);
    expect(actor.getSnapshot().context.view.lease).toEqual(store.current());

    // The retry replaces that version directly: no conflict, no fresh read.
    while (store.writes.length === before + 1) await advance(100);
    expect(gets).toBe(0);
    expect(actor.getSnapshot().matches('leader')).toBe(true);
  });

  it('is sent when the term ends with the renewal it echoes still in flight', async () => {
    const { actor, store, advance } = start();
    await advance(2_000);
    const held = actor.getSnapshot().context.view.lease as StoredLease;
    while (!actor.getSnapshot().matches({ leader: 'renewing' })) await advance(100);
    // The write lands 300 ms after the send and its echo is dropped; the answer is 700 ms out.
    while (store.current()?.resourceVersion === held.resourceVersion) await advance(100);
    expect(actor.getSnapshot().matches({ leader: 'renewing' })).toBe(true);
    expect(actor.getSnapshot().context.view.lease).toEqual(held);
    actor.send({ type: 'stepDown' });
    await flushMicrotasks(5);
    expect(actor.getSnapshot().matches('stepping-down')).toBe(true);
    expect(actor.getSnapshot().context.view.lease).toEqual(store.current());
  });

  it('is recognised only in `leader`: the held version and record, or a renewal in flight', async () => {
    const { actor, store, advance } = start();
    await advance(1_000);
    // A follower (the list answered; the create is on its way): nothing is dropped.
    const asFollower = actor.getSnapshot();
    expect(asFollower.matches('leader')).toBe(false);
    await advance(1_000);
    const holding = actor.getSnapshot();
    expect(holding.matches({ leader: 'holding' })).toBe(true);
    const held = holding.context.view.lease as StoredLease;
    expect(held).toEqual(store.current());
    const echo = structuredClone(held);
    const viewing = (lease: StoredLease) => ({
      ...holding,
      context: { ...holding.context, view: { ...holding.context.view, lease } },
    });

    expect(repeatsLeaderView(holding, echo)).toBe(true);
    expect(repeatsLeaderView(asFollower, echo)).toBe(false);
    expect(repeatsLeaderView({ ...holding, status: 'stopped' }, echo)).toBe(false);
    expect(
      repeatsLeaderView(holding, { ...echo, record: { ...echo.record, leaseTransitions: 7 } }),
    ).toBe(false);
    // The field a renewal keeps over a conflicting edit: the leader must see it to yield.
    const preferringOther = { ...echo, record: { ...echo.record, preferredHolder: 'other' } };
    expect(repeatsLeaderView(viewing(preferringOther), preferringOther)).toBe(false);
    const preferringMe = { ...echo, record: { ...echo.record, preferredHolder: 'me' } };
    expect(repeatsLeaderView(viewing(preferringMe), preferringMe)).toBe(true);

    // A newer version of the same term, as the renewal in flight writes it.
    const renewed: StoredLease = {
      ...echo,
      resourceVersion: String(Number(held.resourceVersion) + 1),
      record: { ...echo.record, renewTime: '2030-01-01T00:00:00.000000Z' },
    };
    expect(repeatsLeaderView(holding, renewed)).toBe(false);
    while (!actor.getSnapshot().matches({ leader: 'renewing' })) await advance(100);
    const renewing = actor.getSnapshot();
    expect(repeatsLeaderView(renewing, renewed)).toBe(true);
    const older = { ...renewed, resourceVersion: String(Number(held.resourceVersion) - 1) };
    expect(repeatsLeaderView(renewing, older)).toBe(false);
    for (const record of [
      { ...renewed.record, holderIdentity: 'other' },
      { ...renewed.record, acquireTime: '2030-01-01T00:00:00.000000Z' },
      { ...renewed.record, leaseTransitions: renewed.record.leaseTransitions + 1 },
      { ...renewed.record, leaseDurationSeconds: 99 },
      { ...renewed.record, preferredHolder: 'other' },
    ]) {
      expect(repeatsLeaderView(renewing, { ...renewed, record })).toBe(false);
    }
  });
});
