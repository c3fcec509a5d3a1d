import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, expect, it } from 'vitest';
import { createKubernetesLeaseStore } from './kube-lease-store.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

it('reuses connections across requests instead of a new handshake for each', async () => {
  let connections = 0;
  const lease = {
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    metadata: { name: 'l', namespace: 'ns', resourceVersion: '7' },
    spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
  };
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(lease));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u', namespace: 'ns' }],
    currentContext: 'x',
  });
  const store = createKubernetesLeaseStore({ kubeConfig, name: 'l', namespace: 'ns' });
  for (let i = 0; i < 10; i++) {
    const read = await store.get(AbortSignal.timeout(5_000));
    expect(read?.resourceVersion).toBe('7');
  }
  // Without the pool, client-node opens one connection per request (10 here); undici may open
  // a second while the first is being handed back.
  expect(connections).toBeLessThanOrEqual(2);
  server.closeAllConnections();
});
