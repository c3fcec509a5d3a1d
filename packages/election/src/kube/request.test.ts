import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, LeaseStoreError } from '../core/errors.js';
import { createKubernetesLeaseStore } from './kube-lease-store.js';
import { apiServerOf } from './request.js';

interface Seen {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const lease = (resourceVersion: string) => ({
  kind: 'Lease',
  apiVersion: 'coordination.k8s.io/v1',
  metadata: { name: 'l', namespace: 'ns', resourceVersion },
  spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
});

/** A server that records each request and answers with `answer(request)`. */
async function recordingServer(
  answer: (seen: Seen) => { status: number; body: string; headers?: Record<string, string> },
): Promise<{ seen: Seen[]; port: number }> {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const entry = { method: request.method, url: request.url, headers: request.headers, body };
      seen.push(entry);
      const reply = answer(entry);
      response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      response.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { seen, port: (server.address() as AddressInfo).port };
}

function kubeConfigFor(server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u', namespace: 'ns' }],
    currentContext: 'x',
  });
  return kubeConfig;
}

describe('requests to the Lease API', () => {
  it('go to the paths below the server URL, path prefix included, with the kubeconfig token', async () => {
    const { seen, port } = await recordingServer((request) =>
      request.url?.includes('?')
        ? { status: 200, body: JSON.stringify({ metadata: { resourceVersion: '9' }, items: [] }) }
        : { status: 200, body: JSON.stringify(lease('9')) },
    );
    // A proxy in front of several clusters puts a prefix before /apis; a trailing slash too.
    const kubeConfig = kubeConfigFor(`http://127.0.0.1:${port}/clusters/c-1/`);
    const store = createKubernetesLeaseStore({ kubeConfig, name: 'l', namespace: 'ns' });
    const signal = AbortSignal.timeout(5_000);
    await store.get(signal);
    await store.list(signal);
    await store.create(lease('1'), signal);
    await store.replace(lease('1'), '8', signal);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /clusters/c-1/apis/coordination.k8s.io/v1/namespaces/ns/leases/l',
      'GET /clusters/c-1/apis/coordination.k8s.io/v1/namespaces/ns/leases?fieldSelector=metadata.name%3Dl',
      'POST /clusters/c-1/apis/coordination.k8s.io/v1/namespaces/ns/leases',
      'PUT /clusters/c-1/apis/coordination.k8s.io/v1/namespaces/ns/leases/l',
    ]);
    for (const request of seen) {
      expect(request.headers.authorization).toBe('Bearer secret-token');
      expect(request.headers.accept).toBe('application/json');
    }
    // Writes carry JSON, the create without a version, the replace with the expected one.
    const [create, replace] = [seen[2], seen[3]].map((s) => {
      expect(s?.headers['content-type']).toBe('application/json');
      return JSON.parse(s?.body ?? '') as { metadata: { resourceVersion?: string } };
    });
    expect(create?.metadata.resourceVersion).toBeUndefined();
    expect(replace?.metadata.resourceVersion).toBe('8');
  });

  it('send the object exactly as given, fields unknown to client-node included', async () => {
    const { seen, port } = await recordingServer(() => ({
      status: 200,
      body: JSON.stringify({ ...lease('2'), spec: { ...lease('2').spec, futureField: { x: 1 } } }),
    }));
    const store = createKubernetesLeaseStore({
      kubeConfig: kubeConfigFor(`http://127.0.0.1:${port}`),
      name: 'l',
      namespace: 'ns',
    });
    const object = {
      ...lease('1'),
      spec: { ...lease('1').spec, renewTime: '2026-12-05T10:00:00.123456Z', futureField: { x: 1 } },
    };
    const stored = await store.replace(object, '1', AbortSignal.timeout(5_000));
    const sent = JSON.parse(seen[0]?.body ?? '') as { spec: Record<string, unknown> };
    expect(sent.spec.renewTime).toBe('2026-12-05T10:00:00.123456Z');
    expect(sent.spec.futureField).toEqual({ x: 1 });
    expect(stored.resourceVersion).toBe('2');
    expect((stored.object.spec as Record<string, unknown>).futureField).toEqual({ x: 1 });
  });

  it('map the answers that are not a Lease to typed errors', async () => {
    const answers = [
      { status: 200, body: 'not json' },
      { status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } },
      {
        status: 429,
        body: JSON.stringify({ kind: 'Status', code: 429, reason: 'TooManyRequests' }),
        headers: { 'retry-after': '3' },
      },
      {
        status: 409,
        body: JSON.stringify({ kind: 'Status', code: 409, reason: 'Conflict', message: 'stale' }),
      },
    ];
    let next = 0;
    const { port } = await recordingServer(() => answers[next++] ?? { status: 500, body: '' });
    const store = createKubernetesLeaseStore({
      kubeConfig: kubeConfigFor(`http://127.0.0.1:${port}`),
      name: 'l',
      namespace: 'ns',
    });
    const failures: LeaseStoreError[] = [];
    for (let i = 0; i < answers.length; i++) {
      const error = await store
        .replace(lease('1'), '1', AbortSignal.timeout(5_000))
        .catch((e) => e);
      expect(error).toBeInstanceOf(LeaseStoreError);
      failures.push(error as LeaseStoreError);
    }
    expect(failures.map((f) => [f.kind, f.status, f.retryAfterMs])).toEqual([
      ['unavailable', undefined, undefined],
      ['unavailable', 502, undefined],
      ['unavailable', 429, 3_000],
      ['conflict', 409, undefined],
    ]);
    expect(failures[3]?.message).toContain('stale');
  });
});

describe('apiServerOf', () => {
  it('splits the server URL into origin and path prefix', () => {
    expect(apiServerOf(kubeConfigFor('https://example.test:6443'))).toEqual({
      origin: 'https://example.test:6443',
      basePath: '',
    });
    expect(apiServerOf(kubeConfigFor('https://example.test/k8s/clusters/c-1//'))).toEqual({
      origin: 'https://example.test',
      basePath: '/k8s/clusters/c-1',
    });
  });

  it('refuses a kubeconfig without a usable server', () => {
    expect(() => apiServerOf(new KubeConfig())).toThrow(ConfigError);
    expect(() => apiServerOf(kubeConfigFor('ftp://example.test'))).toThrow(ConfigError);
    expect(() => apiServerOf(kubeConfigFor('not a url'))).toThrow(ConfigError);
  });
});
