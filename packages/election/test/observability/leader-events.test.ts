import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { type LeaseServer, startLeaseServer } from '@leasehold/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLeaderElector, type LeaderElector } from '../../src/handle/leader-elector.js';
import { EVENTS_RBAC_RULE, recordLeaderEvents } from '../../src/kube/leader-events.js';
import { createFleet } from './fleet.js';

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

const elect = (identity: string, extra: { leaderEvents?: boolean } = {}) => {
  const elector = createLeaderElector({
    name: 'app',
    namespace: 'default',
    identity,
    kubeConfig: server.kubeConfig,
    keepProcessAlive: false,
    ...extra,
  });
  electors.push(elector);
  return elector.start();
};

/** Lists the Lease's Events as `kubectl events --for lease/app` does. */
async function leaseEvents() {
  const api = server.kubeConfig.makeApiClient(CoreV1Api);
  const list = await api.listNamespacedEvent({
    namespace: 'default',
    fieldSelector:
      'involvedObject.kind=Lease,involvedObject.apiVersion=coordination.k8s.io/v1,involvedObject.name=app',
  });
  return list.items.map((e) => ({ reason: e.reason, type: e.type, message: e.message }));
}

const eventually = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('leader election Events', () => {
  it('records "became leader" and "stopped leading" about the Lease, by default', async () => {
    const a = elect('holder-a');
    await a.whenLeader();
    await eventually(async () => (await leaseEvents()).length >= 1);
    expect(await leaseEvents()).toEqual([
      { reason: 'LeaderElection', type: 'Normal', message: 'holder-a became leader' },
    ]);
    await a.stop();
    await eventually(async () => (await leaseEvents()).length >= 2);
    expect((await leaseEvents()).map((e) => e.message)).toEqual([
      'holder-a became leader',
      'holder-a stopped leading',
    ]);
  });

  it('records nothing when switched off', async () => {
    const a = elect('quiet', { leaderEvents: false });
    await a.whenLeader();
    await a.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(await leaseEvents()).toEqual([]);
  });

  it('logs a 403 once, with the RBAC rule, and never disturbs the election', async () => {
    const posts: string[] = [];
    const forbidding = createServer((request, response) => {
      posts.push(`${request.method} ${request.url}`);
      request.resume();
      response.writeHead(403, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Forbidden',
          code: 403,
          message: 'events is forbidden',
        }),
      );
    });
    await new Promise<void>((resolve) => forbidding.listen(0, '127.0.0.1', resolve));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [
        {
          name: 'c',
          server: `http://127.0.0.1:${(forbidding.address() as AddressInfo).port}`,
          skipTLSVerify: true,
        },
      ],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_fields: unknown, m: string) => void warnings.push(m),
    };
    // An elector on the in-memory store; its Events go to the forbidding server.
    const f = createFleet(1);
    recordLeaderEvents(f.electors[0]!, { kubeConfig, logger });
    f.electors[0]!.start();
    await f.settle();
    await f.electors[0]!.stepDown();
    await f.advance(20_000); // yields, then takes the Lease again: a third transition
    await eventually(async () => posts.length >= 3);
    await new Promise((r) => setTimeout(r, 50));
    expect(posts.length).toBeGreaterThanOrEqual(3);
    expect(posts[0]).toBe('POST /api/v1/namespaces/ns/events');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(EVENTS_RBAC_RULE);
    expect(f.electors[0]!.isLeader).toBe(true);
    await f.stopAll();
    await new Promise((resolve) => forbidding.close(resolve));
  });

  it('drops Events past the rate limit', async () => {
    const f = createFleet(1);
    let posted = 0;
    const counting = createServer((request, response) => {
      posted++;
      request.resume();
      response.writeHead(201, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [
        {
          name: 'c',
          server: `http://127.0.0.1:${(counting.address() as AddressInfo).port}`,
          skipTLSVerify: true,
        },
      ],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    recordLeaderEvents(f.electors[0]!, { kubeConfig, maxPerMinute: 2, clock: f.clock });
    f.electors[0]!.start();
    await f.settle();
    for (let i = 0; i < 3; i++) {
      await f.electors[0]!.stepDown();
      await f.advance(15_000); // within one minute: became, stopped, became, ... (6+)
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(posted).toBe(2);
    await f.stopAll();
    await new Promise((resolve) => counting.close(resolve));
  });
});
