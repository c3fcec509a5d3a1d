/**
 * Every counterexample the simulation found, as a named test with its shrunk schedule spelled
 * out. Each failed before the fix it names.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock, flushMicrotasks } from '../../src/core/manual-clock.js';
import { createLeaderElector } from '../../src/handle/leader-elector.js';
import { createInMemoryLeaseStore } from '../../src/store/index.js';
import { DEFAULT_TIMING, type Scenario } from './harness/scenario.js';
import { runSchedule } from './harness/simulation.js';

const base: Scenario = {
  seed: 0,
  timing: DEFAULT_TIMING,
  candidates: 2,
  rho: 1,
  rates: [0, 0, 0, 0],
  link: 'congested',
  requestTimeoutMs: null,
  drainTimeoutMs: 0,
  releaseOnStop: false,
  work: { kind: 'prompt' },
};

describe('stop() settled while a candidate was still running (found by the chaos property)', () => {
  // Shrunk: 2 candidates on a congested link, no steps at all. The loser of the first race is
  // still a candidate (its create is in flight) when recovery calls stop(); stop() resolved at
  // once because "candidate" passed its "not leading any more" filter, leaving the elector
  // running with a call, a watch and a timer after stop() had returned.
  it('schedule: scenario(2 candidates, congested link, no request timeout), steps: []', async () => {
    await runSchedule(base, []);
  });

  it('stop() called while the acquiring write is in flight resolves only once stopped', async () => {
    const clock = createManualClock();
    const store = createInMemoryLeaseStore({
      name: 'lease',
      namespace: 'ns',
      clock,
      latency: { requestMs: 100, responseMs: 100 },
    });
    const elector = createLeaderElector({
      name: 'lease',
      namespace: 'ns',
      identity: 'a',
      store,
      clock,
      random: () => 0.5,
    }).start();
    await clock.advanceAsync(200); // list answered
    await flushMicrotasks();
    expect(elector.state.role).toBe('candidate');
    let stopped = false;
    const stopping = elector.stop().then(() => {
      stopped = true;
    });
    await flushMicrotasks();
    expect(stopped).toBe(false); // the create is still in flight
    await clock.advanceAsync(1_000);
    await stopping;
    expect(elector.state.role).toBe('stopped');
    expect(clock.pendingTimers()).toBe(0);
    expect(store.activeWatches()).toBe(0);
  });
});
