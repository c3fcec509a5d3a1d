/**
 * Watch streams: newline-delimited JSON events (`{"type":…,"object":…}`) on a chunked 200
 * response, as the real server sends them.
 *
 * A watch from version `N` replays every retained event after `N`, then follows live commits;
 * a watch without a version (or `"0"`) first sends a synthetic ADDED per current object. A
 * version older than the retained history gets `410 Gone` in band — an ERROR event carrying a
 * Status — and the stream ends, exactly as client-node expects. Selectors apply to transitions
 * too: an object that stops matching arrives as DELETED, one that starts matching as ADDED.
 *
 * Each event is encoded once and the same bytes go to every watcher, so fan-out to thousands
 * of watches costs one `JSON.stringify`.
 */
import { matches, type RequestInfo, type RequestMatch } from './fault-injection.js';
import type { ObjectStoreEvent } from './object-store.js';
import {
  type FieldSelector,
  type LabelSelector,
  matchesFields,
  matchesLabels,
} from './selectors.js';
import { failureStatus } from './status.js';
import { leaseTable, type TableOptions } from './table.js';
import {
  API_VERSION,
  type Lease,
  type ServerClock,
  type Status,
  type WatchEventType,
} from './types.js';

/** A parsed watch request. */
export interface WatchParams {
  readonly info: RequestInfo;
  readonly namespace: string | undefined;
  readonly labelSelector: LabelSelector;
  readonly fieldSelector: FieldSelector;
  /** Parsed `resourceVersion`; 0 when unset or `"0"`. */
  readonly resourceVersion: number;
  readonly allowBookmarks: boolean;
  /** Send current objects first (rv unset/0, or `sendInitialEvents=true`). */
  readonly initialEvents: boolean;
  /** Mark the end of initial events with an annotated BOOKMARK (watch-list). */
  readonly initialEventsEndBookmark: boolean;
  readonly timeoutSeconds: number;
  /** Render objects as Tables (kubectl `get -w`). */
  readonly table: TableOptions | undefined;
}

const encoder = new TextEncoder();

/** Encodes one watch line. */
export function encodeEvent(type: WatchEventType, object: unknown): Uint8Array {
  return encoder.encode(`{"type":"${type}","object":${JSON.stringify(object)}}\n`);
}

/** The object of a BOOKMARK: an empty Lease that carries only a version, as upstream's. */
export function bookmarkObject(
  resourceVersion: number,
  annotations?: Record<string, string>,
): unknown {
  return {
    kind: 'Lease',
    apiVersion: API_VERSION,
    metadata: {
      resourceVersion: String(resourceVersion),
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec: {},
  };
}

/** Node's longest timer (about 24.8 days); a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * How long a watch lasts, in seconds, as kube-apiserver decides it: a positive
 * `timeoutSeconds` as asked; zero or absent, the server's own timeout (upstream: a random
 * point between `--min-request-timeout` and twice that; here `defaultSeconds`, without the
 * jitter); negative, the watch ends at once (upstream's timer of a negative duration). Never
 * unbounded.
 */
export function watchTimeoutSeconds(requested: number | undefined, defaultSeconds: number): number {
  if (requested === undefined || requested === 0) return defaultSeconds;
  return Math.max(0, requested);
}

/** The in-band 410 of a watch from a compacted version. */
export function goneStatus(requested: number, oldest: number): Status {
  return failureStatus(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

/**
 * What a session needs from the registry that opened it. Declared here, implemented by
 * `WatchRegistry`, so that the session module does not import the registry (no cycle).
 */
export interface WatchSessionOwner {
  /** Whether a stall or partition holds this session's events now. */
  isStalled(session: WatchSession): boolean;
  /** Forgets a session that has ended. */
  release(session: WatchSession): void;
  /** Counts one delivered event in the server's stats. */
  counted(): void;
  /** The error a `reset` drop ends the stream with. */
  dropError(): Error;
}

/** One open watch stream. */
export class WatchSession {
  readonly params: WatchParams;
  readonly #hub: WatchSessionOwner;
  readonly #clock: ServerClock;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #pending: Uint8Array[] = [];
  #closed = false;
  #timers: unknown[] = [];
  #tableHeadersSent = false;
  /** Events at or below this version are already covered (replayed or listed). */
  #syncedTo: number;
  /** The stream handed to the HTTP layer. */
  readonly stream: ReadableStream<Uint8Array>;

  constructor(hub: WatchSessionOwner, params: WatchParams, clock: ServerClock, startAt: number) {
    this.#hub = hub;
    this.params = params;
    this.#clock = clock;
    this.#syncedTo = startAt;
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => this.close('gone'),
    });
    this.after(Math.max(0, params.timeoutSeconds) * 1000, () => this.close('close'));
  }

  /** The version the client has seen everything up to. */
  get syncedTo(): number {
    return this.#syncedTo;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this watch was opened by a request the match selects. */
  matches(match: RequestMatch | undefined): boolean {
    return matches(match, this.params.info);
  }

  /** Runs `callback` after `ms` (at most {@link MAX_TIMER_MS}) unless the session closed first. */
  after(ms: number, callback: () => void): void {
    const delay = Math.min(ms, MAX_TIMER_MS);
    this.#timers.push(this.#clock.setTimeout(() => !this.#closed && callback(), delay));
  }

  accepts(lease: Lease): boolean {
    const { namespace, labelSelector, fieldSelector } = this.params;
    if (namespace !== undefined && lease.metadata.namespace !== namespace) return false;
    return (
      matchesFields(fieldSelector, lease) && matchesLabels(labelSelector, lease.metadata.labels)
    );
  }

  /** Delivers a committed event, translating it through this watch's selectors. */
  deliver(event: ObjectStoreEvent, cache: Map<string, Uint8Array>): void {
    if (this.#closed || event.resourceVersion <= this.#syncedTo) return;
    this.#syncedTo = event.resourceVersion;
    const before = event.previous !== undefined && this.accepts(event.previous);
    const after = event.type !== 'DELETED' && this.accepts(event.object);
    let type: WatchEventType;
    if (event.type === 'DELETED') {
      if (!before) return;
      type = 'DELETED';
    } else if (before && after) type = 'MODIFIED';
    else if (after) type = 'ADDED';
    else if (before) type = 'DELETED';
    else return;
    if (this.params.table !== undefined) {
      this.sendObject(type, event.object);
      return;
    }
    let bytes = cache.get(type);
    if (bytes === undefined) {
      bytes = encodeEvent(type, event.object);
      cache.set(type, bytes);
    }
    this.send(bytes);
  }

  /** Sends one object event, rendering it as a Table when the client asked for one. */
  sendObject(type: WatchEventType, lease: Lease): void {
    const table = this.params.table;
    if (table === undefined) {
      this.send(encodeEvent(type, lease));
      return;
    }
    const options = { ...table, noHeaders: table.noHeaders || this.#tableHeadersSent };
    this.#tableHeadersSent = true;
    const meta =
      lease.metadata.resourceVersion === undefined
        ? {}
        : { resourceVersion: lease.metadata.resourceVersion };
    this.send(encodeEvent(type, leaseTable([lease], options, this.#clock.now(), meta)));
  }

  /** Sends a BOOKMARK at the current synced version, unless events are being held back. */
  bookmark(annotations?: Record<string, string>): void {
    if (this.#closed || this.#hub.isStalled(this)) return;
    this.send(encodeEvent('BOOKMARK', bookmarkObject(this.#syncedTo, annotations)));
  }

  /** Marks versions up to `revision` as covered (after a list or replay). */
  syncTo(revision: number): void {
    this.#syncedTo = Math.max(this.#syncedTo, revision);
  }

  /** Sends an in-band ERROR and ends the stream cleanly. */
  fail(status: Status): void {
    this.send(encodeEvent('ERROR', status));
    this.close('close');
  }

  /** Queues bytes, or holds them while a stall or partition applies. */
  send(bytes: Uint8Array): void {
    if (this.#closed) return;
    if (this.#hub.isStalled(this)) {
      this.#pending.push(bytes);
      return;
    }
    this.#flush();
    this.#enqueue(bytes);
  }

  /** Releases held bytes if no stall applies any more. */
  refresh(): void {
    if (!this.#closed && this.#pending.length > 0 && !this.#hub.isStalled(this)) this.#flush();
  }

  /**
   * Ends the session: `close` ends the stream cleanly (chunk terminator), `reset` errors it so
   * the HTTP adapter destroys the socket, `gone` is the client having left.
   */
  close(mode: 'close' | 'reset' | 'gone'): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#pending = [];
    this.#hub.release(this);
    try {
      if (mode === 'close') this.#controller?.close();
      else if (mode === 'reset') this.#controller?.error(this.#hub.dropError());
    } catch {
      // Already closed by the consumer: nothing left to end.
    }
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const bytes of pending) this.#enqueue(bytes);
  }

  #enqueue(bytes: Uint8Array): void {
    try {
      this.#controller?.enqueue(bytes);
      this.#hub.counted();
    } catch {
      this.close('gone');
    }
  }
}
