/**
 * A Lease backend that stores whatever it is given — no validation at all — and serves it
 * through the same parsing the Kubernetes adapter uses (`parseLease` for reads, the adapter's
 * `toWatchEvent` for watch events). It stands in for a server (or a proxy, or another client)
 * that hands the elector objects the real API server would have refused to store.
 *
 * @module
 */
import { LeaseStoreError, MalformedLeaseError } from '../../src/core/errors.js';
import { type LeaseObject, parseLease, type StoredLease } from '../../src/core/lease-record.js';
import type { LeaseStore, LeaseWatchEvent, LeaseWatchOptions } from '../../src/core/lease-store.js';
import { toWatchEvent } from '../../src/kube/watch.js';

export interface RawLeaseStore extends LeaseStore {
  /**
   * Stores `raw` as is, as another writer would, and tells the watches (`MODIFIED`, or
   * `ADDED` if there was nothing). When `raw` has an object `metadata` without a
   * `resourceVersion`, the store's next version is put there unless `withoutVersion`.
   */
  serve(raw: unknown, options?: { withoutVersion?: boolean }): void;
  /** Deletes the object (a `DELETED` event). */
  remove(): void;
  /** Sends one raw watch event, e.g. garbage, without changing what is stored. */
  emit(type: string, object: unknown): void;
  /** What is stored now. */
  current(): unknown;
  /** Every write the electors made, in order. */
  readonly writes: { method: 'create' | 'replace'; expected: string | null; object: LeaseObject }[];
  activeWatches(): number;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function createRawLeaseStore(name = 'lease', namespace = 'ns'): RawLeaseStore {
  let stored: unknown = null;
  let version = 1;
  const history: { version: number; type: string; object: unknown }[] = [];
  const watchers = new Set<{ after: number; deliver: (type: string, object: unknown) => void }>();
  const writes: RawLeaseStore['writes'] = [];

  const versionOf = (raw: unknown): string | undefined => {
    const metadata = isObject(raw) && isObject(raw.metadata) ? raw.metadata : undefined;
    return typeof metadata?.resourceVersion === 'string' ? metadata.resourceVersion : undefined;
  };
  /** What the adapter does with an object from the server: parse it or fail `unavailable`. */
  const parse = (raw: unknown): StoredLease | null => {
    if (raw === null) return null;
    try {
      return parseLease(structuredClone(raw));
    } catch (error) {
      if (!(error instanceof MalformedLeaseError)) throw error;
      throw new LeaseStoreError(
        'unavailable',
        `the server returned an unusable Lease: ${error.message}`,
        {
          cause: error,
        },
      );
    }
  };
  const publish = (type: string, object: unknown) => {
    history.push({ version, type, object: structuredClone(object) });
    for (const watcher of watchers) watcher.deliver(type, object);
  };
  const put = (raw: unknown, withoutVersion = false) => {
    const type = stored === null ? 'ADDED' : 'MODIFIED';
    version += 1;
    const copy = structuredClone(raw);
    if (!withoutVersion && isObject(copy) && isObject(copy.metadata)) {
      copy.metadata.resourceVersion = String(version);
    }
    stored = copy;
    publish(type, copy);
  };
  const settle = async <T>(signal: AbortSignal, act: () => T): Promise<T> => {
    await Promise.resolve();
    signal.throwIfAborted();
    return act();
  };

  return {
    name,
    namespace,
    get: (signal) => settle(signal, () => parse(stored)),
    list: (signal) =>
      settle(signal, () => ({ lease: parse(stored), resourceVersion: String(version) })),
    create: (object, signal) =>
      settle(signal, () => {
        if (stored !== null) throw new LeaseStoreError('already-exists', 'already exists');
        writes.push({ method: 'create', expected: null, object: structuredClone(object) });
        put({ ...object, metadata: { ...object.metadata, name, namespace } });
        return parse(stored) as StoredLease;
      }),
    replace: (object, expected, signal) =>
      settle(signal, () => {
        if (stored === null) throw new LeaseStoreError('not-found', 'not found');
        if (versionOf(stored) !== expected) throw new LeaseStoreError('conflict', 'conflict');
        writes.push({ method: 'replace', expected, object: structuredClone(object) });
        put(object);
        return parse(stored) as StoredLease;
      }),
    watch(options: LeaseWatchOptions) {
      const { signal, onEvent } = options;
      return new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const watcher = {
          after: Number(options.resourceVersion),
          deliver: (type: string, object: unknown) => {
            const event: LeaseWatchEvent | null = toWatchEvent(type, structuredClone(object), name);
            if (event !== null) queueMicrotask(() => !signal.aborted && onEvent(event));
          },
        };
        for (const entry of history) {
          if (entry.version > watcher.after) watcher.deliver(entry.type, entry.object);
        }
        watchers.add(watcher);
        signal.addEventListener(
          'abort',
          () => {
            watchers.delete(watcher);
            resolve();
          },
          { once: true },
        );
      });
    },
    serve: (raw, options = {}) => put(raw, options.withoutVersion),
    remove() {
      const last = stored;
      version += 1;
      stored = null;
      publish(
        'DELETED',
        isObject(last)
          ? {
              ...last,
              metadata: {
                ...(isObject(last.metadata) ? last.metadata : {}),
                resourceVersion: String(version),
              },
            }
          : { metadata: { resourceVersion: String(version) } },
      );
    },
    emit(type, object) {
      for (const watcher of watchers) watcher.deliver(type, object);
    },
    current: () => stored,
    writes,
    activeWatches: () => watchers.size,
  };
}
