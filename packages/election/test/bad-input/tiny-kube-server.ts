/**
 * A tiny Kubernetes API server for one Lease, on `node:http`, backed by the in-memory store
 * (so versions, conflicts and watches follow the real server's rules), with a queue of bad
 * answers to give instead of the right one: error statuses, HTML pages, non-JSON bodies,
 * truncated or garbage watch streams. Just enough for `@kubernetes/client-node` — and so the
 * real adapter — to talk to it.
 *
 * @module
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { LeaseStoreError } from '../../src/core/errors.js';
import type { LeaseWatchEvent } from '../../src/core/lease-store.js';
import { createInMemoryLeaseStore, type InMemoryLeaseStore } from '../../src/store/index.js';

export type Verb = 'list' | 'watch' | 'get' | 'create' | 'update';

/** A bad answer: what to send instead of serving the request. */
export type BadAnswer =
  | { readonly status: number; readonly reason?: string; readonly retryAfter?: string }
  | { readonly html: number }
  | { readonly text: string }
  /** Watch only: half a JSON line, then the connection is destroyed. */
  | { readonly truncate: true }
  /** Watch only: lines that are not JSON, then the real stream. */
  | { readonly garbage: readonly string[] };

export interface TinyKubeServer {
  readonly kubeConfig: KubeConfig;
  readonly store: InMemoryLeaseStore;
  /** The next `count` requests of `verb` get `answer`. */
  failNext(verb: Verb, answer: BadAnswer, count?: number): void;
  /** Requests served so far, by verb (bad answers included). */
  readonly requests: Record<Verb, number>;
  close(): Promise<void>;
}

const NAME = 'lease';
const NAMESPACE = 'ns';
const COLLECTION = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases`;

const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

function status(response: ServerResponse, code: number, reason?: string, message?: string) {
  response.writeHead(code, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      code,
      reason: reason ?? REASONS[code] ?? 'Unknown',
      message: message ?? `injected ${code}`,
    }),
  );
}

const STORE_STATUS: Record<string, number> = {
  conflict: 409,
  'already-exists': 409,
  'not-found': 404,
  gone: 410,
  invalid: 422,
};

export async function startTinyKubeServer(): Promise<TinyKubeServer> {
  const store = createInMemoryLeaseStore({ name: NAME, namespace: NAMESPACE, precreated: true });
  const faults: { verb: Verb; answer: BadAnswer; left: number }[] = [];
  const requests: Record<Verb, number> = { list: 0, watch: 0, get: 0, create: 0, update: 0 };
  const streams = new Set<ServerResponse>();

  const body = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as never;
  };
  const fail = (response: ServerResponse, error: unknown) => {
    if (error instanceof LeaseStoreError) {
      const code = STORE_STATUS[error.kind] ?? 500;
      status(
        response,
        code,
        error.kind === 'already-exists' ? 'AlreadyExists' : undefined,
        error.message,
      );
    } else status(response, 500, undefined, String(error));
  };

  const watch = (url: URL, response: ServerResponse) => {
    const controller = new AbortController();
    if (!response.headersSent) response.writeHead(200, { 'content-type': 'application/json' });
    streams.add(response);
    response.on('close', () => {
      streams.delete(response);
      controller.abort();
    });
    const send = (type: string, object: unknown) =>
      response.write(`${JSON.stringify({ type, object })}\n`);
    store
      .watch({
        resourceVersion: url.searchParams.get('resourceVersion') ?? '0',
        signal: controller.signal,
        onEvent: (event: LeaseWatchEvent) => {
          if (event.type === 'upsert') send('MODIFIED', event.lease.object);
          else if (event.type === 'deleted') {
            send('DELETED', {
              kind: 'Lease',
              metadata: {
                name: NAME,
                namespace: NAMESPACE,
                resourceVersion: event.resourceVersion,
              },
            });
          } else if (event.type === 'bookmark') {
            send('BOOKMARK', {
              kind: 'Lease',
              metadata: { resourceVersion: event.resourceVersion },
            });
          }
        },
      })
      .then(
        () => response.end(),
        (error: unknown) => {
          if (error instanceof LeaseStoreError && error.kind === 'gone') {
            send('ERROR', {
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              code: 410,
              reason: 'Expired',
              message: error.message,
            });
          }
          response.end();
        },
      );
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const named = url.pathname === `${COLLECTION}/${NAME}`;
    if (url.pathname !== COLLECTION && !named) return status(response, 404);
    const verb: Verb =
      request.method === 'POST'
        ? 'create'
        : request.method === 'PUT'
          ? 'update'
          : named
            ? 'get'
            : url.searchParams.get('watch') === 'true'
              ? 'watch'
              : 'list';
    requests[verb]++;
    const fault = faults.find((f) => f.verb === verb);
    if (fault) {
      if (--fault.left === 0) faults.splice(faults.indexOf(fault), 1);
      const { answer } = fault;
      if ('status' in answer) {
        if (answer.retryAfter !== undefined) response.setHeader('retry-after', answer.retryAfter);
        return status(response, answer.status, answer.reason);
      }
      if ('html' in answer) {
        response.writeHead(answer.html, { 'content-type': 'text/html' });
        return response.end('<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>');
      }
      if ('text' in answer) {
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end(answer.text);
      }
      if ('truncate' in answer) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"type":"MODIFIED","object":{"kind":"Lea');
        setTimeout(() => response.destroy(), 20).unref();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      for (const line of answer.garbage) response.write(`${line}\n`);
      // …and then the real stream, on the same connection.
      streams.add(response);
    }
    try {
      if (verb === 'watch') return watch(url, response);
      const signal = new AbortController().signal;
      let result: unknown;
      if (verb === 'list') {
        const listing = await store.list(signal);
        result = {
          kind: 'LeaseList',
          apiVersion: 'coordination.k8s.io/v1',
          metadata: { resourceVersion: listing.resourceVersion },
          items: listing.lease ? [listing.lease.object] : [],
        };
      } else if (verb === 'get') {
        const lease = await store.get(signal);
        if (lease === null) return status(response, 404, 'NotFound', `leases "${NAME}" not found`);
        result = lease.object;
      } else if (verb === 'create') {
        result = (await store.create(await body(request), signal)).object;
      } else {
        const object = (await body(request)) as { metadata?: { resourceVersion?: string } };
        result = (
          await store.replace(object as never, object.metadata?.resourceVersion ?? '', signal)
        ).object;
      }
      response.writeHead(verb === 'create' ? 201 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(result));
    } catch (error) {
      fail(response, error);
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'tiny', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'tiny', token: 'token' }],
    contexts: [{ name: 'tiny', cluster: 'tiny', user: 'tiny', namespace: NAMESPACE }],
    currentContext: 'tiny',
  });
  return {
    kubeConfig,
    store,
    requests,
    failNext(verb, answer, count = 1) {
      faults.push({ verb, answer, left: count });
    },
    async close() {
      for (const stream of streams) stream.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
