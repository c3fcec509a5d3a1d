/**
 * Event history and live watches for the in-memory store, with the API server's rules: a
 * watch from version `v` first receives every retained event after `v`, then live events, in
 * order; a `v` older than the retained history is `gone`.
 *
 * @module
 */
import { LeaseStoreError } from '../core/errors.js';
import type { LeaseWatchEvent, LeaseWatchOptions } from '../core/lease-store.js';

interface HistoryEntry {
  readonly resourceVersion: number;
  readonly event: LeaseWatchEvent;
}

interface Watcher {
  readonly queue: LeaseWatchEvent[];
  readonly onEvent: (event: LeaseWatchEvent) => void;
  scheduled: boolean;
  done: boolean;
  /** Set when the watch is to end once its queue is delivered. */
  ending: { readonly error: unknown } | undefined;
  finish(error?: unknown): void;
}

/** Where a watch starts: after a version, or (`'any'`) from the current state. */
export type WatchStart = number | 'any';

/** The event history and the watches of one in-memory Lease. */
export interface WatchHub {
  /** Records a change at `resourceVersion` and sends it to every live watch. */
  publish(resourceVersion: number, event: LeaseWatchEvent): void;
  /**
   * Starts a watch. Synchronous up to registration, so nothing published afterwards is missed.
   * @param current - the events describing the current state, for a start of `'any'`.
   */
  watch(
    start: WatchStart,
    current: () => LeaseWatchEvent[],
    options: LeaseWatchOptions,
  ): Promise<void>;
  /** Sends a bookmark to every live watch (not recorded: bookmarks are not history). */
  bookmark(resourceVersion: number): void;
  /** Forgets every event up to and including `throughVersion`. */
  compact(throughVersion: number): void;
  /** Ends every watch after its queued events: resolves, or rejects with `error`. */
  drop(error?: unknown): void;
  /** Number of watches still running. */
  active(): number;
}

/**
 * Creates a {@link WatchHub}.
 *
 * @param compactedThrough - versions up to this one are already outside the history.
 * @param historyLimit - events kept; older ones are compacted away.
 */
export function createWatchHub(compactedThrough: number, historyLimit: number): WatchHub {
  const history: HistoryEntry[] = [];
  const watchers = new Set<Watcher>();
  let compacted = compactedThrough;

  const drain = (watcher: Watcher) => {
    watcher.scheduled = false;
    while (!watcher.done && watcher.queue.length > 0) {
      const event = watcher.queue.shift() as LeaseWatchEvent;
      try {
        // A copy each time: a consumer that mutates what it got must not change history.
        watcher.onEvent(structuredClone(event));
      } catch (error) {
        // The port says onEvent must not throw; if it does, the watch fails loudly with it.
        watcher.finish(error);
        return;
      }
    }
    if (!watcher.done && watcher.ending) watcher.finish(watcher.ending.error);
  };
  const schedule = (watcher: Watcher) => {
    if (watcher.scheduled || watcher.done) return;
    watcher.scheduled = true;
    queueMicrotask(() => drain(watcher));
  };
  const send = (event: LeaseWatchEvent) => {
    for (const watcher of watchers) {
      if (watcher.ending) continue;
      watcher.queue.push(event);
      schedule(watcher);
    }
  };

  return {
    publish(resourceVersion, event) {
      history.push({ resourceVersion, event });
      while (history.length > historyLimit) {
        compacted = (history.shift() as HistoryEntry).resourceVersion;
      }
      send(event);
    },

    watch(start, current, options) {
      return new Promise<void>((resolve, reject) => {
        if (start !== 'any' && start < compacted) {
          reject(
            new LeaseStoreError(
              'gone',
              `too old resource version: ${start} (history starts after ${compacted})`,
            ),
          );
          return;
        }
        const { signal } = options;
        const onAbort = () => watcher.finish();
        const watcher: Watcher = {
          queue:
            start === 'any'
              ? current()
              : history.filter((entry) => entry.resourceVersion > start).map((e) => e.event),
          onEvent: options.onEvent,
          scheduled: false,
          done: false,
          ending: undefined,
          finish(error) {
            if (watcher.done) return;
            watcher.done = true;
            watcher.queue.length = 0;
            watchers.delete(watcher);
            signal.removeEventListener('abort', onAbort);
            if (error === undefined) resolve();
            else reject(error);
          },
        };
        if (signal.aborted) {
          resolve();
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
        watchers.add(watcher);
        if (watcher.queue.length > 0) schedule(watcher);
      });
    },

    bookmark(resourceVersion) {
      send({ type: 'bookmark', resourceVersion: String(resourceVersion) });
    },

    compact(throughVersion) {
      while (history.length > 0 && (history[0] as HistoryEntry).resourceVersion <= throughVersion) {
        history.shift();
      }
      compacted = Math.max(compacted, throughVersion);
    },

    drop(error) {
      for (const watcher of watchers) {
        if (watcher.ending) continue;
        watcher.ending = { error };
        schedule(watcher);
      }
    },

    active: () => watchers.size,
  };
}
