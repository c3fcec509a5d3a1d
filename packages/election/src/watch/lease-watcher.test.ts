import { afterEach, describe, expect, it } from 'vitest';
import { LeaseStoreError } from '../core/errors.js';
import type { LeaseStore } from '../core/lease-store.js';
import { createManualClock, flushMicrotasks } from '../core/manual-clock.js';
import { type LeaseWatcherOptions, runLeaseWatcher } from './lease-watcher.js';

/**
 * A store with no Lease whose watch and list fail as told; counts the lists. Past 100 lists
 * it stops the loop, so that a tight loop (all microtasks) fails the test instead of hanging it.
 */
function failingStore(fail: { watch?: () => Error | undefined; list?: () => Error | undefined }) {
  let lists = 0;
  const store: LeaseStore = {
    name: 'l',
    namespace: 'ns',
    get: async () => null,
    list: async () => {
      lists++;
      if (lists > 100) stops.at(-1)?.abort();
      const error = fail.list?.();
      if (error) throw error;
      return { lease: null, resourceVersion: '10' };
    },
    create: async () => {
      throw new Error('not used');
    },
    replace: async () => {
      throw new Error('not used');
    },
    watch: async () => {
      const error = fail.watch?.();
      if (error) throw error;
    },
  };
  return { store, lists: () => lists };
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const stops: AbortController[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

function start(store: LeaseStore, extra: Partial<LeaseWatcherOptions> = {}) {
  const clock = createManualClock();
  const stop = new AbortController();
  stops.push(stop);
  const errors: LeaseStoreError[] = [];
  const done = runLeaseWatcher({
    store,
    clock,
    signal: stop.signal,
    sink: { lease() {}, synced() {}, error: (e) => errors.push(e) },
    logger: quiet,
    random: () => 0.5,
    idleTimeoutMs: 30_000,
    ...extra,
  });
  return { clock, stop, done, errors };
}

describe('the watch loop against a server that answers every watch with 410', () => {
  // Found by review: one elector made 807 lists in 3 s.
  it('backs off on repeated gone: a handful of lists in 3 s, not a tight loop', async () => {
    const { store, lists } = failingStore({ watch: () => new LeaseStoreError('gone', '410') });
    const { clock } = start(store);
    await flushMicrotasks(200);
    // The first 410 relists at once (ordinary compaction); the second waits.
    expect(lists()).toBe(2);
    for (let t = 0; t < 3_000; t += 50) await clock.advanceAsync(50);
    // Back-off 100, 200, 400, 800, 1600 ms (jittered at 0.5 ×… 1 ×): under ten lists.
    expect(lists()).toBeLessThan(10);
    expect(lists()).toBeGreaterThan(3);
  });

  it('a single 410 after a working stream still relists at once', async () => {
    let calls = 0;
    const { store, lists } = failingStore({
      watch: () => (++calls === 1 ? new LeaseStoreError('gone', '410') : new Error('hang')),
    });
    start(store);
    await flushMicrotasks(20);
    expect(lists()).toBe(2);
  });
});

describe('the list after a lost history', () => {
  it('says it follows a gap (410), so that an absence seen across it restarts its wait', async () => {
    let calls = 0;
    const { store } = failingStore({
      watch: () => (++calls === 1 ? new LeaseStoreError('gone', '410') : new Error('hang')),
    });
    const seen: unknown[] = [];
    start(store, {
      sink: {
        lease: (_, absence) => seen.push(absence),
        gap: () => seen.push('gap'),
        synced() {},
        error() {},
      },
    });
    await flushMicrotasks(20);
    expect(seen).toEqual([
      { resourceVersion: '10', deletion: false },
      'gap',
      { resourceVersion: '10', deletion: false, afterGap: true },
    ]);
  });
});

describe('Retry-After in the watch loop', () => {
  it('is honoured up to the cap: Retry-After 3600 s delays the next list by at most 5 retry periods', async () => {
    let failing = true;
    const { store, lists } = failingStore({
      list: () =>
        failing
          ? new LeaseStoreError('unavailable', '429', { retryAfterMs: 3_600_000 })
          : undefined,
    });
    const { clock } = start(store, { timing: { retryPeriodMs: 2_000, leaseDurationMs: 15_000 } });
    await flushMicrotasks(20);
    expect(lists()).toBe(1);
    failing = false;
    await clock.advanceAsync(9_999);
    expect(lists()).toBe(1); // the server's wish is honoured up to the cap…
    await clock.advanceAsync(1);
    await flushMicrotasks(20);
    expect(lists()).toBe(2); // …and no further
  });
});
