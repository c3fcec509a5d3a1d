/**
 * The `candidate` option against the embedded server's LeaseCandidate API, through the real
 * client-node: published at start, named after the identity, renewed when pinged (the test
 * plays the coordinator's ping), and absent unless asked for.
 */
import { CoordinationV1beta1Api, V1MicroTime } from '@kubernetes/client-node';
import { type LeaseServer, startLeaseServer } from '@leasehold/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeaderElector } from '../handle/leader-elector-api.js';
import { createLeaderElector } from '../index.js';
import { isPinged, leaseCandidateFor } from './lease-candidate.js';

let server: LeaseServer;
let electors: LeaderElector[] = [];
beforeEach(async () => {
  server = await startLeaseServer();
});
afterEach(async () => {
  await Promise.all(electors.map((e) => e.stop()));
  electors = [];
  await server.close();
});

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out: ${what}`);
}

describe('LeaseCandidate publishing', () => {
  it('publishes a candidate named after the identity and answers a ping', async () => {
    const elector = createLeaderElector({
      name: 'job',
      namespace: 'default',
      identity: 'pod-a',
      kubeConfig: server.kubeConfig,
      candidate: { binaryVersion: '1.34.2', emulationVersion: '1.33.0' },
    });
    electors.push(elector);
    elector.start();
    const api = server.kubeConfig.makeApiClient(CoordinationV1beta1Api);
    const read = () => api.readNamespacedLeaseCandidate({ name: 'pod-a', namespace: 'default' });
    const first = await until(read, 'the candidate is created');
    expect(first.spec).toMatchObject({
      leaseName: 'job',
      binaryVersion: '1.34.2',
      emulationVersion: '1.33.0',
      strategy: 'OldestEmulationVersion',
    });
    // A MicroTime on the wire: six fractional digits (three would be refused by kube-apiserver).
    expect(String(first.spec?.renewTime)).toMatch(/\.\d{6}Z$/);

    // The coordinator's ping: pingTime after renewTime. The elector must renew past it.
    const pingTime = new V1MicroTime(new Date(first.spec!.renewTime!).getTime() + 5);
    await api.replaceNamespacedLeaseCandidate({
      name: 'pod-a',
      namespace: 'default',
      body: { ...first, spec: { ...first.spec!, pingTime } },
    });
    const answered = await until(async () => {
      const c = await read();
      return isPinged(c) ? undefined : c;
    }, 'the ping is answered');
    expect(new Date(answered.spec!.renewTime!).getTime()).toBeGreaterThanOrEqual(
      pingTime.getTime(),
    );
    // The ping stays on the object, and the spec kept this process's versions.
    expect(new Date(answered.spec!.pingTime!).getTime()).toBe(pingTime.getTime());
    expect(answered.spec?.binaryVersion).toBe('1.34.2');
  });

  it('publishes nothing without the option', async () => {
    const elector = createLeaderElector({
      name: 'job',
      namespace: 'default',
      identity: 'pod-b',
      kubeConfig: server.kubeConfig,
    });
    electors.push(elector);
    elector.start();
    await new Promise<void>((resolve) => {
      const s = elector.isLeader$.subscribe((leading) => {
        if (leading) {
          resolve();
          queueMicrotask(() => s.unsubscribe());
        }
      });
    });
    const api = server.kubeConfig.makeApiClient(CoordinationV1beta1Api);
    const list = await api.listNamespacedLeaseCandidate({ namespace: 'default' });
    expect(list.items).toEqual([]);
  });

  it('the server refuses a candidate without the fields the coordinator needs', async () => {
    const api = server.kubeConfig.makeApiClient(CoordinationV1beta1Api);
    const body = leaseCandidateFor(
      { name: 'job', namespace: 'default', identity: 'bad' },
      { binaryVersion: 'v1.34' },
      new Date(),
    );
    await expect(
      api.createNamespacedLeaseCandidate({ namespace: 'default', body }),
    ).rejects.toMatchObject({
      code: 422,
    });
  });
});
