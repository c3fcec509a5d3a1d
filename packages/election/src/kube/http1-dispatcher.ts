/**
 * An HTTP/1.1-only copy of the dispatcher client-node builds.
 *
 * @remarks
 * client-node 2.0.1 uses undici 8, which negotiates HTTP/2 (ALPN) with a TLS API server by
 * default, so every request of a shared pool becomes a stream of one HTTP/2 session. Aborting
 * streams on that session under load (request timeouts, renew deadlines) is pathological:
 * a V8 tick profile of 1,000 electors against a kube-apiserver spent ≥ 60 % of its ticks under
 * undici's `client-h2` abort → Node's `Http2Stream.close` → `submitRstStream`, with `memcpy` and
 * `memset` the hottest native frames, while the event loop starved and RSS grew past 4 GB
 * (bench/analysis.md). Over HTTP/1.1 an aborted request costs one socket, which the request
 * limiter bounds. The copy keeps every option of the original (TLS material included) and
 * turns HTTP/2 off.
 *
 * @module
 */

/** Returns an HTTP/1.1-only equivalent of an undici `Agent`, or the dispatcher unchanged. */
export function http1Only<D extends object>(dispatcher: D): D {
  const symbol = Object.getOwnPropertySymbols(dispatcher).find((s) => s.description === 'options');
  const options = symbol ? (dispatcher as Record<symbol, unknown>)[symbol] : undefined;
  const Agent = dispatcher.constructor as new (options: object) => D;
  if (options === null || typeof options !== 'object' || Agent.name !== 'Agent') return dispatcher;
  return new Agent({ ...(options as object), allowH2: false });
}
