/**
 * Liveness in real time, shared by every backend that speaks the Kubernetes API: the embedded
 * server (`health-realtime.test.ts`) and a real kube-apiserver behind a TCP proxy
 * (`test/kube/test/health.kube.test.ts`).
 *
 * The ManualClock tests (`health.test.ts`) prove the rule; these prove it holds with the
 * system clock, real timers and real HTTP through `@kubernetes/client-node`:
 *
 * - a leader whose event loop is blocked synchronously (Atomics.wait) for twice its lease
 *   duration answers the first liveness probe after the block with a failure, because it
 *   still acts as leader long after its last renewal; once the loop has run the deadline
 *   timer, the term is over and liveness passes again;
 * - a leader cut off from the API server ends its term at the deadline and passes liveness
 *   (and readiness) throughout and after, as do its followers.
 *
 * The assertions are about outcomes, never durations: the block (8 s) is twice the lease
 * (4 s) so the check's bound (lease + 1 s tolerance after the last renewal was sent) is
 * passed by seconds, whatever the load.
 *
 * @module
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthHandler } from '../../src/health.js';
import { createLeaderElector, type ElectorEvent, type LeaderElector } from '../../src/index.js';
import { FAST, until } from '../e2e/elector-cases.js';

/** What a backend provides to the health cases. */
export interface HealthBackend {
  /** A fresh namespace and a kubeconfig for candidates on `leaseName` in it. */
  prepare(options: { leaseName: string }): Promise<{ namespace: string; kubeConfig: KubeConfig }>;
  /**
   * Cuts every candidate of `namespace` off from the API server (requests hang or are
   * refused, open watches stop); `restore()` undoes it.
   */
  cutOff(namespace: string): Promise<{ restore(): Promise<void> | void }>;
}

/** Tolerance of the probes here: 1 s instead of 20 s, so the block needs only 8 s. */
const TOLERANCE_MS = 1_000;
/** Twice the lease duration: far past lease + tolerance after the last renewal was sent. */
const BLOCK_MS = 2 * FAST.leaseDurationMs;
const CASE_TIMEOUT_MS = 90_000;

/** Blocks this thread's event loop for `ms`: no timer, I/O callback or promise job runs. */
export function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Serves `handler` on a loopback port; returns a GET helper through the real `fetch`. */
async function serve(handler: RequestListener, servers: Server[]) {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, body: await response.text() };
  };
}

/** Defines the health cases against `backend()` (resolved lazily, inside each test). */
export function describeHealthCases(label: string, backend: () => HealthBackend) {
  describe(`liveness in real time (${label})`, { timeout: CASE_TIMEOUT_MS }, () => {
    let electors: LeaderElector[] = [];
    let servers: Server[] = [];
    let restores: Array<() => Promise<void> | void> = [];
    let leases = 0;

    afterEach(async () => {
      for (const restore of restores) await restore();
      for (const s of servers) await new Promise((resolve) => s.close(resolve));
      await Promise.all(electors.map((e) => e.stop()));
      electors = [];
      servers = [];
      restores = [];
    });

    async function elect(count: number) {
      const leaseName = `health-${++leases}`;
      const { namespace, kubeConfig } = await backend().prepare({ leaseName });
      const events: ElectorEvent[][] = [];
      const made = Array.from({ length: count }, (_, i) => {
        const elector = createLeaderElector({
          name: leaseName,
          namespace,
          identity: `${leaseName}-${i}`,
          kubeConfig,
          keepProcessAlive: false,
          leaderEvents: false,
          ...FAST,
        });
        const seen: ElectorEvent[] = [];
        elector.events$.subscribe((event) => seen.push(event));
        events.push(seen);
        electors.push(elector);
        return elector;
      });
      return { namespace, leaseName, electors: made, events };
    }

    /** Waits until `elector` leads and has renewed once since (a steady term). */
    async function steadyLeader(elector: LeaderElector, seen: ElectorEvent[]) {
      elector.start();
      await until(() => elector.state.role === 'leader', 'the elector leads');
      const from = seen.length;
      await until(
        () => seen.slice(from).some((e) => e.type === 'renew.succeeded'),
        'the leader renews',
      );
    }

    it('a leader blocked past its deadline fails the first probe after the block', async () => {
      const {
        namespace,
        leaseName,
        electors: [elector],
        events: [seen],
      } = await elect(1);
      const probe = createHealthHandler(elector!, { toleranceMs: TOLERANCE_MS });
      let blockOnce = false;
      let roleAfterBlock: string | undefined;
      let directAfterBlock: ReturnType<LeaderElector['health']> | undefined;
      // The process is busy inside a request (a synchronous computation) while its probe is
      // asked for: the probe's answer is computed right after the loop is free again.
      const get = await serve((request, response) => {
        if (blockOnce) {
          blockOnce = false;
          blockEventLoop(BLOCK_MS);
          roleAfterBlock = elector!.state.role;
          directAfterBlock = elector!.health({ toleranceMs: TOLERANCE_MS });
        }
        probe(request, response);
      }, servers);

      await steadyLeader(elector!, seen!);
      const before = await get('/livez');
      expect(before.status).toBe(200);
      expect(before.body).toContain(`[+]leaderElection ok: leading ${namespace}/${leaseName}`);

      const ended = seen!.length;
      blockOnce = true;
      const blocked = await get('/livez');
      // Nothing ran during the block: the process still acts as leader, long past the time
      // another candidate may have taken the Lease. That is what liveness exists to catch.
      expect(roleAfterBlock).toBe('leader');
      expect(directAfterBlock).toMatchObject({
        ok: false,
        reason: expect.stringContaining(
          `failed election to renew leadership on lease ${namespace}/${leaseName}`,
        ),
      });
      expect(blocked.status).toBe(500);
      expect(blocked.body).toMatch(
        new RegExp(
          `^\\[-\\]leaderElection failed: failed election to renew leadership on lease ${namespace}/${leaseName}: still acting as leader`,
        ),
      );
      expect(blocked.body).toMatch(/check failed\n$/);

      // The loop runs again: the deadline timer ends the term, and liveness passes again.
      await until(
        () => seen!.slice(ended).some((e) => e.type === 'term.ended' && e.reason === 'deadline'),
        'the term ends at its deadline',
      );
      expect(elector!.health({ toleranceMs: TOLERANCE_MS }).ok).toBe(true);
      expect((await get('/livez')).status).toBe(200);
    });

    it('an API outage ends the term at its deadline and never fails liveness', async () => {
      const { namespace, electors: pair, events } = await elect(2);
      const [leader, follower] = pair as [LeaderElector, LeaderElector];
      const probe = createHealthHandler([leader, follower], { toleranceMs: TOLERANCE_MS });
      const get = await serve(probe, servers);
      await steadyLeader(leader, events[0]!);
      follower.start();
      await until(() => follower.readiness().ok, 'the follower has listed the Lease');
      expect(follower.state.role).toBe('follower');

      const from = events[0]!.length;
      const cut = await backend().cutOff(namespace);
      restores.push(() => cut.restore());
      const bad: string[] = [];
      const check = (when: string) => {
        for (const [i, elector] of pair.entries()) {
          const live = elector.health({ toleranceMs: TOLERANCE_MS });
          if (!live.ok) bad.push(`${when}: elector ${i} liveness: ${live.reason}`);
          const ready = elector.readiness();
          if (!ready.ok) bad.push(`${when}: elector ${i} readiness: ${ready.reason}`);
        }
      };
      // Throughout the outage, sampled every 10 ms, until the term has ended…
      await until(
        () => {
          check('during the term');
          return events[0]!.slice(from).some((e) => e.type === 'term.ended');
        },
        'the leader ends its term',
        30_000,
      );
      expect(events[0]!.slice(from).find((e) => e.type === 'term.ended')).toMatchObject({
        reason: 'deadline',
      });
      expect(leader.state.role).not.toBe('leader');
      // …and for another three lease durations after it, still cut off.
      const after = performance.now() + 3 * FAST.leaseDurationMs;
      await until(() => {
        check('after the term');
        return performance.now() > after;
      }, 'three lease durations pass');
      expect(bad).toEqual([]);
      const live = await get('/livez');
      expect(live.status).toBe(200);
      expect(live.body).toMatch(/check passed\n$/);
      expect((await get('/readyz')).status).toBe(200);
      // Nobody leads while the API server is unreachable.
      expect(pair.every((e) => e.state.role !== 'leader')).toBe(true);
    });
  });
}
