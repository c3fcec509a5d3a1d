/**
 * A shared informer for the Leases of one namespace: one list to sync, one watch, events fanned
 * out by Lease name to any number of per-Lease watchers in the process.
 *
 * @remarks
 * Each elector's watch loop keeps its own protocol (list, then watch from the list's version,
 * list again on `gone`); the informer answers both from memory:
 * - `list(name)` returns the cached Lease and the informer's current collection version, once
 *   synced (it waits for the first list, and for a resync after a 410).
 * - `watch(name, version)` replays this Lease's events after `version` from a bounded history
 *   of the namespace's recent events, then streams live ones. A version not in the history
 *   (too old, or never seen by the informer) fails with `gone`, which only costs the caller a
 *   list from memory.
 * - A 410 on the shared watch ends every subscriber with `gone` and relists once for all, with
 *   backoff when it repeats; any other failure ends every subscriber with that error (each
 *   elector reports it, as a standalone one would) and the informer retries with backoff.
 * Staleness only delays what electors see, which is the safe direction: every write is still
 * preconditioned on the version it was decided on, and goes to the API server.
 *
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { LeaseStoreError } from '../core/errors.js';
import type { StoredLease } from '../core/lease-record.js';
import type { LeaseListing, LeaseWatchEvent, LeaseWatchOptions } from '../core/lease-store.js';
import type { LogSink } from '../core/logger.js';
import { type NamespaceEvent, watchNamespace } from './namespace-watch.js';

/** Options of {@link createNamespaceInformer}. */
export interface NamespaceInformerOptions {
  readonly kubeConfig: KubeConfig;
  /**
   * The KubeConfig a watch connects with, given its signal (bounded authentication and
   * re-read token files, kube/credentials.ts). @defaultValue `kubeConfig` as it is
   */
  readonly watchConfig?: (signal: AbortSignal) => KubeConfig;
  readonly namespace: string;
  /** Narrows the list and the watch (and so the RBAC-visible set) to matching Leases. */
  readonly labelSelector?: string | undefined;
  /** Lists every Lease of the namespace (matching the selector). */
  readonly listAll: (
    signal: AbortSignal,
  ) => Promise<{ items: StoredLease[]; resourceVersion: string }>;
  /** `timeoutSeconds` of each watch stream. */
  readonly watchTimeoutSeconds: number;
  /** How many recent events are kept to replay to a watcher that restarts. @defaultValue 4096 */
  readonly historySize?: number;
  readonly logger: LogSink;
  /** Jitter source of the backoff. */
  readonly random?: () => number;
}

/** Counters, for tests and benchmarks. */
export interface InformerStats {
  lists: number;
  watches: number;
  /** Relists after a 410. */
  resyncs: number;
  /** Per-Lease watchers currently attached. */
  subscribers: number;
}

/** The informer's face to the per-Lease stores. */
export interface NamespaceInformer {
  readonly stats: Readonly<InformerStats>;
  list(name: string, signal: AbortSignal): Promise<LeaseListing>;
  watch(name: string, options: LeaseWatchOptions): Promise<void>;
  /**
   * Where `resourceVersion` stands: in the shared history (`known`), older than the informer's
   * last full list (`before`: only the server can replay from there), or neither (`unknown`:
   * evicted or never seen; a watch from it fails with `gone`). Versions are compared as
   * numbers only for `before`, and only when both are decimal integers (etcd revisions).
   */
  locate(resourceVersion: string): 'known' | 'before' | 'unknown';
  /** Resolves once the informer has applied version `resourceVersion` of Lease `name`. */
  seen(name: string, resourceVersion: string, signal: AbortSignal): Promise<void>;
  close(): void;
}

interface Subscriber {
  readonly onEvent: (event: LeaseWatchEvent) => void;
  readonly end: (error?: unknown) => void;
}
interface HistoryEntry {
  readonly seq: number;
  readonly name: string | undefined;
  readonly event: LeaseWatchEvent;
}
type Waiter = { resolve: () => void; reject: (error: unknown) => void };

const DEFAULT_HISTORY = 4096;
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 30_000;

/** Creates the informer; it starts listing at once and runs until `close()`. */
export function createNamespaceInformer(options: NamespaceInformerOptions): NamespaceInformer {
  const { namespace, logger } = options;
  const random = options.random ?? Math.random;
  const historySize = options.historySize ?? DEFAULT_HISTORY;
  const stats: InformerStats = { lists: 0, watches: 0, resyncs: 0, subscribers: 0 };
  const cache = new Map<string, StoredLease>();
  const subscribers = new Map<string, Set<Subscriber>>();
  /** Oldest first; `positions` maps a version to its entry's sequence number. */
  let history: HistoryEntry[] = [];
  let positions = new Map<string, number>();
  let nextSeq = 0;
  let version: string | undefined;
  /**
   * The version of the last full list, or of the first event after it when that is later:
   * a watch from "0" (an empty collection on some servers) starts with synthetic events at the
   * current state, so nothing before that first event can be replayed from memory.
   */
  let listedAt: string | undefined;
  let firstEventPending = false;
  let syncWaiters = new Set<Waiter>();
  const seenWaiters = new Map<string, Map<string, Set<Waiter>>>();
  const lifetime = new AbortController();
  let running = false;

  const remember = (rv: string, name: string | undefined, event: LeaseWatchEvent) => {
    if (firstEventPending) {
      firstEventPending = false;
      if (isInteger(rv) && isInteger(listedAt) && Number(rv) > Number(listedAt) + 1) {
        listedAt = String(Number(rv) - 1);
      }
    }
    const seq = nextSeq++;
    history.push({ seq, name, event });
    positions.set(rv, seq);
    if (history.length > historySize * 2) {
      const dropped = history.splice(0, history.length - historySize);
      for (const entry of dropped) positions.delete(versionOf(entry.event));
    }
  };

  const notifySeen = (name: string, rv: string) => {
    const byVersion = seenWaiters.get(name);
    const waiters = byVersion?.get(rv);
    if (!byVersion || !waiters) return;
    byVersion.delete(rv);
    if (byVersion.size === 0) seenWaiters.delete(name);
    for (const waiter of waiters) waiter.resolve();
  };

  const endAll = (error: unknown) => {
    for (const set of subscribers.values()) for (const sub of [...set]) sub.end(error);
  };

  const apply = (event: NamespaceEvent) => {
    switch (event.type) {
      case 'upsert': {
        const rv = event.lease.resourceVersion;
        cache.set(event.name, event.lease);
        version = rv;
        const out: LeaseWatchEvent = { type: 'upsert', lease: event.lease };
        remember(rv, event.name, out);
        for (const sub of subscribers.get(event.name) ?? []) sub.onEvent(out);
        notifySeen(event.name, rv);
        break;
      }
      case 'deleted': {
        cache.delete(event.name);
        version = event.resourceVersion;
        const out: LeaseWatchEvent = { type: 'deleted', resourceVersion: event.resourceVersion };
        remember(event.resourceVersion, event.name, out);
        for (const sub of subscribers.get(event.name) ?? []) sub.onEvent(out);
        break;
      }
      case 'bookmark': {
        version = event.resourceVersion;
        const out: LeaseWatchEvent = { type: 'bookmark', resourceVersion: event.resourceVersion };
        remember(event.resourceVersion, undefined, out);
        for (const set of subscribers.values()) for (const sub of set) sub.onEvent(out);
        break;
      }
      case 'malformed':
        logger.warn('ignoring malformed lease event', { namespace, error: event.error.message });
        if (event.name !== undefined) {
          for (const sub of subscribers.get(event.name) ?? []) {
            sub.onEvent({ type: 'malformed', error: event.error });
          }
        }
        break;
    }
  };

  const resync = async (signal: AbortSignal) => {
    stats.lists++;
    const listing = await options.listAll(signal);
    cache.clear();
    for (const lease of listing.items) {
      const name = lease.object.metadata.name;
      if (name !== undefined) cache.set(name, lease);
    }
    history = [];
    positions = new Map();
    version = listing.resourceVersion;
    listedAt = version;
    firstEventPending = true;
    positions.set(version, nextSeq++);
    const waiters = syncWaiters;
    syncWaiters = new Set();
    for (const waiter of waiters) waiter.resolve();
    // A fresh list is at least as new as any write that was waiting to be seen.
    for (const byVersion of seenWaiters.values()) {
      for (const set of byVersion.values()) for (const waiter of set) waiter.resolve();
    }
    seenWaiters.clear();
  };

  const run = async () => {
    const signal = lifetime.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (version === undefined) await resync(signal);
        stats.watches++;
        let delivered = false;
        await watchNamespace({
          kubeConfig: options.watchConfig?.(signal) ?? options.kubeConfig,
          namespace,
          labelSelector: options.labelSelector,
          timeoutSeconds: options.watchTimeoutSeconds,
          resourceVersion: version as string,
          signal,
          onEvent: (event) => {
            delivered = true;
            apply(event);
          },
        });
        if (delivered) failures = 0;
        else await pause(++failures, signal);
      } catch (error) {
        if (signal.aborted) break;
        const storeError =
          error instanceof LeaseStoreError
            ? error
            : new LeaseStoreError('unavailable', `lease watch failed: ${String(error)}`, {
                cause: error,
              });
        failures++;
        if (storeError.kind === 'gone') {
          stats.resyncs++;
          version = undefined;
          logger.debug('namespace watch history expired; listing again', { namespace });
        } else {
          logger.warn('namespace lease watch failed; retrying', {
            namespace,
            kind: storeError.kind,
            error: storeError.message,
          });
          if (version === undefined) {
            const waiters = syncWaiters;
            syncWaiters = new Set();
            for (const waiter of waiters) waiter.reject(storeError);
          }
        }
        endAll(storeError);
        await pause(failures, signal, storeError.retryAfterMs);
      }
    }
  };

  const pause = async (failures: number, signal: AbortSignal, atLeastMs = 0) => {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 16));
    const ms = Math.max(atLeastMs, ceiling / 2 + (random() * ceiling) / 2);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  };

  const ensureRunning = () => {
    if (running || lifetime.signal.aborted) return;
    running = true;
    void run();
  };

  /** Waits on `register`'s waiter, rejecting with the signal's reason if it aborts first. */
  const waitFor = (signal: AbortSignal, register: (waiter: Waiter) => () => void) =>
    new Promise<void>((resolve, reject) => {
      signal.throwIfAborted();
      const onAbort = () => {
        unregister();
        reject(signal.reason);
      };
      const unregister = register({
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });

  ensureRunning();
  return {
    stats,

    locate(resourceVersion) {
      if (version !== undefined && positions.has(resourceVersion)) return 'known';
      if (isInteger(resourceVersion) && isInteger(listedAt)) {
        if (Number(resourceVersion) <= Number(listedAt) && !positions.has(resourceVersion)) {
          return 'before';
        }
      }
      return 'unknown';
    },

    async list(name, signal) {
      ensureRunning();
      while (version === undefined) {
        if (lifetime.signal.aborted) throw new LeaseStoreError('unavailable', 'informer closed');
        await waitFor(signal, (waiter) => {
          syncWaiters.add(waiter);
          return () => syncWaiters.delete(waiter);
        });
      }
      return { lease: cache.get(name) ?? null, resourceVersion: version };
    },

    watch(name, { resourceVersion, signal, onEvent }) {
      ensureRunning();
      if (signal.aborted) return Promise.resolve();
      const start = positions.get(resourceVersion);
      if (version === undefined || start === undefined) {
        return Promise.reject(
          new LeaseStoreError(
            'gone',
            `watch lease ${namespace}/${name}: version ${resourceVersion} is not in the shared history`,
          ),
        );
      }
      return new Promise<void>((resolve, reject) => {
        let ended = false;
        const set = subscribers.get(name) ?? new Set<Subscriber>();
        const sub: Subscriber = {
          onEvent(event) {
            if (ended) return;
            try {
              onEvent(event);
            } catch (error) {
              sub.end(error);
            }
          },
          end(error) {
            if (ended) return;
            ended = true;
            set.delete(sub);
            if (set.size === 0) subscribers.delete(name);
            stats.subscribers--;
            signal.removeEventListener('abort', onAbort);
            if (error === undefined) resolve();
            else reject(error);
          },
        };
        const onAbort = () => sub.end();
        subscribers.set(name, set.add(sub));
        stats.subscribers++;
        signal.addEventListener('abort', onAbort, { once: true });
        for (const entry of history) {
          if (entry.seq > start && (entry.name === name || entry.name === undefined)) {
            sub.onEvent(entry.event);
          }
        }
      });
    },

    seen(name, resourceVersion, signal) {
      ensureRunning();
      if (cache.get(name)?.resourceVersion === resourceVersion || positions.has(resourceVersion)) {
        return Promise.resolve();
      }
      return waitFor(signal, (waiter) => {
        const byVersion = seenWaiters.get(name) ?? new Map<string, Set<Waiter>>();
        seenWaiters.set(name, byVersion);
        const set = byVersion.get(resourceVersion) ?? new Set<Waiter>();
        byVersion.set(resourceVersion, set.add(waiter));
        return () => set.delete(waiter);
      });
    },

    close() {
      lifetime.abort();
      const closed = new LeaseStoreError('unavailable', 'informer closed');
      for (const waiter of syncWaiters) waiter.reject(closed);
      syncWaiters.clear();
      endAll(undefined);
    },
  };
}

function isInteger(version: string | undefined): version is string {
  return version !== undefined && /^[0-9]{1,15}$/.test(version);
}

function versionOf(event: LeaseWatchEvent): string {
  switch (event.type) {
    case 'upsert':
      return event.lease.resourceVersion;
    case 'deleted':
    case 'bookmark':
      return event.resourceVersion;
    case 'malformed':
      return '';
  }
}
