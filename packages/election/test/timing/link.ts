/**
 * A per-elector network in front of a shared store, for unit tests where a request's send and
 * its answer happen at different instants.
 *
 * @remarks
 * Delays run on the test's clock. A call first travels (`requestMs`), then the store acts on
 * it, then the answer travels back (`responseMs`): the write is applied at `send + requestMs`
 * and the caller hears of it at `send + requestMs + responseMs`. Watch events can lag by
 * `watchMs` (kept in order). A partition holds everything — calls not yet delivered, answers
 * not yet returned, watch events — until it heals; a call whose caller gave up meanwhile is
 * never delivered. The store's own semantics (versions, preconditions) are untouched.
 *
 * @module
 */
import { type Clock, sleep } from '../../src/core/clock.js';
import type { LeaseStore, LeaseWatchEvent } from '../../src/core/lease-store.js';

/** Store calls a link can delay. */
export type Method = 'get' | 'list' | 'create' | 'replace' | 'watch';

/** Delay of one call, in ms on the link's clock. */
export interface CallDelay {
  readonly requestMs?: number;
  readonly responseMs?: number;
}

/** One call as the link saw it: when sent, applied by the store, answered to the caller. */
export interface CallRecord {
  readonly method: Method;
  readonly sentAt: number;
  appliedAt: number | null;
  answeredAt: number | null;
}

export interface Link {
  /** The store as this elector sees it. */
  readonly store: LeaseStore;
  /** Every call, in the order sent. */
  readonly calls: readonly CallRecord[];
  /** Delays the next call of `method` (queued in order; one entry per call). */
  delayNext(method: Method, delay: CallDelay): void;
  /** Delay of every watch event from now on. */
  setWatchDelay(ms: number): void;
  /** Holds everything until {@link heal}. */
  partition(): void;
  heal(): void;
}

export function createLink(inner: LeaseStore, clock: Clock): Link {
  const calls: CallRecord[] = [];
  const queued = new Map<Method, CallDelay[]>();
  let watchDelayMs = 0;
  let partitioned = false;
  let healed: Array<() => void> = [];

  /** Resolves once the link is up, or rejects when the caller aborts first. */
  const passable = (signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      signal.throwIfAborted();
      if (!partitioned) return resolve();
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      healed.push(() => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(signal.reason);
        else resolve();
      });
    });

  const travel = async (ms: number | undefined, signal: AbortSignal) => {
    if (ms !== undefined && ms > 0) await sleep(clock, ms, signal);
    await passable(signal);
  };

  async function call<T>(method: Method, signal: AbortSignal, act: () => Promise<T>) {
    const delay = queued.get(method)?.shift() ?? {};
    const record: CallRecord = { method, sentAt: clock.now(), appliedAt: null, answeredAt: null };
    calls.push(record);
    await travel(delay.requestMs, signal);
    record.appliedAt = clock.now();
    // The store acts even if the caller gives up while the answer travels back.
    const result = await act();
    await travel(delay.responseMs, signal);
    record.answeredAt = clock.now();
    return result;
  }

  const detached = () => new AbortController().signal;

  const store: LeaseStore = {
    name: inner.name,
    namespace: inner.namespace,
    get: (signal) => call('get', signal, () => inner.get(detached())),
    list: (signal) => call('list', signal, () => inner.list(detached())),
    create: (object, signal) => call('create', signal, () => inner.create(object, detached())),
    replace: (object, version, signal) =>
      call('replace', signal, () => inner.replace(object, version, detached())),
    async watch(options) {
      const held: LeaseWatchEvent[] = [];
      const deliver = (event: LeaseWatchEvent) => {
        if (options.signal.aborted) return;
        if (partitioned) {
          if (held.length === 0) healed.push(flush);
          held.push(event);
          return;
        }
        options.onEvent(event);
      };
      const flush = () => {
        for (const event of held.splice(0)) deliver(event);
      };
      await call('watch', options.signal, async () => undefined);
      return inner.watch({
        ...options,
        onEvent: (event) => {
          if (watchDelayMs > 0) clock.setTimeout(() => deliver(event), watchDelayMs);
          else deliver(event);
        },
      });
    },
  };

  return {
    store,
    calls,
    delayNext(method, delay) {
      const list = queued.get(method) ?? [];
      list.push(delay);
      queued.set(method, list);
    },
    setWatchDelay(ms) {
      watchDelayMs = ms;
    },
    partition() {
      partitioned = true;
    },
    heal() {
      partitioned = false;
      const waiting = healed;
      healed = [];
      for (const resume of waiting) resume();
    },
  };
}
