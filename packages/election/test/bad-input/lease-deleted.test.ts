/**
 * The Lease deleted, or deleted and recreated, in the middle of a term — by an operator or a
 * cleanup job, through the in-memory store's hooks (the server's own semantics: a new uid, a
 * new version, a DELETED event).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createInMemoryLeaseStore } from '../../src/store/index.js';
import { DEFAULT_TIMING } from '../sim/harness/scenario.js';
import { createSimulation } from '../sim/harness/simulation.js';
import { TIMING, type TwoElectors, twoElectors } from './two-electors.js';

let running: TwoElectors[] = [];
afterEach(async () => {
  for (const fixture of running) await fixture.stop();
  running = [];
});

async function leading() {
  const store = createInMemoryLeaseStore({ name: 'lease', namespace: 'ns', precreated: true });
  const fixture = twoElectors(store);
  running.push(fixture);
  await fixture.advance(1_500);
  const leader = fixture.electors.find((e) => e.isLeader);
  if (!leader) throw new Error('nobody leads');
  const follower = fixture.electors.find((e) => e !== leader)!;
  return { store, ...fixture, leader, follower, term: leader.term! };
}

describe('deleted mid-term, everyone watching promptly', () => {
  it('the leader sees the deletion and ends its term ("lost"); the deleted record is waited out, then the Lease is recreated with the next token', async () => {
    const { store, advance, leaders, leader, term } = await leading();
    const token = term.fencingToken;
    store.delete();
    await advance(100);
    expect(term.signal.aborted).toBe(true);
    expect(leader.state.lastTermEnd).toBe('lost');
    // Nobody recreates it at once: the deleted holder may not have seen the deletion yet.
    expect(leaders()).toEqual([]);
    expect(store.current()).toBeNull();
    await advance(TIMING.leaseDurationMs + 200);
    expect(leaders()).toHaveLength(1);
    expect(store.current()?.record.leaseTransitions).toBe(token + 1);
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

describe('deleted mid-term while the leader’s watch lags (fixed after being reported)', () => {
  // Before the fix, a follower that saw the deletion treated the Lease as free at once and
  // created it, with fencing token 0 again, while the leader, whose watch was behind, kept
  // leading until it saw the deletion or its next renewal failed: two leaders for up to a
  // renewal period, and a token going backwards. (client-go behaves so: a 404 means "create".)
  // Now a deleted record that named a holder is waited out for its duration, and recreating
  // the Lease continues its fencing count.
  it('never two leaders when the Lease is deleted mid-term', async () => {
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
    await simulation.run(20_000);
  });
});
