import { afterEach, describe, expect, it } from 'vitest';
import { type Actor, createActor } from 'xstate';
import { resolveConfig } from '../core/config.js';
import type { ElectionPolicy } from '../core/election-policy.js';
import { electionPolicy } from '../core/election-policy.js';
import { acquisitionFields, type StoredLease, withElectionFields } from '../core/lease-record.js';
import { createManualClock, flushMicrotasks } from '../core/manual-clock.js';
import { createInMemoryLeaseStore } from '../store/index.js';
import {
  createElectionMachine,
  type LeaderElectionMachine,
  sharedElectionMachine,
} from './election-machine.js';

const config = resolveConfig({ name: 'l', namespace: 'ns', identity: 'me' });
let actors: Actor<LeaderElectionMachine>[] = [];

/** One machine over an in-memory store whose calls take 300 ms out and 700 ms back. */
function start(policy: Partial<ElectionPolicy> = {}) {
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
  const actor = createActor(machine, { clock, input: { config } }).start();
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
