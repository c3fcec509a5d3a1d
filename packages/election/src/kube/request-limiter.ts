/**
 * A bound on API requests in flight, shared by every Lease store of one cluster connection,
 * with renewals (and releases) of live terms ahead of everything else, newest first, and a
 * bounded queue.
 *
 * @remarks
 * Without it, M electors against a slow server put up to M × (list + write) requests in flight
 * at once; each one that times out tears down its connection (an aborted HTTP/1.1 request
 * cannot be left on a keep-alive socket), the server still executes it, and the retry opens a
 * new connection. The process then spends its time connecting, building errors and collecting
 * garbage instead of renewing (see bench/analysis.md). With the limiter, at most
 * `maxInFlight` requests are on the wire; the rest wait in memory, renewals first, and a full
 * queue refuses new work at once with `unavailable` — the elector's ordinary retry path — so
 * pending work stays bounded however slow the server is.
 *
 * A queued request still counts against its caller's deadline (its signal): a renewal that
 * cannot be sent in time fails like one the server did not answer, and the term ends safely.
 *
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { LeaseStoreError } from '../core/errors.js';

/** 0: renewals and releases of live terms; 1: reads, creates, acquisitions. */
export type RequestPriority = 0 | 1;

/** Options of {@link createRequestLimiter}. */
export interface RequestLimiterOptions {
  /** Requests on the wire at once. @defaultValue 32 */
  readonly maxInFlight?: number;
  /** Requests waiting for a slot; past it new low-priority work is refused. @defaultValue 2048 */
  readonly maxQueued?: number;
}

/** Counters of a limiter. */
export interface RequestLimiterStats {
  inFlight: number;
  queued: number;
  peakInFlight: number;
  peakQueued: number;
  /** Requests refused because the queue was full. */
  refused: number;
}

/** See the module documentation. */
export interface RequestLimiter {
  readonly maxInFlight: number;
  readonly maxQueued: number;
  readonly stats: Readonly<RequestLimiterStats>;
  /** Runs `task` once a slot is free; rejects with `signal.reason` if it aborts while queued. */
  run<T>(priority: RequestPriority, signal: AbortSignal, task: () => Promise<T>): Promise<T>;
}

interface Queued {
  readonly start: () => void;
  readonly refuse: (error: unknown) => void;
}

export const DEFAULT_MAX_IN_FLIGHT = 32;
export const DEFAULT_MAX_QUEUED = 2048;

/** Creates a limiter; see {@link RequestLimiter}. */
export function createRequestLimiter(options: RequestLimiterOptions = {}): RequestLimiter {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  if (!(Number.isInteger(maxInFlight) && maxInFlight > 0)) {
    throw new RangeError('maxInFlight must be a positive integer');
  }
  if (!(Number.isInteger(maxQueued) && maxQueued >= 0)) {
    throw new RangeError('maxQueued must be a non-negative integer');
  }
  const stats: RequestLimiterStats = {
    inFlight: 0,
    queued: 0,
    peakInFlight: 0,
    peakQueued: 0,
    refused: 0,
  };
  // Insertion-ordered sets, O(1) removal on abort. Served newest first (LIFO): when the server
  // falls behind, the oldest waiters are the ones whose callers' deadlines are nearly spent, and
  // serving them first would make every request late (each times out after its slot). The
  // newest have the most time left; the oldest expire in the queue, which costs nothing.
  const queues: [Set<Queued>, Set<Queued>] = [new Set(), new Set()];

  const next = () => {
    while (stats.inFlight < maxInFlight) {
      const queue = queues[0].size > 0 ? queues[0] : queues[1];
      let newest: Queued | undefined;
      for (const entry of queue) newest = entry;
      if (newest === undefined) return;
      queue.delete(newest);
      stats.queued--;
      newest.start();
    }
  };

  const refusal = () =>
    new LeaseStoreError(
      'unavailable',
      `request refused: ${maxQueued} requests already wait for one of ${maxInFlight} slots (the API server is not keeping up)`,
    );

  return {
    maxInFlight,
    maxQueued,
    stats,
    run<T>(priority: RequestPriority, signal: AbortSignal, task: () => Promise<T>): Promise<T> {
      signal.throwIfAborted();
      const launch = (): Promise<T> => {
        stats.inFlight++;
        stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
        let promise: Promise<T>;
        try {
          promise = task();
        } catch (error) {
          promise = Promise.reject(error);
        }
        return promise.finally(() => {
          stats.inFlight--;
          next();
        });
      };
      if (stats.inFlight < maxInFlight && stats.queued === 0) return launch();
      if (stats.queued >= maxQueued) {
        // A renewal displaces the newest low-priority waiter rather than being refused.
        const victim = priority === 0 ? [...queues[1]].at(-1) : undefined;
        if (victim === undefined) {
          stats.refused++;
          return Promise.reject(refusal());
        }
        queues[1].delete(victim);
        stats.queued--;
        stats.refused++;
        victim.refuse(refusal());
      }
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
          if (queues[priority].delete(entry)) stats.queued--;
          reject(signal.reason);
        };
        const entry: Queued = {
          start: () => {
            signal.removeEventListener('abort', onAbort);
            launch().then(resolve, reject);
          },
          refuse: (error) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        };
        queues[priority].add(entry);
        stats.queued++;
        stats.peakQueued = Math.max(stats.peakQueued, stats.queued);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

const perConfig = new WeakMap<KubeConfig, RequestLimiter>();

/**
 * The process-wide limiter of one `KubeConfig` object (one cluster connection): every store
 * built from the same object shares it. Created with the defaults on first use.
 */
export function requestLimiterFor(kubeConfig: KubeConfig): RequestLimiter {
  let limiter = perConfig.get(kubeConfig);
  if (limiter === undefined) {
    limiter = createRequestLimiter();
    perConfig.set(kubeConfig, limiter);
  }
  return limiter;
}
