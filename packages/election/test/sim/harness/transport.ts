/**
 * One elector's network link to the simulated API server: a {@link LeaseStore} that delays,
 * loses, fails and partitions, on top of the shared server.
 *
 * @remarks
 * A call travels to the server (request delay), is applied there, and its answer travels back
 * (response delay) and is delivered through the elector's process (so a stall holds it and a
 * crash drops it). Aborting a call settles it on the client side at once, but a request that is
 * already on the wire still reaches the server — exactly the write "sent before the deadline,
 * applied after" that no timing argument covers.
 *
 * Faults:
 * - injected per call: 409 before the server sees it, 5xx, 429 with `Retry-After`, 5xx after
 *   the write was applied, or a lost response (applied, and the caller never hears);
 * - a request timeout on the caller's clock, as the Kubernetes adapter has; `null` means a
 *   call with no answer hangs until its caller aborts it;
 * - partitions: `blackhole` loses every request and response and freezes watch streams (the
 *   events wait, in order, as TCP would hold them); `reset` fails calls and streams at once,
 *   as a refused or reset connection does;
 * - watch streams: events delayed (in order), streams ended cleanly or with an error kind.
 *
 * @module
 */
import type { TimerHandle } from '../../../src/core/clock.js';
import { LeaseStoreError, type LeaseStoreErrorKind } from '../../../src/core/errors.js';
import type {
  LeaseStore,
  LeaseWatchEvent,
  LeaseWatchOptions,
} from '../../../src/core/lease-store.js';
import type { FaultCounters } from './fault-counters.js';
import type { Random } from './random.js';
import type { SimProcess } from './sim-process.js';
import type { SimServer } from './sim-server.js';
import type { SkewedClock } from './skewed-clock.js';
import type { World } from './world.js';

/** Delay ranges of a link, in real ms: each message draws uniformly from its range. */
export interface LinkProfile {
  readonly requestMs: readonly [number, number];
  readonly responseMs: readonly [number, number];
  readonly watchMs: readonly [number, number];
}

export const INSTANT_LINK: LinkProfile = { requestMs: [0, 0], responseMs: [0, 0], watchMs: [0, 0] };

/** A fault for one call. */
export type CallFault =
  | 'conflict'
  | 'unavailable'
  | 'throttled'
  | 'unavailable-after-commit'
  | 'lost-response';

export type CallMethod = 'get' | 'list' | 'create' | 'replace';
export type PartitionMode = 'blackhole' | 'reset';

export interface Transport {
  /** What the elector is given as its store. */
  readonly store: LeaseStore;
  /** The next call of `method` (any method when omitted) suffers `fault`. */
  failNext(fault: CallFault, method?: CallMethod): void;
  /** Forgets faults queued by {@link failNext} and not yet used. */
  clearFaults(): void;
  partition(mode: PartitionMode): void;
  heal(): void;
  isPartitioned(): boolean;
  /** Ends this elector's open watch streams (after what is already in flight to it). */
  dropWatches(kind?: LeaseStoreErrorKind): void;
  setProfile(profile: LinkProfile): void;
  /** Calls the elector is still waiting on. */
  pendingCalls(): number;
  /** Watch streams the elector has open. */
  openWatches(): number;
}

export interface TransportOptions {
  readonly client: string;
  readonly world: World;
  readonly server: SimServer;
  readonly process: SimProcess;
  readonly clock: SkewedClock;
  readonly random: Random;
  readonly counters: FaultCounters;
  readonly profile: LinkProfile;
  /** Caller-side timeout of each call, in the caller's ms; `null`: wait until aborted. */
  readonly requestTimeoutMs: number | null;
  /** Retry-After of an injected 429, in ms. @defaultValue 1000 */
  readonly retryAfterMs?: number;
}

interface PendingCall {
  fail(error: LeaseStoreError): void;
}

interface WatchConnection {
  open: boolean;
  /** Closes the server side of the stream (the connection, as the server sees it). */
  readonly server: AbortController;
  /** Set when the server ends the stream on purpose; the client then sees this. */
  endWith: LeaseStoreError | null | undefined;
  /** Items on their way to the client, with the real time each may arrive. */
  readonly queue: { at: number; deliver: () => void }[];
  lastAt: number;
  pumping: boolean;
  /** Moves the next queued item towards the client, unless the link is blackholed. */
  pump(): void;
  close(outcome: () => void): void;
  fail(error: LeaseStoreError): void;
}

export function createTransport(options: TransportOptions): Transport {
  const { client, world, server, process, clock, random, counters } = options;
  const retryAfterMs = options.retryAfterMs ?? 1000;
  let profile = options.profile;
  let partition: PartitionMode | null = null;
  const faults: { fault: CallFault; method: CallMethod | undefined }[] = [];
  const calls = new Set<PendingCall>();
  const watches = new Set<WatchConnection>();

  const draw = ([min, max]: readonly [number, number]) =>
    min >= max ? min : min + random() * (max - min);
  const takeFault = (method: CallMethod) => {
    const index = faults.findIndex((f) => f.method === undefined || f.method === method);
    if (index < 0) return undefined;
    const [taken] = faults.splice(index, 1);
    return taken?.fault;
  };
  const unavailable = (message: string) =>
    new LeaseStoreError('unavailable', `${client}: ${message}`, { status: 503 });

  /** Sends a message to the client: it travels, then is delivered through its process. */
  const toClient = (delayMs: number, deliver: () => void) => {
    world.schedule(delayMs, () => process.deliver('message', deliver));
  };

  function request<T>(
    method: CallMethod,
    signal: AbortSignal,
    write: { method: 'create' | 'replace'; requestedVersion: string | null } | null,
    perform: (serverSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let settled = false;
      let timeout: TimerHandle | undefined;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        calls.delete(call);
        signal.removeEventListener('abort', onAbort);
        if (timeout !== undefined) clock.clearTimeout(timeout);
        settle();
      };
      const call: PendingCall = { fail: (error) => finish(() => reject(error)) };
      const onAbort = () => finish(() => reject(signal.reason));
      calls.add(call);
      signal.addEventListener('abort', onAbort, { once: true });
      if (options.requestTimeoutMs !== null) {
        timeout = clock.setTimeout(() => {
          counters.count('request timed out');
          call.fail(unavailable(`${method}: no response within ${options.requestTimeoutMs} ms`));
        }, options.requestTimeoutMs);
      }
      if (partition === 'blackhole') {
        counters.count('request lost (partition)');
        return;
      }
      if (partition === 'reset') {
        counters.count('request reset (partition)');
        toClient(1, () => call.fail(unavailable(`${method}: connection refused`)));
        return;
      }
      const fault = takeFault(method);
      const requestDelay = draw(profile.requestMs);
      if (requestDelay > 0) counters.count('request delayed');

      const respond = (outcome: { value: T } | { error: unknown }) => {
        if (fault === 'lost-response') {
          counters.count('response lost (injected)');
          return;
        }
        if (partition === 'blackhole') {
          counters.count('response lost (partition)');
          return;
        }
        const responseDelay = draw(profile.responseMs);
        if (responseDelay > 0) counters.count('response delayed');
        toClient(responseDelay, () =>
          finish(() => ('value' in outcome ? resolve(outcome.value) : reject(outcome.error))),
        );
      };

      world.schedule(requestDelay, () => {
        // At the server.
        if (fault === 'conflict' || fault === 'unavailable' || fault === 'throttled') {
          counters.count(
            fault === 'conflict'
              ? 'error 409 conflict (injected)'
              : fault === 'unavailable'
                ? 'error 5xx unavailable (injected)'
                : 'error 429 throttled (injected)',
          );
          const error =
            fault === 'conflict'
              ? new LeaseStoreError('conflict', `${client}: injected 409 on ${method}`, {
                  status: 409,
                })
              : fault === 'throttled'
                ? new LeaseStoreError('unavailable', `${client}: injected 429 on ${method}`, {
                    status: 429,
                    retryAfterMs,
                  })
                : new LeaseStoreError('unavailable', `${client}: injected 500 on ${method}`, {
                    status: 500,
                  });
          respond({ error });
          return;
        }
        server.apply(client, write, perform).then(
          (value) => {
            if (fault === 'unavailable-after-commit') {
              counters.count('error after commit (injected)');
              respond({ error: unavailable(`${method}: applied, then the response failed`) });
              return;
            }
            respond({ value });
          },
          (error: unknown) => {
            if (error instanceof LeaseStoreError && error.message.startsWith('injected')) {
              counters.count('error from store failNext');
            }
            respond({ error });
          },
        );
      });
    });
  }

  function watch(watchOptions: LeaseWatchOptions): Promise<void> {
    const { signal, onEvent } = watchOptions;
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const connection: WatchConnection = {
        open: true,
        server: new AbortController(),
        endWith: undefined,
        queue: [],
        lastAt: 0,
        pumping: false,
        pump() {
          if (connection.pumping || partition === 'blackhole') return;
          const head = connection.queue[0];
          if (!head) return;
          connection.pumping = true;
          world.schedule(Math.max(0, head.at - world.now()), () => {
            connection.pumping = false;
            if (partition === 'blackhole') return; // resumes on heal
            connection.queue.shift();
            process.deliver('message', head.deliver);
            connection.pump();
          });
        },
        close(outcome) {
          if (!connection.open) return;
          connection.open = false;
          watches.delete(connection);
          connection.server.abort();
          signal.removeEventListener('abort', onAbort);
          outcome();
        },
        fail: (error) => connection.close(() => reject(error)),
      };
      const onAbort = () => connection.close(resolve);
      watches.add(connection);
      signal.addEventListener('abort', onAbort, { once: true });

      if (partition === 'blackhole') {
        counters.count('request lost (partition)');
        return; // the stream never opens; the elector's watchdog gives up on it
      }
      if (partition === 'reset') {
        counters.count('request reset (partition)');
        toClient(1, () => connection.fail(unavailable('watch: connection refused')));
        return;
      }

      /** Streams keep order: an item never overtakes the one sent before it. */
      const send = (deliver: () => void) => {
        const delay = draw(profile.watchMs);
        if (delay > 0) counters.count('watch event delayed');
        connection.lastAt = Math.max(connection.lastAt, world.now() + delay);
        connection.queue.push({ at: connection.lastAt, deliver });
        connection.pump();
      };

      world.schedule(draw(profile.requestMs), () => {
        if (!connection.open) return; // the client gave up before the request arrived
        const deliverEvent = (event: LeaseWatchEvent) =>
          send(() => {
            if (connection.open) onEvent(event);
          });
        server.store
          .watch({
            resourceVersion: watchOptions.resourceVersion,
            signal: connection.server.signal,
            onEvent: deliverEvent,
          })
          .then(
            () =>
              send(() =>
                connection.endWith
                  ? connection.fail(connection.endWith)
                  : connection.close(resolve),
              ),
            (error: unknown) =>
              send(() =>
                connection.fail(
                  error instanceof LeaseStoreError ? error : unavailable(`watch: ${String(error)}`),
                ),
              ),
          );
      });
    });
  }

  process.onCrash(() => {
    // The process is gone: its connections close (the server notices), nothing reaches it.
    for (const connection of watches) connection.server.abort();
    watches.clear();
    calls.clear();
  });

  const store: LeaseStore = {
    name: server.store.name,
    namespace: server.store.namespace,
    get: (signal) => request('get', signal, null, (s) => server.store.get(s)),
    list: (signal) => request('list', signal, null, (s) => server.store.list(s)),
    create: (object, signal) =>
      request('create', signal, { method: 'create', requestedVersion: null }, (s) =>
        server.store.create(object, s),
      ),
    replace: (object, expected, signal) =>
      request('replace', signal, { method: 'replace', requestedVersion: expected }, (s) =>
        server.store.replace(object, expected, s),
      ),
    watch,
  };

  return {
    store,
    failNext(fault, method) {
      faults.push({ fault, method });
    },
    clearFaults() {
      faults.length = 0;
    },
    partition(mode) {
      counters.count('partition');
      partition = mode;
      if (mode === 'reset') {
        for (const call of [...calls])
          toClient(1, () => call.fail(unavailable('connection reset')));
        for (const connection of [...watches]) {
          connection.server.abort();
          toClient(1, () => connection.fail(unavailable('watch: connection reset')));
        }
      }
    },
    heal() {
      if (partition === null) return;
      counters.count('heal');
      partition = null;
      for (const connection of watches) connection.pump();
    },
    isPartitioned: () => partition !== null,
    dropWatches(kind) {
      for (const connection of watches) {
        counters.count(kind === 'gone' ? 'watch 410 gone (one elector)' : 'watch dropped');
        connection.endWith =
          kind === undefined ? null : new LeaseStoreError(kind, `${client}: watch ended (${kind})`);
        connection.server.abort();
      }
    },
    setProfile(next) {
      profile = next;
    },
    pendingCalls: () => calls.size,
    openWatches: () => watches.size,
  };
}
