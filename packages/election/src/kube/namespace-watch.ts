/**
 * One watch stream over every Lease of a namespace (optionally narrowed by a label selector),
 * as one promise: the raw material of the shared informer.
 *
 * @remarks
 * The same three ends as the single-Lease watch (`watch.ts`): `done(err)`, a rejected
 * `watch()` promise, and an in-band `ERROR` Status (410 when the version is too old). Events
 * are translated with the name they carry, since one stream serves many Leases.
 *
 * @module
 */
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import { MalformedLeaseError } from '../core/errors.js';
import { parseLease, type StoredLease } from '../core/lease-record.js';
import { type KubeOperation, toLeaseStoreError, watchStatusError } from './errors.js';

/** One change in the namespace, addressed by Lease name. */
export type NamespaceEvent =
  | { readonly type: 'upsert'; readonly name: string; readonly lease: StoredLease }
  | { readonly type: 'deleted'; readonly name: string; readonly resourceVersion: string }
  | { readonly type: 'bookmark'; readonly resourceVersion: string }
  /** Unusable; `name` when it could still be read. */
  | { readonly type: 'malformed'; readonly name: string | undefined; readonly error: Error };

/** Settings of {@link watchNamespace}. */
export interface NamespaceWatchSettings {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly labelSelector?: string | undefined;
  /** Asks the server to end the stream after this long. */
  readonly timeoutSeconds: number;
  readonly resourceVersion: string;
  readonly signal: AbortSignal;
  /** Called for each event, in order; an exception ends the watch with that error. */
  readonly onEvent: (event: NamespaceEvent) => void;
}

/** A silent stream past the server's own end plus this grace is a dead connection. */
const IDLE_GRACE_MS = 15_000;

/**
 * Streams the namespace's Lease changes after `resourceVersion`.
 *
 * @returns a promise that resolves when the server ends the stream or the signal aborts, and
 *   rejects with a `LeaseStoreError` (`gone` after a 410) or with what `onEvent` threw.
 */
export function watchNamespace(settings: NamespaceWatchSettings): Promise<void> {
  const { namespace, signal, onEvent } = settings;
  const op: KubeOperation = { method: 'watch', namespace, name: '*' };
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let controller: AbortController | undefined;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      controller?.abort();
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => settle();
    if (signal.aborted) {
      resolve();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    const callback = (type: string, object: unknown) => {
      if (settled) return;
      try {
        if (type === 'ERROR') settle(watchStatusError(op, object));
        else onEvent(toNamespaceEvent(type, object));
      } catch (error) {
        settle(error);
      }
    };
    const done = (error: unknown) => {
      if (signal.aborted || error === null || error === undefined) settle();
      else settle(toLeaseStoreError(op, error));
    };
    const watcher = new Watch(settings.kubeConfig);
    if ('requestTimeoutMs' in watcher) {
      (watcher as unknown as { requestTimeoutMs: number }).requestTimeoutMs =
        settings.timeoutSeconds * 1000 + IDLE_GRACE_MS;
    }
    const path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
    const query: Record<string, string | number | boolean> = {
      resourceVersion: settings.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: settings.timeoutSeconds,
    };
    if (settings.labelSelector) query.labelSelector = settings.labelSelector;
    watcher.watch(path, query, callback, done).then(
      (returned) => {
        controller = returned;
        if (settled) returned.abort();
      },
      (error: unknown) => {
        if (signal.aborted) settle();
        else settle(toLeaseStoreError(op, error));
      },
    );
  });
}

/** Translates one raw event of a namespace watch. */
export function toNamespaceEvent(type: string, object: unknown): NamespaceEvent {
  const metadata = (object as { metadata?: { name?: unknown; resourceVersion?: unknown } } | null)
    ?.metadata;
  const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
  try {
    const version = (): string => {
      const rv = metadata?.resourceVersion;
      if (typeof rv !== 'string' || rv === '') {
        throw new MalformedLeaseError(`${type} event without metadata.resourceVersion`);
      }
      return rv;
    };
    switch (type) {
      case 'ADDED':
      case 'MODIFIED': {
        const lease = parseLease(object);
        if (name === undefined) throw new MalformedLeaseError(`${type} event without a name`);
        return { type: 'upsert', name, lease };
      }
      case 'DELETED':
        if (name === undefined) throw new MalformedLeaseError('DELETED event without a name');
        return { type: 'deleted', name, resourceVersion: version() };
      case 'BOOKMARK':
        return { type: 'bookmark', resourceVersion: version() };
      default:
        throw new MalformedLeaseError(`unknown watch event type ${JSON.stringify(type)}`);
    }
  } catch (error) {
    if (error instanceof MalformedLeaseError) return { type: 'malformed', name, error };
    throw error;
  }
}
