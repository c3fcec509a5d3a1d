/**
 * The elector's lifecycle used out of order: stop before start, start after stop, a signal
 * that is already aborted, calls repeated. Each must leave a stopped elector that never leads.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock, flushMicrotasks } from '../../src/core/manual-clock.js';
import { createLeaderElector } from '../../src/handle/leader-elector.js';
import { createInMemoryLeaseStore } from '../../src/store/index.js';

function setup(options: { signal?: AbortSignal } = {}) {
  const clock = createManualClock();
  const store = createInMemoryLeaseStore({
    name: 'lease',
    namespace: 'ns',
    clock,
    precreated: true,
  });
  const elector = createLeaderElector({
    name: 'lease',
    namespace: 'ns',
    identity: 'a',
    store,
    clock,
    random: () => 0.5,
    ...options,
  });
  return { clock, store, elector };
}

describe('lifecycle misuse', () => {
  // Found while building the simulation: stop() and start() tested `subject.closed`, which in
  // RxJS 7 means "unsubscribed", not "completed". A stopped elector therefore started anew.
  it('start() after stop() does not bring a stopped elector back to life', async () => {
    const { elector, store, clock } = setup();
    await elector.stop();
    elector.start();
    await clock.advanceAsync(30_000);
    expect(elector.isLeader).toBe(false);
    expect(store.writes).toEqual([]);
    expect(store.activeWatches()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('an already aborted signal means stopped: start() does nothing', async () => {
    const aborted = new AbortController();
    aborted.abort();
    const { elector, store, clock } = setup({ signal: aborted.signal });
    elector.start();
    await clock.advanceAsync(30_000);
    expect(elector.isLeader).toBe(false);
    expect(elector.state.role).toBe('stopped');
    expect(store.writes).toEqual([]);
  });

  it('stop() twice, stepDown() after stop(), start() twice: all settle, nothing runs', async () => {
    const { elector, store, clock } = setup();
    elector.start();
    elector.start();
    await flushMicrotasks();
    expect(elector.isLeader).toBe(true);
    await Promise.all([elector.stop(), elector.stop()]);
    await elector.stepDown();
    await elector.stop();
    expect(elector.state.role).toBe('stopped');
    expect(store.current()?.record.holderIdentity).toBe(''); // released once
    expect(store.writes.filter((write) => write.lease?.record.holderIdentity === '')).toHaveLength(
      1,
    );
    expect(clock.pendingTimers()).toBe(0);
  });

  it('whenLeader() on a stopped elector rejects with ElectorStoppedError', async () => {
    const { elector } = setup();
    await elector.stop();
    await expect(elector.whenLeader()).rejects.toMatchObject({ code: 'ERR_LEASEHOLD_STOPPED' });
  });
});
