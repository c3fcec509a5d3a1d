/**
 * The Lease watch over client-node's `Watch`, turned into one promise.
 *
 * @remarks
 * client-node 2.0.1 reports the end of a watch in three different ways, and each is covered:
 * - `done(err)` — the stream ended (`err` null), failed, the watch request got a non-200
 *   (an `Error` with `statusCode`), the connection was refused (`fetch failed`), or nothing
 *   arrived for the idle timeout (a `TimeoutError`);
 * - a rejected `watch()` promise — building the request failed (no cluster, auth plugin);
 * - an in-band `ERROR` event carrying a `Status` (410 when the version is too old), followed
 *   by `done(null)`; the error must win over the clean end that follows it.
 *
 * client-node calls the event callback inside a `try` that swallows exceptions and drops lines
 * that are not JSON. So our callback never lets anything escape: a failure in it settles the
 * promise instead, and the stream is aborted.
 *
 * Cancellation: aborting the signal resolves at once and aborts the watch's `AbortController`.
 * client-node hands that controller out only after the response headers arrived, so a watch
 * aborted while still connecting closes its connection when the headers come (an API server
 * sends them at once) or when client-node's own timeout fires, whichever is first.
 *
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node';
import { MalformedLeaseError } from '../core/errors.js';
import { parseLease } from '../core/lease-record.js';
import type { LeaseWatchEvent, LeaseWatchOptions } from '../core/lease-store.js';
import { type KubeOperation, toLeaseStoreError, watchStatusError } from './errors.js';

/** Settings for {@link watchLease}. */
export interface WatchSettings {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** Asks the server to end the stream after this long (it then resolves normally). */
  readonly timeoutSeconds: number;
}

/**
 * Grace on top of `timeoutSeconds` before a silent stream counts as dead: a healthy server
 * ends the stream itself first, so hitting this idle timeout means the connection is stuck.
 */
const IDLE_GRACE_MS = 15_000;

/**
 * Streams the Lease's changes after `resourceVersion` to `onEvent`.
 *
 * @returns a promise that resolves when the server ends the stream or the signal aborts, and
 *   rejects with a `LeaseStoreError` (`gone` after a 410: list again) or with the error
 *   `onEvent` threw (a bug in the caller, which must not throw, surfaced rather than hidden).
 */
export function watchLease(settings: WatchSettings, options: LeaseWatchOptions): Promise<void> {
  const { namespace, name } = settings;
  const { onEvent } = options;
  return streamLeaseWatch({
    kubeConfig: settings.kubeConfig,
    op: { method: 'watch', namespace, name },
    timeoutSeconds: settings.timeoutSeconds,
    signal: options.signal,
    query: {
      fieldSelector: `metadata.name=${name}`,
      resourceVersion: options.resourceVersion,
      allowWatchBookmarks: true,
    },
    onObject: (type, object) => {
      const event = toWatchEvent(type, object, name);
      if (event !== null) onEvent(event);
    },
  });
}

/** One client-node watch on a namespace's Leases; see {@link streamLeaseWatch}. */
export interface LeaseStreamSettings {
  readonly kubeConfig: KubeConfig;
  /** Names the watch in errors; its namespace is the one watched. */
  readonly op: KubeOperation;
  readonly timeoutSeconds: number;
  readonly signal: AbortSignal;
  /** Query parameters besides `timeoutSeconds`. */
  readonly query: Record<string, string | number | boolean>;
  /** Every event but `ERROR`; what it throws ends the stream with that error. */
  readonly onObject: (type: string, object: unknown) => void;
}

/**
 * The lifecycle of one client-node watch, shared by the single-Lease and the namespace watch:
 * resolves when the server ends the stream or the signal aborts; rejects with a
 * `LeaseStoreError` (`gone` after an in-band 410, a connection or authentication failure) or
 * with what `onObject` threw. client-node reports failures three ways (an `ERROR` event, the
 * `done` callback, a rejected promise) and swallows exceptions thrown in its callback: all of
 * them end here, once.
 */
export function streamLeaseWatch(settings: LeaseStreamSettings): Promise<void> {
  const { op, signal } = settings;
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
        else settings.onObject(type, object);
      } catch (error) {
        settle(error);
      }
    };
    const done = (error: unknown) => {
      if (signal.aborted || error === null || error === undefined) settle();
      else settle(toLeaseStoreError(op, error));
    };

    const watcher = new Watch(settings.kubeConfig);
    // The 30 s idle timeout of client-node 2.0.1 is shorter than a quiet Lease's silence
    // between bookmarks; stretch it past the server's own end of stream. The field is private
    // in the typings but public at runtime; without it the default only ends watches early.
    if ('requestTimeoutMs' in watcher) {
      (watcher as unknown as { requestTimeoutMs: number }).requestTimeoutMs =
        settings.timeoutSeconds * 1000 + IDLE_GRACE_MS;
    }
    const path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(op.namespace)}/leases`;
    const query = { ...settings.query, timeoutSeconds: settings.timeoutSeconds };
    watcher.watch(path, query, callback, done).then(
      (returned) => {
        controller = returned;
        // Aborted (or failed) while connecting: the controller only arrives now.
        if (settled) returned.abort();
      },
      (error: unknown) => {
        if (signal.aborted) settle();
        else settle(toLeaseStoreError(op, error));
      },
    );
  });
}

/** Translates one raw watch event; `null` for an event about another object. */
export function toWatchEvent(type: string, object: unknown, name: string): LeaseWatchEvent | null {
  try {
    switch (type) {
      case 'ADDED':
      case 'MODIFIED': {
        const lease = parseLease(object);
        // The field selector should make this impossible; a server that ignores it must not
        // make us act on another Lease.
        if (lease.object.metadata.name !== undefined && lease.object.metadata.name !== name) {
          return null;
        }
        return { type: 'upsert', lease };
      }
      case 'DELETED': {
        const deletedName = (object as { metadata?: { name?: unknown } } | null)?.metadata?.name;
        if (typeof deletedName === 'string' && deletedName !== name) return null;
        return { type: 'deleted', resourceVersion: versionOf(object, 'DELETED') };
      }
      case 'BOOKMARK':
        return { type: 'bookmark', resourceVersion: versionOf(object, 'BOOKMARK') };
      default:
        throw new MalformedLeaseError(`unknown watch event type ${JSON.stringify(type)}`);
    }
  } catch (error) {
    if (error instanceof MalformedLeaseError) return { type: 'malformed', error };
    throw error;
  }
}

function versionOf(object: unknown, type: string): string {
  const metadata = (object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
  const version = metadata?.resourceVersion;
  if (typeof version !== 'string' || version === '') {
    throw new MalformedLeaseError(`${type} event without metadata.resourceVersion`);
  }
  return version;
}
