/**
 * The one clock everything in leasehold reads.
 *
 * @remarks
 * Election timing is measured only on a local monotonic clock: a remote timestamp is never
 * compared with local time, so clock offset between nodes cannot matter (only rate can). The
 * wall clock is read for one purpose: stamping `acquireTime`/`renewTime` on the Lease, which
 * are informational for humans and other clients.
 *
 * The same clock object is handed to the XState actor (its `setTimeout`/`clearTimeout` drive
 * `after` delays), to the watch loop and to every timer the elector arms, so a test can swap
 * it for a manual clock and drive the whole elector deterministically.
 *
 * @module
 */

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** Time source and timer facility, injected everywhere time matters. */
export interface Clock {
  /** Monotonic milliseconds; never goes backwards; only differences are meaningful. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch; written to the Lease, never compared. */
  wallNow(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Longest delay `setTimeout` honours; longer delays must be re-armed. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The process clock: `performance.now()` for monotonic time, `Date.now()` for the wall. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (callback, delayMs) => {
    const handle = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS));
    // Election timers must never keep a process alive on their own: the watch socket or the
    // user's work does that while there is something to do.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Resolves after `delayMs` on `clock`, or rejects with the signal's reason when aborted.
 */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
