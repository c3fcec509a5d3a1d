/**
 * The read verbs: get, list (selectors, exact-version lists rewound through history,
 * limit/continue pagination) and watch; plus the implicit Namespaces.
 */
import {
  type ApiState,
  type LeaseRequest,
  renderLease,
  renderList,
  waitForRevision,
} from './context.js';
import { dns1123LabelErrors } from './lease-validation.js';
import { encodeContinue, type ListOptions, parseListOptions } from './list-options.js';
import { storageKey } from './object-store.js';
import { respond, streamResponse } from './request.js';
import { matchesFields, matchesLabels } from './selectors.js';
import {
  expired,
  genericResponse,
  namespaceNotFound,
  notFound,
  tooLargeResourceVersion,
} from './status.js';
import { tableOptionsFrom } from './table.js';
import type { Lease, ListMeta } from './types.js';
import { watchTimeoutSeconds } from './watch.js';

/** GET of one Lease. */
export function handleGet(state: ApiState, req: LeaseRequest): Response {
  const lease = state.store.get(req.namespace ?? '', req.name ?? '');
  if (lease === undefined) throw notFound(req.name ?? '');
  return renderLease(state, req, lease, 200);
}

function selected(options: ListOptions, namespace: string | undefined, lease: Lease): boolean {
  if (namespace !== undefined && lease.metadata.namespace !== namespace) return false;
  return (
    matchesFields(options.fieldSelector, lease) &&
    matchesLabels(options.labelSelector, lease.metadata.labels)
  );
}

/** Where a list reads from: a version and the objects at that version. */
async function snapshot(
  state: ApiState,
  req: LeaseRequest,
  options: ListOptions,
): Promise<{ revision: number; items: Lease[] }> {
  const { store } = state;
  const token = options.continueToken;
  const exact =
    token?.resourceVersion ??
    (options.resourceVersionMatch === 'Exact' ? options.resourceVersion : undefined);
  if (exact !== undefined) {
    const items = store.listAt(exact, req.namespace);
    if (items === undefined) {
      throw expired(
        token === undefined
          ? 'The resourceVersion for the provided list is too old.'
          : 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
      );
    }
    return { revision: exact, items };
  }
  if (options.resourceVersion > store.revision) {
    const reached = await waitForRevision(
      state,
      options.resourceVersion,
      state.tooLargeWaitMs,
      req.request.signal,
    );
    if (!reached) {
      throw tooLargeResourceVersion(options.resourceVersion, store.revision);
    }
  }
  return { revision: store.revision, items: store.list(req.namespace) };
}

/** GET of a collection. */
export async function handleList(state: ApiState, req: LeaseRequest): Promise<Response> {
  const options = parseListOptions(req.query, false);
  const { revision, items } = await snapshot(state, req, options);
  const start = options.continueToken?.startKey;
  let matching = items.filter(
    (l) => selected(options, req.namespace, l) && (start === undefined || storageKey(l) >= start),
  );
  const meta: ListMeta = { resourceVersion: String(revision) };
  if (options.limit > 0 && matching.length > options.limit) {
    const remaining = matching.length - options.limit;
    matching = matching.slice(0, options.limit);
    const last = matching[matching.length - 1];
    if (last !== undefined) meta.continue = encodeContinue(revision, `${storageKey(last)}\u0000`);
    // Upstream can only count the rest when no selector filters it.
    if (options.labelSelector.length === 0 && options.fieldSelector.length === 0)
      meta.remainingItemCount = remaining;
  }
  return renderList(state, req, matching, meta);
}

/** A watch (`?watch=true` or a `/watch/` path). The name of an item path becomes a field selector. */
export function handleWatch(state: ApiState, req: LeaseRequest): Response {
  const options = parseListOptions(req.query, true);
  const fieldSelector =
    req.name === undefined
      ? options.fieldSelector
      : [
          ...options.fieldSelector,
          { field: 'metadata.name' as const, operator: '=' as const, value: req.name },
        ];
  const initialEvents = options.sendInitialEvents ?? !options.resourceVersionSet;
  const session = state.hub.open({
    info: {
      verb: 'watch',
      namespace: req.namespace,
      name:
        req.name ??
        fieldSelector.find((f) => f.field === 'metadata.name' && f.operator === '=')?.value,
    },
    namespace: req.namespace,
    labelSelector: options.labelSelector,
    fieldSelector,
    resourceVersion: options.resourceVersion,
    allowBookmarks: options.allowWatchBookmarks,
    initialEvents,
    initialEventsEndBookmark: options.sendInitialEvents === true && options.allowWatchBookmarks,
    timeoutSeconds: watchTimeoutSeconds(options.timeoutSeconds, state.defaultWatchTimeoutSeconds),
    table: req.format === 'table' ? tableOptionsFrom(req.query) : undefined,
  });
  req.request.signal.addEventListener('abort', () => session.close('gone'), { once: true });
  return streamResponse(session.stream);
}

function namespaceObject(name: string): unknown {
  return {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: {
      name,
      uid: `00000000-0000-4000-8000-${Buffer.from(name).toString('hex').padEnd(12, '0').slice(0, 12)}`,
      resourceVersion: '1',
      creationTimestamp: '2025-01-01T00:00:00Z',
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/**
 * `GET /api/v1/namespaces[/{name}]`. Namespaces are implicit: every valid DNS label exists, so
 * tools that check for one before writing keep working. The list shows `default` and every
 * namespace that holds a Lease.
 */
export function handleNamespace(
  state: ApiState,
  request: Request,
  name: string | undefined,
  pretty: boolean,
): Response {
  if (request.method !== 'GET') throw genericResponse(405);
  if (name !== undefined) {
    if (dns1123LabelErrors(name).length > 0) throw namespaceNotFound(name);
    return respond(200, namespaceObject(name), { pretty });
  }
  const names = [...new Set(['default', ...state.store.namespaces()])].sort();
  return respond(
    200,
    {
      kind: 'NamespaceList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '1' },
      items: names.map(namespaceObject),
    },
    { pretty },
  );
}
