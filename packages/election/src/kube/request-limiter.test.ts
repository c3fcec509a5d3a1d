/**
 * The request limiter: order and bounds with controlled tasks, then the regression test of the
 * overload runaway: many electors through the real adapter against a server that does not
 * answer keep a bounded number of requests on the wire and a bounded queue.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { startLeaseServer } from '@leasehold/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isStoreError } from '../core/errors.js';
import { createLeaderElector, type LeaderElector } from '../handle/leader-elector.js';
import { createRequestLimiter, requestLimiterFor } from './request-limiter.js';

/** A task that stays pending until released. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, task: () => opened };
}

describe('request limiter', () => {
  it('runs at most maxInFlight tasks, then renewals before other work, newest first within each', async () => {
    const limiter = createRequestLimiter({ maxInFlight: 2, maxQueued: 10 });
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const submit = (id: string, priority: 0 | 1) => {
      const g = gate();
      gates.set(id, g);
      return limiter.run(priority, new AbortController().signal, () => {
        started.push(id);
        return g.task();
      });
    };
    const all = [
      submit('r1', 1),
      submit('r2', 1),
      submit('r3', 1),
      submit('n1', 0),
      submit('n2', 0),
    ];
    expect(started).toEqual(['r1', 'r2']);
    expect(limiter.stats).toMatchObject({ inFlight: 2, queued: 3 });
    gates.get('r1')?.open();
    await vi.waitFor(() => expect(started).toHaveLength(3));
    expect(started[2]).toBe('n2');
    gates.get('r2')?.open();
    await vi.waitFor(() => expect(started).toHaveLength(4));
    expect(started[3]).toBe('n1');
    for (const g of gates.values()) g.open();
    await Promise.all(all);
    expect(started).toEqual(['r1', 'r2', 'n2', 'n1', 'r3']);
    expect(limiter.stats).toMatchObject({ inFlight: 0, queued: 0, peakInFlight: 2, peakQueued: 3 });
  });

  it('refuses low-priority work when the queue is full; a renewal displaces the newest of it', async () => {
    const limiter = createRequestLimiter({ maxInFlight: 1, maxQueued: 2 });
    const never = gate();
    const signal = new AbortController().signal;
    void limiter.run(1, signal, never.task);
    const q1 = limiter.run(1, signal, never.task);
    const q2 = limiter.run(1, signal, never.task);
    const refused = await limiter.run(1, signal, never.task).catch((e: unknown) => e);
    expect(isStoreError(refused, 'unavailable')).toBe(true);
    void limiter.run(0, signal, never.task);
    const displaced = await q2.catch((e: unknown) => e);
    expect(isStoreError(displaced, 'unavailable')).toBe(true);
    expect(limiter.stats).toMatchObject({ queued: 2, refused: 2 });
    void q1.catch(() => {});
  });

  it('drops a queued request whose signal aborts, rejecting with its reason', async () => {
    const limiter = createRequestLimiter({ maxInFlight: 1, maxQueued: 5 });
    const held = gate();
    const first = limiter.run(1, new AbortController().signal, held.task);
    const controller = new AbortController();
    const task = vi.fn(() => Promise.resolve());
    const queued = limiter.run(1, controller.signal, task);
    controller.abort(new Error('caller gave up'));
    await expect(queued).rejects.toThrow('caller gave up');
    expect(limiter.stats.queued).toBe(0);
    held.open();
    await first;
    expect(task).not.toHaveBeenCalled();
  });
});

describe('electors against a server that does not answer (overload regression)', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('keep at most maxInFlight requests on the wire and the rest queued, then recover', async () => {
    const server = await startLeaseServer();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(server.kubeConfig.exportConfig());
    const limiter = requestLimiterFor(kubeConfig);
    const m = 3 * limiter.maxInFlight;
    // Pre-created, as a deployment does: an absent Lease would be waited out first.
    for (let i = 0; i < m; i++) await server.createLease('default', `overload-${i}`);
    // Every request but the watches hangs at the server: the slowest server there is.
    const partition = server.faults.partition({
      match: { verb: ['get', 'list', 'create', 'update'] },
    });
    const electors: LeaderElector[] = Array.from({ length: m }, (_, i) =>
      createLeaderElector({
        name: `overload-${i}`,
        namespace: 'default',
        kubeConfig,
        identity: `overload-${i}`,
        keepProcessAlive: false,
        // Long enough that no request times out during the test: only the bound is at work.
        leaseDurationMs: 120_000,
        renewDeadlineMs: 90_000,
        retryPeriodMs: 2_000,
      }).start(),
    );
    cleanup = async () => {
      server.faults.heal();
      await Promise.all(electors.map((e) => e.stop()));
      await server.close();
    };
    // Each elector's first request is its list. Wait until every list is accounted for, held
    // at the server or queued here (without a bound, all m would reach the server)...
    await vi.waitFor(() => expect(partition.hits + limiter.stats.queued).toBe(m), {
      timeout: 10_000,
    });
    // ...and only maxInFlight of them did.
    expect(partition.hits).toBe(limiter.maxInFlight);
    expect(limiter.stats.queued).toBe(m - limiter.maxInFlight);
    expect(limiter.stats.inFlight).toBe(limiter.maxInFlight);
    expect(limiter.stats.peakInFlight).toBe(limiter.maxInFlight);
    server.faults.heal();
    await vi.waitFor(() => expect(electors.filter((e) => e.isLeader)).toHaveLength(m), {
      timeout: 30_000,
    });
    expect(limiter.stats.peakInFlight).toBe(limiter.maxInFlight);
  }, 60_000);
});
