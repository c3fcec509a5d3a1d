/**
 * A watch response for the small resource APIs (Events, LeaseCandidates): newline-delimited
 * JSON watch events, ended by the client's abort. Leases have their own, richer watch
 * (bookmarks, timeouts, 410) in watch.ts.
 *
 * @module
 */
import { streamResponse } from './request.js';

/** Sends one watch event (`{ type, object }`) to the client. */
export type WatchSend = (type: string, object: unknown) => void;

/**
 * Streams what `subscribe` sends until the request is aborted or the client cancels.
 * `subscribe` replays what the client asked for and registers for later changes; it returns
 * the function that unregisters.
 */
export function jsonWatchResponse(
  request: Request,
  subscribe: (send: WatchSend) => () => void,
): Response {
  const encoder = new TextEncoder();
  let unsubscribe: (() => void) | undefined;
  const stop = () => {
    unsubscribe?.();
    unsubscribe = undefined;
  };
  const stream = new ReadableStream<Uint8Array>({
    start: (controller) => {
      unsubscribe = subscribe((type, object) =>
        controller.enqueue(encoder.encode(`${JSON.stringify({ type, object })}\n`)),
      );
      request.signal.addEventListener(
        'abort',
        () => {
          stop();
          try {
            controller.close();
          } catch {
            // already closed
          }
        },
        { once: true },
      );
    },
    cancel: stop,
  });
  return streamResponse(stream);
}
