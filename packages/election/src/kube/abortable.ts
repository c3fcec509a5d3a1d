/**
 * Settling a promise early when a signal aborts.
 *
 * @module
 */

/**
 * Resolves or rejects like `promise`, or rejects with `signal.reason` as soon as `signal`
 * aborts, whichever comes first.
 *
 * @remarks
 * Used where client-node offers no cancellation (authentication, exec plugins included): the
 * work itself may go on, but the caller is released at once. The listener is removed when
 * either side settles, and `promise` always has a handler, so a late rejection is never
 * reported as unhandled.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
