/**
 * The registry of open watches: opens sessions (initial events, replay, 410, too-large
 * versions), fans committed events out to them, sends periodic bookmarks, and carries out the
 * watch faults (drop, stall, compact).
 */
import {
  ConnectionDroppedError,
  type RequestInfo,
  type RequestMatch,
  type WatchControl,
} from './fault-injection.js';
import type { ObjectStore } from './object-store.js';
import type { RequestStats } from './stats.js';
import { tooLargeResourceVersion } from './status.js';
import type { ServerClock } from './types.js';
import { goneStatus, type WatchParams, WatchSession, type WatchSessionOwner } from './watch.js';

/** Dependencies and tuning of a {@link WatchRegistry}. */
export interface WatchRegistryOptions {
  readonly store: ObjectStore;
  readonly stats: RequestStats;
  readonly clock: ServerClock;
  /** Period of BOOKMARK events for watches that allow them. */
  readonly bookmarkIntervalMs: number;
  /** How long a watch from a future version waits for it before a 504 (upstream: 3 s). */
  readonly tooLargeWaitMs: number;
  /** Whether a stall or partition holds this watch's events. */
  readonly isStalled: (info: RequestInfo) => boolean;
  /** Consumes a forced 410 for a new watch. */
  readonly takeGone: (info: RequestInfo) => boolean;
}

/** The annotation upstream puts on the BOOKMARK that ends a watch-list's initial events. */
export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** All open watches of one server. */
export class WatchRegistry implements WatchControl, WatchSessionOwner {
  readonly #sessions = new Set<WatchSession>();
  readonly #options: WatchRegistryOptions;
  readonly #unsubscribe: () => void;
  #bookmarkTimer: unknown;

  constructor(options: WatchRegistryOptions) {
    this.#options = options;
    this.#unsubscribe = options.store.subscribe((event) => {
      const cache = new Map<string, Uint8Array>();
      for (const session of this.#sessions) {
        try {
          session.deliver(event, cache);
        } catch {
          session.close('reset');
        }
      }
    });
  }

  /** Number of open watches. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Opens a watch and returns its session (whose `stream` is the response body). */
  open(params: WatchParams): WatchSession {
    const { store, clock } = this.#options;
    const rv = params.resourceVersion;
    const startAt = params.initialEvents ? 0 : rv === 0 ? store.revision : rv;
    const session = new WatchSession(this, params, clock, startAt);
    this.#sessions.add(session);
    this.#options.stats.watchOpened();

    if (this.#options.takeGone(params.info)) {
      session.fail(goneStatus(rv, store.revision));
      return session;
    }
    if (params.initialEvents) {
      const revision = store.revision;
      for (const lease of store.list(params.namespace))
        if (session.accepts(lease)) session.sendObject('ADDED', lease);
      session.syncTo(revision);
      if (params.initialEventsEndBookmark) session.bookmark({ [INITIAL_EVENTS_END]: 'true' });
    } else if (rv > store.revision) {
      session.after(this.#options.tooLargeWaitMs, () => {
        if (store.revision >= rv) return;
        session.fail(tooLargeResourceVersion(rv, store.revision).status);
      });
    } else {
      const events = store.eventsAfter(rv);
      if (events === undefined) {
        session.fail(goneStatus(rv, store.compactedRevision));
        return session;
      }
      for (const event of events) session.deliver(event, new Map());
      session.syncTo(store.revision);
    }
    if (params.allowBookmarks) this.#scheduleBookmarks();
    return session;
  }

  /** Whether a session's events are being held. @internal */
  isStalled(session: WatchSession): boolean {
    return this.#options.isStalled(session.params.info);
  }

  /** Forgets a closed session. @internal */
  release(session: WatchSession): void {
    if (this.#sessions.delete(session)) this.#options.stats.watchClosed();
  }

  /** Counts one event written. @internal */
  counted(): void {
    this.#options.stats.countWatchEvent();
  }

  /** The error a reset stream fails with. @internal */
  dropError(): Error {
    return new ConnectionDroppedError();
  }

  drop(match: RequestMatch | undefined, mode: 'close' | 'reset'): number {
    const victims = [...this.#sessions].filter((s) => s.matches(match));
    for (const session of victims) session.close(mode);
    return victims.length;
  }

  refreshStalls(): void {
    for (const session of this.#sessions) session.refresh();
  }

  compact(): void {
    this.#options.store.compact();
  }

  /** Ends every watch cleanly and stops listening to the store. */
  closeAll(): void {
    for (const session of [...this.#sessions]) session.close('close');
    if (this.#bookmarkTimer !== undefined) this.#options.clock.clearTimeout(this.#bookmarkTimer);
    this.#bookmarkTimer = undefined;
    this.#unsubscribe();
  }

  #scheduleBookmarks(): void {
    if (this.#bookmarkTimer !== undefined) return;
    this.#bookmarkTimer = this.#options.clock.setTimeout(() => {
      this.#bookmarkTimer = undefined;
      let wanted = false;
      for (const session of this.#sessions) {
        if (!session.params.allowBookmarks) continue;
        wanted = true;
        session.bookmark();
      }
      if (wanted) this.#scheduleBookmarks();
    }, this.#options.bookmarkIntervalMs);
  }
}
