/**
 * The LeaseCandidate's timers run on the injected clock: the 5-minute renewal and the retry
 * back-off after failed writes are driven by a ManualClock here, while the requests are real
 * HTTP through client-node to the embedded server's LeaseCandidate API (wrapped to count the
 * candidate writes and refuse the first few with 503).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoordinationV1beta1Api, KubeConfig } from '@kubernetes/client-node';
import { createLeaseApi, type LeaseApi, toNodeListener } from '@leasehold/testing';
import { Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../core/manual-clock.js';
import type { ElectorEvent } from '../handle/elector-events.js';
import {
  CANDIDATE_RENEW_INTERVAL_MS,
  CANDIDATE_RETRY_MAX_MS,
  candidateRetryDelayMs,
  publishLeaseCandidate,
} from './lease-candidate.js';

const WALL_START = 1_800_000_000_000;

let api: LeaseApi;
let server: Server;
let kubeConfig: KubeConfig;
let clock: ManualClock;
/** Monotonic (manual) time of each candidate write that reached the server. */
let writes: number[];
/** Candidate writes still to refuse with 503. */
let refuse: number;
let stops: Array<() => void>;

beforeEach(async () => {
  clock = createManualClock({ wallStart: WALL_START });
  writes = [];
  refuse = 0;
  stops = [];
  api = createLeaseApi();
  const handler = async (request: Request): Promise<Response> => {
    const write = request.method === 'POST' || request.method === 'PUT';
    if (write && new URL(request.url).pathname.includes('/leasecandidates')) {
      writes.push(clock.now());
      if (refuse > 0) {
        refuse--;
        return Response.json(
          {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'ServiceUnavailable',
            code: 503,
          },
          { status: 503 },
        );
      }
    }
    return api.handler(request);
  };
  server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u', namespace: 'default' }],
    currentContext: 'x',
  });
});
afterEach(async () => {
  for (const stop of stops) stop();
  await api.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Polls (in real time: the requests are real) until `predicate` holds. */
async function until(predicate: () => boolean, what: string) {
  for (let i = 0; i < 400; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out: ${what}`);
}

/** Starts publishing for a fake elector, as `createLeaderElector` does on its first event. */
function publish() {
  const events$ = new Subject<ElectorEvent>();
  const stop = publishLeaseCandidate(
    { config: { name: 'job', namespace: 'default', identity: 'pod-a' }, events$ },
    { binaryVersion: '1.34.0', kubeConfig, clock },
  );
  stops.push(stop);
  events$.next({ type: 'acquire.attempted', at: clock.now() } as ElectorEvent);
  return { events$, stop };
}

const readRenewTime = async () => {
  const candidates = kubeConfig.makeApiClient(CoordinationV1beta1Api);
  const c = await candidates.readNamespacedLeaseCandidate({ name: 'pod-a', namespace: 'default' });
  return new Date(c.spec!.renewTime!).getTime();
};

describe('LeaseCandidate timers on the injected clock', () => {
  it('renews every 5 minutes of the clock, stamping renewTime from its wall time', async () => {
    publish();
    await until(() => writes.length === 1, 'the first write');
    await until(() => clock.nextDue() === CANDIDATE_RENEW_INTERVAL_MS, 'the renewal is armed');
    expect(await readRenewTime()).toBe(WALL_START);

    clock.advance(CANDIDATE_RENEW_INTERVAL_MS - 1);
    expect(writes).toHaveLength(1);
    clock.advance(1);
    await until(() => writes.length === 2, 'the first renewal');
    expect(writes[1]).toBe(CANDIDATE_RENEW_INTERVAL_MS);
    await until(() => clock.nextDue() === 2 * CANDIDATE_RENEW_INTERVAL_MS, 'next renewal armed');
    await until(() => writes.length === 2, 'settled');
    expect(await readRenewTime()).toBe(WALL_START + CANDIDATE_RENEW_INTERVAL_MS);

    clock.advance(CANDIDATE_RENEW_INTERVAL_MS);
    await until(() => writes.length === 3, 'the second renewal');
    expect(writes[2]).toBe(2 * CANDIDATE_RENEW_INTERVAL_MS);
  });

  it('retries failed writes after 1, 2, 4, 8 s of the clock, then renews on schedule', async () => {
    refuse = 4;
    publish();
    await until(() => writes.length === 1, 'the first (refused) write');
    let at = 0;
    for (const delay of [1_000, 2_000, 4_000, 8_000]) {
      const before = writes.length;
      await until(() => clock.nextDue() === at + delay, `retry armed ${delay} ms after ${at}`);
      clock.advance(delay - 1);
      expect(writes).toHaveLength(before);
      clock.advance(1);
      at += delay;
      await until(() => writes.length === before + 1, `the retry at ${at}`);
      expect(writes.at(-1)).toBe(at);
    }
    expect(writes).toEqual([0, 1_000, 3_000, 7_000, 15_000]);
    // The fifth write landed: no retry is armed, the periodic renewal still is (from start).
    await until(() => clock.nextDue() === CANDIDATE_RENEW_INTERVAL_MS, 'only the renewal armed');
    expect(await readRenewTime()).toBe(WALL_START + 15_000);
  });

  it('caps the back-off at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(candidateRetryDelayMs)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
    expect(candidateRetryDelayMs(1_000)).toBe(CANDIDATE_RETRY_MAX_MS);
  });

  it('leaves no timer armed once the elector stops', async () => {
    refuse = 1;
    const { events$ } = publish();
    await until(() => clock.nextDue() === 1_000, 'the retry is armed');
    expect(clock.pendingTimers()).toBeGreaterThanOrEqual(2);
    events$.next({ type: 'stopped', at: clock.now() } as ElectorEvent);
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(CANDIDATE_RENEW_INTERVAL_MS * 2);
    expect(writes).toHaveLength(1);
  });
});
