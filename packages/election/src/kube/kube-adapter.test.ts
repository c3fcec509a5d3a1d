/**
 * The Kubernetes adapter through the real client-node against a hand-written HTTP server, for
 * what the embedded API server cannot be made to do: proxy error pages, hung connections,
 * arbitrary watch streams. The conformance suite runs against the embedded server elsewhere.
 */
import { getEventListeners, once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { isStoreError, LeaseStoreError } from '../core/errors.js';
import type { LeaseObject } from '../core/lease-record.js';
import type { LeaseStore } from '../core/lease-store.js';
import { startWatch } from '../testing/conformance-kit.js';
import { createKubernetesLeaseStore } from './kube-lease-store.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
interface Fake {
  readonly store: LeaseStore;
  readonly requests: { method: string; url: string; body: string }[];
  /** Resolves when the client has closed the connection of the request number `index`. */
  closed(index: number): Promise<void>;
}

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

function kubeConfigFor(server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'user', token: 'token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'user' }],
    currentContext: 'fake',
  });
  return kubeConfig;
}

async function fake(handler: Handler, requestTimeoutMs = 10_000): Promise<Fake> {
  const requests: Fake['requests'] = [];
  const closes: Promise<void>[] = [];
  const server = createServer((req, res) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', body: '' };
    requests.push(entry);
    closes.push(once(res, 'close').then(() => undefined));
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      entry.body += chunk;
    });
    req.on('end', () => handler(req, res, entry.body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  const { port } = server.address() as AddressInfo;
  const kubeConfig = kubeConfigFor(`http://127.0.0.1:${port}`);
  const store = createKubernetesLeaseStore({
    kubeConfig,
    name: 'lock',
    namespace: 'ns',
    requestTimeoutMs,
  });
  return {
    store,
    requests,
    closed: (index) => closes[index] ?? Promise.reject(new Error('no such request')),
  };
}

const json = (
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code,
  reason,
  message,
});
const leaseJson = (resourceVersion: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'lock',
    namespace: 'ns',
    resourceVersion,
    creationTimestamp: '2026-01-01T00:00:00Z',
  },
  spec,
});
const signal = () => AbortSignal.timeout(10_000);
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );
const body: LeaseObject = { metadata: {}, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } };

describe('kube adapter: error mapping through client-node', () => {
  const forbidden =
    'leases.coordination.k8s.io "lock" is forbidden: User "system:serviceaccount:ns:app" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "ns"';
  const cases: [
    string,
    (s: LeaseStore) => Promise<unknown>,
    number,
    unknown,
    string,
    Record<string, string>?,
  ][] = [
    [
      'unauthorized',
      (s) => s.get(signal()),
      401,
      status(401, 'Unauthorized', 'Unauthorized'),
      'unauthorized',
    ],
    [
      'forbidden',
      (s) => s.replace(body, '7', signal()),
      403,
      status(403, 'Forbidden', forbidden),
      'forbidden',
    ],
    [
      'already exists',
      (s) => s.create(body, signal()),
      409,
      status(409, 'AlreadyExists', 'exists'),
      'already-exists',
    ],
    [
      'conflict',
      (s) => s.replace(body, '7', signal()),
      409,
      status(409, 'Conflict', 'modified'),
      'conflict',
    ],
    [
      'not found on replace',
      (s) => s.replace(body, '7', signal()),
      404,
      status(404, 'NotFound', 'gone'),
      'not-found',
    ],
    ['invalid', (s) => s.create(body, signal()), 422, status(422, 'Invalid', 'bad'), 'invalid'],
    [
      'bad request',
      (s) => s.create(body, signal()),
      400,
      status(400, 'BadRequest', 'bad'),
      'invalid',
    ],
    [
      'throttled',
      (s) => s.list(signal()),
      429,
      status(429, 'TooManyRequests', 'slow down'),
      'unavailable',
      { 'retry-after': '7' },
    ],
    [
      'server error',
      (s) => s.get(signal()),
      500,
      status(500, 'InternalError', 'etcd'),
      'unavailable',
    ],
    [
      'proxy error page',
      (s) => s.get(signal()),
      502,
      '<html><body>Bad Gateway</body></html>',
      'unavailable',
    ],
    [
      'proxy 404 page (not an absent Lease)',
      (s) => s.get(signal()),
      404,
      '<html>404</html>',
      'unavailable',
    ],
    ['a 200 that is not JSON', (s) => s.get(signal()), 200, '<html>login</html>', 'unavailable'],
  ];
  for (const [label, call, code, payload, kind, headers] of cases) {
    it(`maps ${label} (${code}) to ${kind}`, async () => {
      const { store } = await fake((_req, res) => json(res, code, payload, headers));
      const error = await failure(call(store));
      expect(error).toBeInstanceOf(LeaseStoreError);
      expect((error as LeaseStoreError).kind).toBe(kind);
      expect((error as LeaseStoreError).cause).toBeDefined();
    });
  }

  it('keeps the Status message of a 403, which names the verb and resource', async () => {
    const { store } = await fake((_req, res) =>
      json(res, 403, status(403, 'Forbidden', forbidden)),
    );
    const error = (await failure(store.replace(body, '7', signal()))) as LeaseStoreError;
    expect(error.message).toContain('cannot update resource "leases"');
    expect(error.isFatal).toBe(true);
  });

  it('names the verb itself for a 403 without a body', async () => {
    const { store } = await fake((_req, res) => res.writeHead(403).end());
    const error = (await failure(store.create(body, signal()))) as LeaseStoreError;
    expect(error.kind).toBe('forbidden');
    expect(error.message).toContain('create leases.coordination.k8s.io');
  });

  it('carries Retry-After of a 429 as retryAfterMs', async () => {
    const { store } = await fake((_req, res) =>
      json(res, 429, status(429, 'TooManyRequests', 'x'), { 'retry-after': '7' }),
    );
    const error = (await failure(store.get(signal()))) as LeaseStoreError;
    expect([error.kind, error.status, error.retryAfterMs]).toEqual(['unavailable', 429, 7000]);
  });

  it('reads a 404 Status on get as an absent Lease', async () => {
    const { store } = await fake((_req, res) =>
      json(res, 404, status(404, 'NotFound', 'not found')),
    );
    expect(await store.get(signal())).toBeNull();
  });

  it('maps a refused connection to unavailable, keeping the socket error', async () => {
    const { store, requests } = await fake(() => {});
    for (const server of servers.splice(0)) server.close();
    const error = (await failure(store.get(signal()))) as LeaseStoreError;
    expect(requests).toEqual([]);
    expect(error.kind).toBe('unavailable');
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('kube adapter: cancellation and timeouts', () => {
  it("aborts an in-flight request and rejects with the caller's reason", async () => {
    const fakeApi = await fake(() => {}); // never answers
    const controller = new AbortController();
    const pending = failure(fakeApi.store.replace(body, '7', controller.signal));
    while (fakeApi.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const reason = new Error('renew deadline passed');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    await fakeApi.closed(0); // the connection was really cancelled
  });

  it("leaves nothing on the caller's signal once a call has settled, answered or failed", async () => {
    // A caller may use one signal for many calls (a group's lifetime signal, say): each call
    // that left its listener behind would grow it for good.
    const fakeApi = await fake((req, res) =>
      req.method === 'GET'
        ? json(res, 200, leaseJson('7'))
        : json(res, 409, status(409, 'Conflict', 'the object has been modified')),
    );
    const shared = new AbortController().signal;
    await fakeApi.store.get(shared);
    await failure(fakeApi.store.replace(body, '7', shared));
    await fakeApi.store.get(shared);
    expect(fakeApi.requests).toHaveLength(3);
    expect(getEventListeners(shared, 'abort')).toHaveLength(0);
  });

  it('gives up after requestTimeoutMs with unavailable', async () => {
    const fakeApi = await fake(() => {}, 50);
    const error = (await failure(fakeApi.store.get(signal()))) as LeaseStoreError;
    expect(error.kind).toBe('unavailable');
    expect(error.message).toContain('no response within 50 ms');
    await fakeApi.closed(0);
  });
});

describe('kube adapter: what goes on the wire', () => {
  it('sends the object verbatim: six-digit MicroTimes, V1MicroTime, unknown fields', async () => {
    const fakeApi = await fake((_req, res, sent) =>
      json(res, 201, {
        ...JSON.parse(sent),
        metadata: { ...JSON.parse(sent).metadata, resourceVersion: '5' },
      }),
    );
    const spec = {
      holderIdentity: 'a',
      acquireTime: '2026-01-02T03:04:05.123456Z',
      renewTime: new V1MicroTime(Date.parse('2026-01-02T03:04:06.789Z')),
      futureField: { kept: true },
    };
    const created = await fakeApi.store.create(
      { metadata: { resourceVersion: '3' }, spec },
      signal(),
    );
    const sent = JSON.parse(fakeApi.requests[0]?.body ?? '{}');
    expect(fakeApi.requests[0]?.method).toBe('POST');
    expect(fakeApi.requests[0]?.url).toBe('/apis/coordination.k8s.io/v1/namespaces/ns/leases');
    expect(sent.spec).toEqual({
      holderIdentity: 'a',
      acquireTime: '2026-01-02T03:04:05.123456Z',
      renewTime: '2026-01-02T03:04:06.789000Z',
      futureField: { kept: true },
    });
    expect(sent.metadata).toEqual({ name: 'lock', namespace: 'ns' });
    expect(created.object.spec?.futureField).toEqual({ kept: true });
  });

  it('replaces with PUT carrying the expected version, and reads unknown fields back', async () => {
    const fakeApi = await fake((_req, res) =>
      json(res, 200, { ...leaseJson('9', { futureField: 1 }), extra: 'x' }),
    );
    const replaced = await fakeApi.store.replace(
      { metadata: { resourceVersion: '1' }, spec: {} },
      '8',
      signal(),
    );
    expect(fakeApi.requests[0]?.method).toBe('PUT');
    expect(fakeApi.requests[0]?.url).toBe('/apis/coordination.k8s.io/v1/namespaces/ns/leases/lock');
    expect(JSON.parse(fakeApi.requests[0]?.body ?? '{}').metadata.resourceVersion).toBe('8');
    expect(replaced.resourceVersion).toBe('9');
    expect(replaced.object).toMatchObject({ extra: 'x', spec: { futureField: 1 } });
    expect(replaced.object.metadata.creationTimestamp).toBe('2026-01-01T00:00:00Z');
  });

  it('lists by field selector and returns the collection version', async () => {
    const fakeApi = await fake((_req, res) =>
      json(res, 200, {
        kind: 'LeaseList',
        metadata: { resourceVersion: '42' },
        items: [leaseJson('40')],
      }),
    );
    const listing = await fakeApi.store.list(signal());
    expect(
      new URL(fakeApi.requests[0]?.url ?? '', 'http://x').searchParams.get('fieldSelector'),
    ).toBe('metadata.name=lock');
    expect([listing.resourceVersion, listing.lease?.resourceVersion]).toEqual(['42', '40']);
  });

  it('refuses an object addressed to another Lease without sending it', async () => {
    const fakeApi = await fake((_req, res) => json(res, 201, leaseJson('1')));
    const error = await failure(fakeApi.store.create({ metadata: { name: 'other' } }, signal()));
    expect(isStoreError(error, 'invalid')).toBe(true);
    expect(fakeApi.requests).toEqual([]);
  });
});

describe('kube adapter: watch streams', () => {
  const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;
  const stream =
    (chunks: string[], end = true): Handler =>
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (const chunk of chunks) res.write(chunk);
      if (end) res.end();
    };

  it('asks for a bookmarked, timed, field-selected watch from the given version', async () => {
    const fakeApi = await fake(stream([]));
    await startWatch(fakeApi.store, '17').done;
    const url = new URL(fakeApi.requests[0]?.url ?? '', 'http://x');
    expect(url.pathname).toBe('/apis/coordination.k8s.io/v1/namespaces/ns/leases');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      watch: 'true',
      fieldSelector: 'metadata.name=lock',
      resourceVersion: '17',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '300',
    });
  });

  it('translates events in order, reports malformed ones, and rejects gone on an in-band 410', async () => {
    const fakeApi = await fake(
      stream([
        line('ADDED', leaseJson('2', { holderIdentity: 'a' })),
        line('MODIFIED', { kind: 'Lease', metadata: { name: 'lock' } }),
        'this line is not JSON\n',
        line('BOOKMARK', { kind: 'Lease', metadata: { resourceVersion: '3' } }),
        line('MODIFIED', {
          ...leaseJson('4', { holderIdentity: 'b' }),
          metadata: { name: 'other', resourceVersion: '4' },
        }),
        line('MODIFIED', leaseJson('5', { holderIdentity: 'c' })),
        line('DELETED', leaseJson('6')),
        line('ERROR', status(410, 'Expired', 'too old resource version: 1 (5)')),
      ]),
    );
    const watch = startWatch(fakeApi.store, '1');
    const error = await failure(watch.done);
    expect(isStoreError(error, 'gone')).toBe(true);
    expect(
      watch.events.map((e) =>
        e.type === 'upsert'
          ? `upsert ${e.lease.record.holderIdentity}`
          : e.type === 'malformed'
            ? 'malformed'
            : `${e.type} ${e.resourceVersion}`,
      ),
    ).toEqual(['upsert a', 'malformed', 'bookmark 3', 'upsert c', 'deleted 6']);
  });

  it('resolves when the server ends the stream', async () => {
    const fakeApi = await fake(stream([line('ADDED', leaseJson('2'))]));
    const watch = startWatch(fakeApi.store, '1');
    await expect(watch.done).resolves.toBeUndefined();
    expect(watch.changes()).toHaveLength(1);
  });

  it('maps other in-band errors and a refused watch request', async () => {
    const inBand = await fake(stream([line('ERROR', status(500, 'InternalError', 'etcd'))], false));
    expect(isStoreError(await failure(startWatch(inBand.store, '1').done), 'unavailable')).toBe(
      true,
    );
    const refused = await fake((_req, res) => json(res, 403, status(403, 'Forbidden', 'no watch')));
    expect(isStoreError(await failure(startWatch(refused.store, '1').done), 'forbidden')).toBe(
      true,
    );
  });

  it('maps a refused connection to unavailable', async () => {
    const fakeApi = await fake(() => {});
    for (const server of servers.splice(0)) server.close();
    expect(isStoreError(await failure(startWatch(fakeApi.store, '1').done), 'unavailable')).toBe(
      true,
    );
  });

  it('resolves on abort while connecting and while streaming, closing the connection', async () => {
    // client-node hands out the watch's AbortController only once the response headers are in;
    // a watch aborted before that resolves at once and its connection closes when they arrive.
    let sendHeaders = () => {};
    const connecting = await fake((_req, res) => {
      sendHeaders = () => res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
    });
    const first = startWatch(connecting.store, '1');
    while (connecting.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    first.stop();
    await expect(first.done).resolves.toBeUndefined();
    sendHeaders();
    await connecting.closed(0);

    const streaming = await fake(stream([line('ADDED', leaseJson('2'))], false));
    const second = startWatch(streaming.store, '1');
    while (second.events.length === 0) await new Promise((r) => setTimeout(r, 5));
    second.stop();
    await expect(second.done).resolves.toBeUndefined();
    await streaming.closed(0);
  });

  it('turns an exception in onEvent into a rejection instead of letting client-node swallow it', async () => {
    const fakeApi = await fake(stream([line('ADDED', leaseJson('2'))], false));
    const bug = new Error('consumer bug');
    const done = fakeApi.store.watch({
      resourceVersion: '1',
      signal: signal(),
      onEvent: () => {
        throw bug;
      },
    });
    expect(await failure(done)).toBe(bug);
    await fakeApi.closed(0);
  });
});
