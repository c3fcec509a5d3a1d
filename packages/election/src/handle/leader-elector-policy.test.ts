import { describe, expect, it } from 'vitest';
import { electionPolicy } from '../core/election-policy.js';
import { createManualClock, flushMicrotasks } from '../core/manual-clock.js';
import { createInMemoryLeaseStore } from '../store/index.js';
import { createLeaderElectorWithPolicy } from './leader-elector.js';

describe('createLeaderElectorWithPolicy (internal, for planted bugs)', () => {
  it('runs the real handle and machine on the decisions it is given', async () => {
    const clock = createManualClock();
    const store = createInMemoryLeaseStore({ name: 'l', namespace: 'ns', clock, precreated: true });
    const common = { name: 'l', namespace: 'ns', store, clock, keepProcessAlive: false };
    // A planted bug: this follower never sees the Lease as free.
    const never = createLeaderElectorWithPolicy(
      { ...common, identity: 'never' },
      { mayAcquire: () => false },
    ).start();
    await flushMicrotasks(5);
    expect(never.state.role).toBe('follower');
    expect(store.writes).toEqual([]);

    // The unchanged policy leads the same Lease at once.
    const real = createLeaderElectorWithPolicy({ ...common, identity: 'real' }, electionPolicy);
    real.start();
    await flushMicrotasks(5);
    expect(real.isLeader).toBe(true);
    await Promise.all([never.stop(), real.stop()]);
  });
});
