/**
 * The fetch-style core: `createLeaseApi(options)` builds the state (store, watches, faults,
 * stats) and a `(Request) => Promise<Response>` handler, without listening anywhere. The
 * `node:http` adapter and `startLeaseServer` sit on top of it; unit tests may call the handler
 * directly.
 */
import { bearerCheck } from './bearer-auth.js';
import { type ApiState, type LeaseRequest, managerFrom } from './context.js';
import { handleDelete, handleDeleteCollection } from './deletes.js';
import { discoveryDocument } from './discovery.js';
import { EventsApi, eventsRoute } from './events-api.js';
import { ConnectionDroppedError, Faults } from './fault-injection.js';
import { LeaseCandidatesApi, leaseCandidatesRoute } from './lease-candidates-api.js';
import { ObjectStore } from './object-store.js';
import { openApiDocument } from './openapi.js';
import { handlePatch } from './patching.js';
import { handleGet, handleList, handleNamespace, handleWatch } from './reads.js';
import { errorResponse, flag, MAX_BODY_BYTES, negotiate, readBody, respond } from './request.js';
import { type Route, route, verbOf } from './router.js';
import { parseFieldSelector, selectedName } from './selectors.js';
import { RequestStats } from './stats.js';
import { ApiError, genericResponse, internalError, pathNotFound, unauthorized } from './status.js';
import { type ServerClock, systemServerClock, type Verb } from './types.js';
import { WatchRegistry } from './watch-registry.js';
import { handleCreate, handleReplace } from './writes.js';

/** Options of {@link createLeaseApi}; every field has a default. */
export interface LeaseApiOptions {
  /**
   * Require `Authorization: Bearer <token>` on every request; otherwise 401, answered before
   * the request's body is read.
   */
  readonly token?: string;
  /** Change events retained for watch replay; older versions get 410 Gone. @defaultValue 1000 */
  readonly historyLimit?: number;
  /** Interval of BOOKMARK events on watches that allow them. @defaultValue 60000 */
  readonly bookmarkIntervalMs?: number;
  /**
   * Watch timeout when the client sets no `timeoutSeconds` (or 0); must be positive.
   * @defaultValue 1800, upstream's `--min-request-timeout`
   */
  readonly defaultWatchTimeoutSeconds?: number;
  /** How long a read at a future resourceVersion waits before a 504. @defaultValue 3000 */
  readonly tooLargeResourceVersionWaitMs?: number;
  /** Request body limit in bytes; larger bodies get 413. @defaultValue 3 MiB, as upstream */
  readonly maxBodyBytes?: number;
  /**
   * Serve `spec.strategy` and `spec.preferredHolder` (KEP-4355), as with the
   * `CoordinatedLeaderElection` feature gate. Off, they are dropped on create and on updates of
   * Leases that do not use them yet, as a default 1.33+ apiserver does. @defaultValue true
   */
  readonly coordinatedLeaderElection?: boolean;
  /** Time source and timers. @defaultValue the system clock */
  readonly clock?: ServerClock;
}

/** A fetch-style Kubernetes API for Leases and its state. */
export interface LeaseApi {
  /** Answers one request. Rejects only with {@link ConnectionDroppedError} (a fault) or an abort. */
  readonly handler: (request: Request) => Promise<Response>;
  /** Fault injection. */
  readonly faults: Faults;
  /** Request counters. */
  readonly stats: RequestStats;
  /** The object store (read it to inspect state; write through the handler). */
  readonly store: ObjectStore;
  /** Core v1 Events (see `events-api.ts`). */
  readonly events: EventsApi;
  /** coordination.k8s.io/v1beta1 LeaseCandidates (see `lease-candidates-api.ts`). */
  readonly leaseCandidates: LeaseCandidatesApi;
  /**
   * Whether an `Authorization` header value admits a request (always, without a token). The
   * HTTP adapter asks before reading a body, so an unauthenticated upload is never buffered.
   */
  readonly authorized: (authorization: string | null | undefined) => boolean;
  /** Ends every open watch cleanly and lifts every fault. */
  close(): void;
}

const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);
const SERVED_PREFIXES = ['/apis/coordination.k8s.io/v1/', '/api/v1/'];
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The name a request is about, for fault matching: path, field selector, or a create's body. */
function nameOf(
  lease: Extract<Route, { kind: 'leases' }>,
  verb: Verb,
  query: URLSearchParams,
  body: string,
): string | undefined {
  if (lease.name !== undefined) return lease.name;
  try {
    if (verb === 'create') {
      const parsed = JSON.parse(body) as { metadata?: { name?: unknown } };
      return typeof parsed.metadata?.name === 'string' ? parsed.metadata.name : undefined;
    }
    return selectedName(parseFieldSelector(query.get('fieldSelector') ?? ''));
  } catch {
    return undefined;
  }
}

async function handleLease(
  state: ApiState,
  request: Request,
  url: URL,
  lease: Extract<Route, { kind: 'leases' }>,
  maxBody: number,
): Promise<Response> {
  const query = url.searchParams;
  const verb = verbOf(request.method, lease, query);
  state.stats.countRequest(verb);
  const format = negotiate(request.headers.get('accept'));
  const body = WRITE_METHODS.has(request.method) ? await readBody(request, maxBody) : '';
  await state.faults.gate(
    { verb, namespace: lease.namespace, name: nameOf(lease, verb, query, body) },
    request.signal,
  );
  const req: LeaseRequest = {
    request,
    query,
    verb,
    namespace: lease.namespace,
    name: lease.name,
    body,
    format,
    pretty: flag(query, 'pretty'),
    manager: managerFrom(query, request.headers.get('user-agent')),
  };
  switch (verb) {
    case 'get':
      return handleGet(state, req);
    case 'list':
      return handleList(state, req);
    case 'watch':
      return handleWatch(state, req);
    case 'create':
      return handleCreate(state, req);
    case 'update':
      return handleReplace(state, req);
    case 'patch':
      return handlePatch(state, req);
    case 'delete':
      return handleDelete(state, req);
    case 'deletecollection':
      return handleDeleteCollection(state, req);
  }
}

function handleOther(request: Request, url: URL): Response {
  const pretty = flag(url.searchParams, 'pretty');
  if (HEALTH_PATHS.has(url.pathname))
    return new Response('ok', { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const discovery = discoveryDocument(url.pathname, request.headers.get('accept'), url.host);
  const openapi = openApiDocument(url.pathname);
  if (discovery === undefined && openapi === undefined) {
    // Inside a served group-version the API answers with a Status; elsewhere the server's
    // mux answers with Go's plain-text 404.
    if (SERVED_PREFIXES.some((p) => url.pathname.startsWith(p))) throw pathNotFound();
    return new Response('404 page not found\n', {
      status: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
    });
  }
  if (request.method !== 'GET') throw genericResponse(405);
  if (discovery !== undefined) {
    // Upstream indents /version whatever the query says.
    const indent = pretty || url.pathname === '/version';
    return respond(200, discovery.body, { pretty: indent, contentType: discovery.contentType });
  }
  return respond(200, openapi, { pretty });
}

/** Builds the Lease API without listening. */
export function createLeaseApi(options: LeaseApiOptions = {}): LeaseApi {
  const clock = options.clock ?? systemServerClock;
  const store = new ObjectStore(options.historyLimit ?? 1000);
  const stats = new RequestStats();
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  // The hub and the faults refer to each other; the closures resolve `faults` lazily.
  let faults: Faults | undefined;
  const hub = new WatchRegistry({
    store,
    stats,
    clock,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    tooLargeWaitMs: options.tooLargeResourceVersionWaitMs ?? 3000,
    isStalled: (info) => faults?.isStalled(info) ?? false,
    takeGone: (info) => faults?.takeGone(info) ?? false,
  });
  faults = new Faults(clock, hub);
  const state: ApiState = {
    store,
    hub,
    clock,
    faults,
    stats,
    tooLargeWaitMs: options.tooLargeResourceVersionWaitMs ?? 3000,
    // A non-positive default would mean watches that never end: keep upstream's instead.
    defaultWatchTimeoutSeconds:
      options.defaultWatchTimeoutSeconds !== undefined && options.defaultWatchTimeoutSeconds > 0
        ? options.defaultWatchTimeoutSeconds
        : 1800,
    coordinatedLeaderElection: options.coordinatedLeaderElection ?? true,
  };
  const authorized = bearerCheck(options.token);
  const events = new EventsApi(() => clock.now());
  const leaseCandidates = new LeaseCandidatesApi(() => clock.now());

  const handler = async (request: Request): Promise<Response> => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return errorResponse(pathNotFound());
    }
    try {
      if (!authorized(request.headers.get('authorization'))) throw unauthorized();
      const eventsTarget = eventsRoute(url.pathname);
      if (eventsTarget) return await events.handle(request, url, eventsTarget, maxBody);
      const candidatesTarget = leaseCandidatesRoute(url.pathname);
      if (candidatesTarget) {
        return await leaseCandidates.handle(request, url, candidatesTarget, maxBody);
      }
      const target = route(url.pathname);
      if (target.kind === 'leases') return await handleLease(state, request, url, target, maxBody);
      if (target.kind === 'namespaces')
        return handleNamespace(state, request, target.name, flag(url.searchParams, 'pretty'));
      return handleOther(request, url);
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error, flag(url.searchParams, 'pretty'));
      if (error instanceof ConnectionDroppedError || request.signal.aborted) throw error;
      // Never let a bug take the server down: answer like upstream's panic recovery.
      return errorResponse(internalError(error instanceof Error ? error.message : String(error)));
    }
  };

  const close = (): void => {
    hub.closeAll();
    faults?.reset();
  };
  return { handler, faults, stats, store, events, leaseCandidates, authorized, close };
}
