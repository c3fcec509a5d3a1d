/**
 * What a handler gets: the server's state and one parsed Lease request, plus rendering of
 * Lease bodies in the negotiated format.
 */
import type { Faults } from './fault-injection.js';
import type { ObjectStore } from './object-store.js';
import { type OutputFormat, respond } from './request.js';
import type { RequestStats } from './stats.js';
import { leaseTable, tableOptionsFrom } from './table.js';
import type { Lease, ListMeta, ServerClock, Verb } from './types.js';
import type { WatchRegistry } from './watch-registry.js';

/** Shared server state. */
export interface ApiState {
  readonly store: ObjectStore;
  readonly hub: WatchRegistry;
  readonly clock: ServerClock;
  readonly faults: Faults;
  readonly stats: RequestStats;
  /** How long a read at a future resourceVersion waits for it (ms). */
  readonly tooLargeWaitMs: number;
  /** Default watch timeout when the client sets none (seconds). */
  readonly defaultWatchTimeoutSeconds: number;
  /** Whether `spec.strategy` / `spec.preferredHolder` are served (the CoordinatedLeaderElection gate). */
  readonly coordinatedLeaderElection: boolean;
}

/** One routed request against the Lease resource. */
export interface LeaseRequest {
  readonly request: Request;
  readonly query: URLSearchParams;
  readonly verb: Verb;
  /** Namespace from the path; `undefined` for cluster-wide list/watch. */
  readonly namespace: string | undefined;
  /** Name from the path. */
  readonly name: string | undefined;
  /** The raw body text (`''` when none). */
  readonly body: string;
  readonly format: OutputFormat;
  readonly pretty: boolean;
  /** The field manager: `fieldManager`, else the User-Agent's product, as upstream. */
  readonly manager: string;
}

/** The real server's field manager for a request without `fieldManager`. */
export function managerFrom(query: URLSearchParams, userAgent: string | null): string {
  return query.get('fieldManager') || (userAgent ?? '').split('/')[0] || 'unknown';
}

/** Renders one Lease in the negotiated format. */
export function renderLease(
  state: ApiState,
  req: LeaseRequest,
  lease: Lease,
  code: number,
  warnings: readonly string[] = [],
): Response {
  const options = { pretty: req.pretty, warnings, yaml: req.format === 'yaml' };
  if (req.format === 'table') {
    const meta: ListMeta =
      lease.metadata.resourceVersion === undefined
        ? {}
        : { resourceVersion: lease.metadata.resourceVersion };
    return respond(
      code,
      leaseTable([lease], tableOptionsFrom(req.query), state.clock.now(), meta),
      options,
    );
  }
  if (req.format === 'partial') {
    return respond(
      code,
      { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: lease.metadata },
      options,
    );
  }
  return respond(code, lease, options);
}

/** Renders a list of Leases in the negotiated format. */
export function renderList(
  state: ApiState,
  req: LeaseRequest,
  items: readonly Lease[],
  meta: ListMeta,
): Response {
  const options = { pretty: req.pretty, yaml: req.format === 'yaml' };
  if (req.format === 'table') {
    return respond(
      200,
      leaseTable(items, tableOptionsFrom(req.query), state.clock.now(), meta),
      options,
    );
  }
  if (req.format === 'partial') {
    const partial = items.map((l) => ({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: l.metadata,
    }));
    return respond(
      200,
      {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata: meta,
        items: partial,
      },
      options,
    );
  }
  const list = {
    kind: 'LeaseList',
    apiVersion: 'coordination.k8s.io/v1',
    metadata: meta,
    items: items.map((l) => ({ metadata: l.metadata, spec: l.spec })),
  };
  return respond(200, list, options);
}

/** Resolves once the store reaches `revision`, or with `false` after `ms`. */
export function waitForRevision(
  state: ApiState,
  revision: number,
  ms: number,
  signal: AbortSignal,
): Promise<boolean> {
  if (state.store.revision >= revision) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (reached: boolean): void => {
      unsubscribe();
      state.clock.clearTimeout(timer);
      resolve(reached);
    };
    const unsubscribe = state.store.subscribe((event) => {
      if (event.resourceVersion >= revision) finish(true);
    });
    const timer = state.clock.setTimeout(() => finish(false), ms);
    signal.addEventListener('abort', () => finish(false), { once: true });
  });
}
