import { Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createManualClock, flushMicrotasks } from '../core/manual-clock.js';
import { createInMemoryLeaseStore } from '../store/index.js';
import { createLeaderElector } from './leader-elector.js';
import { leadershipTerms, whileLeader } from './while-leader.js';

function fixture() {
  const clock = createManualClock();
  const store = createInMemoryLeaseStore({
    name: 'lease',
    namespace: 'ns',
    clock,
    precreated: true,
  });
  store.write({
    metadata: { name: 'lease', namespace: 'ns' },
    spec: { holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 },
  });
  const elector = createLeaderElector({
    name: 'lease',
    namespace: 'ns',
    identity: 'me',
    store,
    clock,
    random: () => 0.5,
  });
  const settle = async (ms = 0) => {
    await clock.advanceAsync(ms);
    await flushMicrotasks(5);
  };
  return { clock, store, elector, settle };
}

/** A source that counts its subscriptions and records when each is torn down. */
function tracked() {
  const log: string[] = [];
  let subscriptions = 0;
  const source$ = new Observable<number>((subscriber) => {
    const n = ++subscriptions;
    log.push(`subscribe ${n}`);
    subscriber.next(n);
    return () => log.push(`teardown ${n}`);
  });
  return { source$, log };
}

describe('whileLeader', () => {
  it('subscribes at the start of each term and tears down the moment it ends', async () => {
    const { elector, settle } = fixture();
    const { source$, log } = tracked();
    const seen: number[] = [];
    let completed = false;
    source$.pipe(whileLeader(elector)).subscribe({
      next: (n) => seen.push(n),
      complete: () => {
        completed = true;
      },
    });
    expect(log).toEqual([]); // not leader yet: the source is not subscribed
    elector.start();
    await settle();
    expect(log).toEqual(['subscribe 1']);

    // The teardown happens synchronously with the term's abort: any abort listener registered
    // after the operator's already finds the source unsubscribed.
    let tornDownAtAbort: boolean | undefined;
    elector.term!.signal.addEventListener('abort', () => {
      tornDownAtAbort = log.includes('teardown 1');
    });
    await elector.stepDown();
    expect(tornDownAtAbort).toBe(true);
    expect(log).toEqual(['subscribe 1', 'teardown 1']);

    await settle(15_000); // nobody else wants it: the next term resubscribes
    expect(log).toEqual(['subscribe 1', 'teardown 1', 'subscribe 2']);
    expect(seen).toEqual([1, 2]);

    await elector.stop();
    expect(log.at(-1)).toBe('teardown 2');
    expect(completed).toBe(true);
  });

  it('leadershipTerms emits each term once, with increasing fencing tokens', async () => {
    const { elector, settle } = fixture();
    const tokens: number[] = [];
    leadershipTerms(elector).subscribe((term) => tokens.push(term.fencingToken));
    elector.start();
    await settle();
    await settle(10_000); // renewals change the state, not the term
    await elector.stepDown();
    await settle(15_000);
    expect(tokens).toEqual([1, 2]);
    await elector.stop();
  });
});

describe('whileLeader after an event-loop stall (found by review)', () => {
  it('drops a value emitted after the term ended on the clock, before the abort timer ran', async () => {
    const { clock, elector, settle } = fixture();
    const ticks = new Subject<number>();
    const seen: number[] = [];
    ticks.pipe(whileLeader(elector)).subscribe((n) => seen.push(n));
    elector.start();
    await settle();
    expect(elector.isLeader).toBe(true);
    ticks.next(1);
    clock.stall(elector.config.leaseDurationMs); // nothing fires: the process was paused
    expect(elector.isLeader).toBe(false);
    ticks.next(2); // the interval's callback runs first when the loop resumes
    expect(seen).toEqual([1]);
    await elector.stop();
  });
});
