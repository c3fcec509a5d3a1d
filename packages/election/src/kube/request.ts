/**
 * One request to the Lease API, with cancellation, a timeout and the raw JSON on both sides of
 * the wire.
 *
 * @remarks
 * client-node still does everything that decides *where* and *as whom* a request goes: the
 * cluster's URL, authentication (tokens, exec plugins, client certificates; kube/credentials.ts)
 * and the TLS dispatcher it builds for the cluster, which the store's connection pool keeps. Only
 * the HTTP exchange itself bypasses client-node's generated API: the request goes out through
 * that dispatcher's `request()` instead of `fetch`. The generated client's middleware chain,
 * its model serializers and `fetch`'s web streams cost 2.9× the client CPU of a plain undici
 * request on the same pool (680 against 236 µs per renewal, 32 in flight), which a thousand
 * electors renewing every 2 s pay 500 times a second
 * (bench/analysis.md), and none of it was needed:
 *
 * - **Request body.** client-node's `ObjectSerializer` rebuilds a body from its own model of a
 *   `V1Lease`, silently dropping every field it does not know, so a server newer than the client
 *   would lose spec fields. The body here is the JSON of the object exactly as the caller built
 *   it; MicroTime strings therefore go out verbatim (a six-digit string; a plain `Date` prints
 *   three digits and the server refuses it with 400, as the real API does either way).
 * - **Response body.** The generated deserializer likewise drops unknown fields and turns
 *   `creationTimestamp` into a `Date`; here reads are parsed from exactly what the server sent,
 *   as watch events are.
 * - **Cancellation.** The generated API takes no `AbortSignal` and authenticates before any
 *   middleware could attach one; here one signal bounds authentication and the exchange alike,
 *   so nothing, exec plugins included, holds a call past `timeoutMs` or the caller's abort.
 *
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, LeaseStoreError } from '../core/errors.js';
import type { ConnectionPool } from './connection-pool.js';
import type { CredentialSource } from './credentials.js';
import { httpError, type KubeOperation, toLeaseStoreError } from './errors.js';

/** Where a cluster's API is: the origin, and the path prefix some proxies put before `/apis`. */
export interface ApiServer {
  /** `https://host:port`. */
  readonly origin: string;
  /** The server URL's own path without a trailing slash, usually `''`. */
  readonly basePath: string;
}

/**
 * The API server of the kubeconfig's current cluster.
 *
 * @throws {@link ConfigError} when the kubeconfig has no current cluster or its `server` is
 *   not an http(s) URL.
 */
export function apiServerOf(kubeConfig: KubeConfig): ApiServer {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (server === undefined || server === '') {
    throw new ConfigError('kubeConfig', 'has no current cluster with a server URL');
  }
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ConfigError(
      'kubeConfig',
      `the cluster's server ${JSON.stringify(server)} is not a URL`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(
      'kubeConfig',
      `the cluster's server ${JSON.stringify(server)} is not http(s)`,
    );
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

/** The HTTP side of one call: `GET`, `POST` or `PUT` on a path below the API server. */
export interface ApiCall {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** The path with its query, e.g. `/apis/coordination.k8s.io/v1/namespaces/ns/leases/a`. */
  readonly path: string;
}

/** Everything {@link sendRequest} needs besides the call itself. */
export interface RequestSettings {
  readonly op: KubeOperation;
  readonly server: ApiServer;
  /** This store's authentication; see kube/credentials.ts. */
  readonly credentials: CredentialSource;
  /** Reuse connections across this store's requests. */
  readonly pool: ConnectionPool;
  /** The caller's signal: aborting it cancels the request and rejects with its reason. */
  readonly signal: AbortSignal;
  /** Bound on the whole call, authentication included. */
  readonly timeoutMs: number;
  /** Sent as the JSON body, exactly as given. */
  readonly body?: unknown;
}

/** The path of a Lease collection or of one Lease. */
export function leasePath(namespace: string, name?: string): string {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  return name === undefined ? collection : `${collection}/${encodeURIComponent(name)}`;
}

/**
 * Runs one API call and returns the response body parsed from its raw text.
 *
 * @returns the parsed JSON of a 2xx response.
 * @throws the caller's `signal.reason` when the caller aborted (the standard `AbortSignal`
 *   contract, so an aborted state machine sees its own reason);
 *   a `LeaseStoreError('unavailable')` when `timeoutMs` passed first;
 *   otherwise the {@link toLeaseStoreError} mapping of whatever failed (an API `Status`, a
 *   proxy's page, a socket error).
 */
export async function sendRequest(settings: RequestSettings, call: ApiCall): Promise<unknown> {
  const { op, signal, timeoutMs } = settings;
  signal.throwIfAborted();
  // One controller bounds the call: the caller's abort and the timeout both abort it. Linked
  // by hand rather than with `AbortSignal.any`, whose composite signals Node tracks through
  // weak references and a finalization registry: at 500 requests a second that bookkeeping
  // was a visible share of the client's CPU and of its garbage.
  const bounded = new AbortController();
  const bound = bounded.signal;
  let timedOut = false;
  const onAbort = () => bounded.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    bounded.abort(new DOMException(`request timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  // The request itself keeps the process alive while it matters; the timer must not.
  timer.unref();
  const payload = settings.body === undefined ? undefined : JSON.stringify(settings.body);
  try {
    // One repeat after a 401, when authenticating afresh gives another token: the token file
    // was rotated and the old token revoked between our read and the server's check, or the
    // reused credentials (kube/credentials.ts) held a token that has just been replaced.
    for (let attempt = 0; ; attempt++) {
      let authorization: string | undefined;
      try {
        const credentials = await settings.credentials.credentials(bound);
        authorization = credentials.headers.Authorization;
        return await exchange(settings, call, credentials, payload, bound);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (timedOut) {
          throw new LeaseStoreError(
            'unavailable',
            `${op.method} lease ${op.namespace}/${op.name}: no response within ${timeoutMs} ms`,
            { cause: error },
          );
        }
        const mapped = toLeaseStoreError(op, error);
        if (
          mapped.kind !== 'unauthorized' ||
          attempt > 0 ||
          !(await settings.credentials.changedSince(authorization, bound))
        ) {
          throw mapped;
        }
      }
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

/** One HTTP exchange on the pool's dispatcher; a non-2xx answer is thrown, mapped. */
async function exchange(
  settings: RequestSettings,
  call: ApiCall,
  credentials: Awaited<ReturnType<CredentialSource['credentials']>>,
  payload: string | undefined,
  signal: AbortSignal,
): Promise<unknown> {
  const dispatcher = settings.pool.dispatcherFor(credentials.dispatcher, credentials.material);
  const headers: Record<string, string> = {
    ...credentials.headers,
    accept: 'application/json',
    'user-agent': USER_AGENT,
  };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const response = await dispatcher.request({
    origin: settings.server.origin,
    path: settings.server.basePath + call.path,
    method: call.method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
    signal,
  });
  const text = await response.body.text();
  const code = response.statusCode;
  if (code >= 200 && code < 300) return parseRaw(settings.op, text);
  throw httpError(
    settings.op,
    code,
    text === '' ? undefined : text,
    singleValued(response.headers),
    new Error(`HTTP ${code} from ${call.method} ${call.path}`),
  );
}

/** The product the API server records as the field manager of our writes. */
const USER_AGENT = 'leasehold';

/** Response headers with one value each (the first of a repeated header). */
function singleValued(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value) && value.length > 0) out[name] = value[0] as string;
  }
  return out;
}

function parseRaw(op: KubeOperation, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new LeaseStoreError(
      'unavailable',
      `${op.method} lease ${op.namespace}/${op.name}: the response is not JSON`,
      { cause: error },
    );
  }
}
