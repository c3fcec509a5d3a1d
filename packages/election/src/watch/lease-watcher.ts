/**
 * The watch loop: keeps one Lease's latest version flowing to the elector.
 *
 * @remarks
 * A small reflector. States: unsynced (list to learn the Lease and the collection version)
 * → watching from version V. A clean end of the stream resumes from the last version seen;
 * `gone` (410) drops the version and lists again, marking an absence that list finds as seen
 * across a gap (the history in it is lost) — at once the first time, with the same
 * jittered backoff as any failure when it repeats without a stream delivering in between (a
 * server that answers every watch with 410 would otherwise get a tight list loop; client-go's
 * reflector backs off the same way); any other failure is reported and retried with jittered
 * backoff, honouring a server's `Retry-After` up to {@link capRetryAfter}'s cap; a watchdog restarts a stream that has been silent too long (a stalled
 * connection looks exactly like a quiet Lease otherwise). A stale or interrupted view only
 * delays what the elector sees, which is the safe direction: a decision made on an old version
 * fails its write precondition.
 *
 * @module
 */

import { backoffDelay, DEFAULT_BACKOFF } from '../core/backoff.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { sleep } from '../core/clock.js';
import type { ElectionTiming } from '../core/config.js';
import { LeaseStoreError, toStoreError } from '../core/errors.js';
import type { StoredLease } from '../core/lease-record.js';
import type { LeaseStore } from '../core/lease-store.js';
import type { AbsenceNote } from '../core/lease-view.js';
import type { LogSink } from '../core/logger.js';
import { capRetryAfter } from '../core/retry-after.js';

/** What the watch loop reports. */
export interface LeaseWatcherSink {
  /**
   * The Lease as now known (`null` = it does not exist, at the version and in the way
   * `absence` says). Repeats are possible.
   */
  lease(lease: StoredLease | null, absence?: AbsenceNote): void;
  /** A list succeeded: the view is current. */
  synced(): void;
  /**
   * The watch lost its history (410) and lists again: changes in the gap are unknown. Called
   * before that list's `lease`.
   */
  gap?(): void;
  /** A list or watch failed; the loop retries on its own. */
  error(error: LeaseStoreError): void;
}

/** Options of {@link runLeaseWatcher}. */
export interface LeaseWatcherOptions {
  readonly store: LeaseStore;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly sink: LeaseWatcherSink;
  readonly logger: LogSink;
  readonly random: () => number;
  /** Restart a watch that delivered nothing for this long. */
  readonly idleTimeoutMs: number;
  /** Give up on a list that has not answered in this long, and retry. */
  readonly requestTimeoutMs?: number;
  /** The election's timing, which caps a server's `Retry-After` (see {@link capRetryAfter}). */
  readonly timing?: Pick<ElectionTiming, 'retryPeriodMs' | 'leaseDurationMs'>;
}

/** Runs until `signal` aborts; never rejects. */
export async function runLeaseWatcher(options: LeaseWatcherOptions): Promise<void> {
  const { store, clock, signal, sink, logger, random } = options;
  const policy = DEFAULT_BACKOFF;
  let version: string | undefined;
  let failures = 0;
  /** 410s since a stream last delivered or idled out: a server stuck answering 410. */
  let gones = 0;
  /** The next list follows a 410: the watch lost its history, and the list says so. */
  let afterGap = false;

  while (!signal.aborted) {
    try {
      if (version === undefined) {
        const listing = await withTimeout(options, (bounded) => store.list(bounded));
        if (signal.aborted) break;
        version = listing.resourceVersion;
        if (afterGap) sink.gap?.();
        sink.lease(
          listing.lease,
          listing.lease === null
            ? afterGap
              ? { resourceVersion: listing.resourceVersion, deletion: false, afterGap }
              : { resourceVersion: listing.resourceVersion, deletion: false }
            : undefined,
        );
        afterGap = false;
        sink.synced();
      }
      const outcome = await watchOnce(options, version, (next) => {
        version = next;
      });
      if (outcome !== 'empty') {
        failures = 0;
        gones = 0;
      } else if (!signal.aborted) {
        // A stream that ends without delivering anything, again and again, would otherwise
        // become a tight reconnect loop against a struggling server.
        failures++;
        await sleep(clock, backoffDelay(policy, failures, random), signal);
      }
    } catch (error) {
      if (signal.aborted) break;
      const storeError = toStoreError(error, `watch failed: ${String(error)}`);
      if (storeError.kind === 'gone') {
        logger.debug('watch history expired; listing again', { resourceVersion: version });
        version = undefined;
        afterGap = true;
        failures = 0;
        gones++;
        if (gones > 1) {
          await sleep(clock, backoffDelay(policy, gones - 1, random), signal).catch(() => {});
        }
        continue;
      }
      failures++;
      sink.error(storeError);
      const serverAsked = options.timing
        ? capRetryAfter(storeError.retryAfterMs, options.timing)
        : storeError.retryAfterMs;
      const delay = Math.max(serverAsked ?? 0, backoffDelay(policy, failures, random));
      logger.warn('lease watch failed; retrying', {
        kind: storeError.kind,
        error: storeError.message,
        retryInMs: Math.round(delay),
      });
      await sleep(clock, delay, signal).catch(() => {});
    }
  }
}

/**
 * One watch stream from `version`: `delivered` when it carried at least one event, `idle`
 * when the watchdog ended a quiet stream (a normal state of affairs: reconnect at once),
 * `empty` when the server ended it without sending anything.
 */
async function watchOnce(
  options: LeaseWatcherOptions,
  version: string,
  advance: (version: string) => void,
): Promise<'delivered' | 'idle' | 'empty'> {
  const { store, clock, signal, sink, logger, idleTimeoutMs } = options;
  const stream = new AbortController();
  const onAbort = () => stream.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let delivered = false;
  let idle = false;
  let watchdog: TimerHandle | undefined;
  const arm = () => {
    if (watchdog !== undefined) clock.clearTimeout(watchdog);
    watchdog = clock.setTimeout(() => {
      logger.debug('lease watch idle; reconnecting', { idleTimeoutMs });
      idle = true;
      stream.abort(new Error('watch idle timeout'));
    }, idleTimeoutMs);
  };
  arm();
  try {
    await store.watch({
      resourceVersion: version,
      signal: stream.signal,
      onEvent: (event) => {
        if (stream.signal.aborted) return;
        delivered = true;
        arm();
        switch (event.type) {
          case 'upsert':
            advance(event.lease.resourceVersion);
            sink.lease(event.lease);
            break;
          case 'deleted':
            advance(event.resourceVersion);
            sink.lease(null, { resourceVersion: event.resourceVersion, deletion: true });
            break;
          case 'bookmark':
            advance(event.resourceVersion);
            break;
          case 'malformed':
            logger.warn('ignoring malformed lease event', { error: event.error.message });
            break;
        }
      },
    });
    return delivered ? 'delivered' : idle ? 'idle' : 'empty';
  } finally {
    if (watchdog !== undefined) clock.clearTimeout(watchdog);
    signal.removeEventListener('abort', onAbort);
  }
}

/** Runs `call` with a signal that also aborts after `requestTimeoutMs` on the watcher's clock. */
async function withTimeout<T>(
  options: LeaseWatcherOptions,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { clock, signal, requestTimeoutMs } = options;
  if (requestTimeoutMs === undefined) return call(signal);
  const bounded = new AbortController();
  const onAbort = () => bounded.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = clock.setTimeout(
    () =>
      bounded.abort(
        new LeaseStoreError('unavailable', `list got no answer within ${requestTimeoutMs} ms`),
      ),
    requestTimeoutMs,
  );
  try {
    return await call(bounded.signal);
  } finally {
    clock.clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
