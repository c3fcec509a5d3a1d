/**
 * Core v1 Events on the embedded server: what an elector writes, `kubectl events --for`
 * lists, and a watch with field selectors sees.
 */
import { CoreV1Api, type CoreV1Event, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LeaseServer, startLeaseServer } from '../src/index.js';
import { kubectlFor } from './helpers.js';

let server: LeaseServer;
let kubectl: Awaited<ReturnType<typeof kubectlFor>>;
beforeAll(async () => {
  server = await startLeaseServer();
  kubectl = await kubectlFor(server);
});
afterAll(async () => {
  await server.close();
});

const event = (name: string, lease: string, message: string): CoreV1Event => ({
  metadata: { name, namespace: 'default' },
  involvedObject: {
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    name: lease,
    namespace: 'default',
  },
  reason: 'LeaderElection',
  message,
  type: 'Normal',
  source: { component: 'leasehold' },
  count: 1,
  firstTimestamp: new Date(),
  lastTimestamp: new Date(),
});

describe('Events API', () => {
  it('creates, lists by involvedObject, and serves kubectl events --for lease/NAME', async () => {
    const api = server.kubeConfig.makeApiClient(CoreV1Api);
    await api.createNamespacedEvent({
      namespace: 'default',
      body: event('app.1', 'app', 'pod-a became leader'),
    });
    await api.createNamespacedEvent({
      namespace: 'default',
      body: event('other.1', 'other', 'pod-b became leader'),
    });
    await expect(
      api.createNamespacedEvent({ namespace: 'default', body: event('app.1', 'app', 'again') }),
    ).rejects.toMatchObject({ code: 409 });
    const listed = await api.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.kind=Lease,involvedObject.name=app',
    });
    expect(listed.items.map((e) => e.message)).toEqual(['pod-a became leader']);
    const all = await api.listEventForAllNamespaces({ fieldSelector: 'reason=LeaderElection' });
    expect(all.items).toHaveLength(2);

    const result = await kubectl(['events', '--for', 'lease/app', '-n', 'default']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    expect(result.stdout).toMatch(/Normal\s+LeaderElection\s+Lease\/app\s+pod-a became leader/);
    expect(result.stdout).not.toContain('pod-b');
  });

  it('rejects an Event whose involvedObject is in another namespace', async () => {
    const api = server.kubeConfig.makeApiClient(CoreV1Api);
    const body = event('bad.1', 'app', 'x');
    body.involvedObject.namespace = 'elsewhere';
    await expect(api.createNamespacedEvent({ namespace: 'default', body })).rejects.toMatchObject({
      code: 422,
    });
  });

  it('streams new Events to a watch with a field selector', async () => {
    const api = server.kubeConfig.makeApiClient(CoreV1Api);
    const list = await api.listNamespacedEvent({ namespace: 'default' });
    const seen: string[] = [];
    const controller = await new Watch(server.kubeConfig).watch(
      '/api/v1/namespaces/default/events',
      {
        fieldSelector: 'involvedObject.name=watched',
        resourceVersion: list.metadata?.resourceVersion,
      },
      (phase, object: CoreV1Event) => seen.push(`${phase} ${object.message}`),
      () => {},
    );
    await api.createNamespacedEvent({
      namespace: 'default',
      body: event('watched.1', 'watched', 'pod-c became leader'),
    });
    await api.createNamespacedEvent({
      namespace: 'default',
      body: event('unwatched.1', 'unwatched', 'pod-d became leader'),
    });
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    expect(seen).toEqual(['ADDED pod-c became leader']);
  });
});
