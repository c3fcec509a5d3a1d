/**
 * The Lease deleted, or deleted and recreated, in the middle of a term — by an operator or a
 * cleanup job, through the in-memory store's hooks (the server's own semantics: a new uid, a
 * new version, a DELETED event).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createInMemoryLeaseStore } from '../../src/store/index.js';
import { InvariantViolation } from '../sim/harness/invariants.js';
import { DEFAULT_TIMING } from '../sim/harness/scenario.js';
import { createSimulation } from '../sim/harness/simulation.js';
import { TIMING, type TwoElectors, twoElectors } from './two-electors.js';

let running: TwoElectors[] = [];
afterEach(async () => {
  for (const fixture of running) await fixture.stop();
  running = [];
});

async function leading() {
  const store = createInMemoryLeaseStore({ name: 'lease', namespace: 'ns' });
  const fixture = twoElectors(store);
  running.push(fixture);
  await fixture.advance(1_500);
  const leader = fixture.electors.find((e) => e.isLeader);
  if (!leader) throw new Error('nobody leads');
  const follower = fixture.electors.find((e) => e !== leader)!;
  return { store, ...fixture, leader, follower, term: leader.term! };
}

describe('deleted mid-term, everyone watching promptly', () => {
  it('the leader sees the deletion and ends its term ("lost"); one elector recreates the Lease', async () => {
    const { store, advance, leaders, leader, term } = await leading();
    store.delete();
    await advance(100);
    expect(term.signal.aborted).toBe(true);
    expect(leader.state.lastTermEnd).toBe('lost');
    expect(leaders()).toHaveLength(1);
    expect(store.current()).not.toBeNull();
  });

  it('recreated with a foreign holder: the leader steps down, the Lease is waited out', async () => {
    const { store, advance, leaders, leader } = await leading();
    store.delete();
    store.write({
      metadata: {},
      spec: { holderIdentity: 'intruder', leaseDurationSeconds: 3, leaseTransitions: 40 },
    });
    await advance(100);
    expect(leaders()).toEqual([]);
    expect(leader.state.lastTermEnd).toBe('lost');
    await advance(3_200);
    expect(leaders()).toHaveLength(1);
    expect(store.current()?.record.leaseTransitions).toBe(41);
  });

  it('restored as it was (same holder, new uid): the deletion already ended the term; the restored record is waited out, then retaken with a new token', async () => {
    const { store, advance, leaders, leader, term } = await leading();
    const saved = store.current()!;
    store.delete();
    const { uid: _uid, resourceVersion: _rv, ...metadata } = saved.object.metadata;
    store.write({ ...saved.object, metadata });
    await advance(100);
    expect(term.signal.aborted).toBe(true);
    expect(leaders()).toEqual([]); // a record naming us is not a term we hold
    await advance(TIMING.leaseDurationMs + 200);
    expect(leaders()).toHaveLength(1);
    expect(store.current()?.record.leaseTransitions).toBe(saved.record.leaseTransitions + 1);
    expect(leader.term).not.toBe(term);
  });
});

describe('deleted mid-term while the leader’s watch lags (known issue, reported)', () => {
  // A follower that sees the deletion treats the Lease as free at once and creates it, with
  // fencing token 0 again; the leader, whose watch is behind, keeps leading until it sees
  // the deletion or its next renewal fails. Two leaders for up to a renewal period, and a
  // fencing token that goes backwards. (client-go behaves the same: a 404 means "create".)
  it.fails('KNOWN ISSUE: never two leaders when the Lease is deleted mid-term', async () => {
    const simulation = createSimulation({
      seed: 3,
      timing: DEFAULT_TIMING,
      candidates: 2,
      rho: 1,
      rates: [0, 0, 0, 0],
      link: 'lan',
      requestTimeoutMs: 5_000,
      drainTimeoutMs: 0,
      releaseOnStop: true,
      work: { kind: 'prompt' },
    });
    await simulation.run(3_000);
    await simulation.apply({ kind: 'link', slot: 'leader', profile: 'laggingWatch' });
    simulation.world.enqueue(() => simulation.server.store.delete());
    try {
      await simulation.run(20_000);
    } catch (error) {
      // Fail (as the known issue) only for the reason it is known for.
      if (error instanceof InvariantViolation && error.violation.property === 'S1') throw error;
    }
  });
});
