/**
 * `startLeaseServer`: the Lease API listening on a local port, with a kubeconfig pointing at it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { createLeaseApi, type LeaseApiOptions } from './api.js';
import type { Faults } from './fault-injection.js';
import { toNodeListener } from './http-adapter.js';
import { buildKubeConfig, writeKubeconfigFile } from './kubeconfig.js';
import type { ObjectStore } from './object-store.js';
import type { RequestStats } from './stats.js';

/** Options of {@link startLeaseServer}: the API options plus where to listen. */
export interface LeaseServerOptions extends LeaseApiOptions {
  /** Port to listen on; 0 picks a free one. @defaultValue 0 */
  readonly port?: number;
  /** Address to listen on. @defaultValue `127.0.0.1` */
  readonly host?: string;
  /** Namespace of the kubeconfig context. @defaultValue `default` */
  readonly namespaceDefault?: string;
  /**
   * Open connections allowed at once; connections beyond it are closed on arrival (a watch
   * holds one for its whole life). @defaultValue 1024
   */
  readonly maxConnections?: number;
  /**
   * Leases to create at start, each with an empty spec and no holder, as a deployment's
   * manifest leaves them. An elector takes such a Lease at once; it waits out an absent one
   * for a lease duration first (whoever held a deleted Lease may still lead). `namespace`
   * defaults to {@link LeaseServerOptions.namespaceDefault}.
   */
  readonly leases?: readonly { readonly name: string; readonly namespace?: string }[];
}

/** Default of {@link LeaseServerOptions.maxConnections}. */
export const DEFAULT_MAX_CONNECTIONS = 1024;

/** A running server. */
export interface LeaseServer extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** A client-node KubeConfig for this server (context namespace {@link LeaseServerOptions.namespaceDefault}). */
  readonly kubeConfig: KubeConfig;
  /** Writes a kubeconfig file for kubectl; resolves to `path`. */
  writeKubeconfig(path: string): Promise<string>;
  /** Fault injection. */
  readonly faults: Faults;
  /** Request counters. */
  readonly stats: RequestStats;
  /** The object store, for inspection. */
  readonly store: ObjectStore;
  /** The fetch-style core, callable in-process. */
  readonly handler: (request: Request) => Promise<Response>;
  /**
   * Creates the Lease `namespace/name` with an empty spec (no holder), as `kubectl apply` of
   * a manifest would, through the API itself (validation, events, watches). Rejects with the
   * server's message when it cannot (e.g. it already exists). Resolves to its resourceVersion.
   */
  createLease(namespace: string, name: string): Promise<string>;
  /** Ends every watch, stops listening and closes every connection. Idempotent. */
  close(): Promise<void>;
}

const bearer = (token: string | undefined): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Starts an in-process Kubernetes API server for `coordination.k8s.io/v1` Leases.
 *
 * @example
 * ```ts
 * const server = await startLeaseServer();
 * const api = server.kubeConfig.makeApiClient(CoordinationV1Api);
 * await api.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'x' }, spec: {} } });
 * await server.close();
 * ```
 */
export async function startLeaseServer(options: LeaseServerOptions = {}): Promise<LeaseServer> {
  const api = createLeaseApi(options);
  const host = options.host ?? '127.0.0.1';
  const http = createServer(
    toNodeListener(api.handler, {
      authorized: api.authorized,
      ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    }),
  );
  http.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const address = await listen(http, options.port ?? 0, host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  const params = {
    server: url,
    namespace: options.namespaceDefault ?? 'default',
    ...(options.token === undefined ? {} : { token: options.token }),
  };
  const kubeConfig = await buildKubeConfig(params);
  const createLease = async (namespace: string, name: string): Promise<string> => {
    const path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name },
      spec: {},
    };
    const response = await api.handler(
      new Request(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(options.token) },
        body: JSON.stringify(body),
      }),
    );
    const answer = (await response.json()) as {
      metadata?: { resourceVersion?: string };
      message?: string;
    };
    if (response.status !== 201) {
      throw new Error(
        `creating Lease ${namespace}/${name}: ${response.status} ${answer.message ?? ''}`,
      );
    }
    return answer.metadata?.resourceVersion ?? '';
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      api.close();
      // Let ended watch streams write their final chunk, so clients see a clean end (as on
      // an apiserver shutdown) rather than a reset; then cut whatever is still open.
      await new Promise((resolve) => setImmediate(resolve));
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const force = setTimeout(() => http.closeAllConnections(), 100);
      await closed;
      clearTimeout(force);
    })();
    return closing;
  };
  try {
    for (const lease of options.leases ?? []) {
      await createLease(lease.namespace ?? params.namespace, lease.name);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url,
    port: address.port,
    kubeConfig,
    writeKubeconfig: async (path) => {
      await writeKubeconfigFile(path, params);
      return path;
    },
    faults: api.faults,
    stats: api.stats,
    store: api.store,
    handler: api.handler,
    createLease,
    close,
    [Symbol.asyncDispose]: close,
  };
}
