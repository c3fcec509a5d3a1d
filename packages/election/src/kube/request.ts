/**
 * One request through the generated client, with cancellation, a timeout and the raw JSON on
 * both sides of the wire.
 *
 * @remarks
 * The generated `CoordinationV1Api` takes no `AbortSignal`; a per-call middleware passes one
 * to `fetch` with `ctx.setSignal()`. The same middleware does two more things, for fidelity:
 *
 * - **Request body.** client-node's `ObjectSerializer` rebuilds the body from its own model of
 *   a `V1Lease` (API release 1.36), silently dropping every field it does not know. A server
 *   newer than the client may have spec fields we must not wipe, so the body is replaced with
 *   the JSON of the object exactly as the caller built it. MicroTime strings therefore go out
 *   verbatim; a `V1MicroTime` prints six digits; a plain `Date` prints three and the server
 *   refuses it (400), which is the behaviour of the real API either way.
 * - **Response body.** The deserializer likewise drops unknown fields and turns
 *   `creationTimestamp` into a `Date`. The raw text is kept so that reads are parsed from
 *   exactly what the server sent, as watch events are.
 *
 * @module
 */
import {
  type ConfigurationOptions,
  Observable,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { LeaseStoreError } from '../core/errors.js';
import { type KubeOperation, toLeaseStoreError } from './errors.js';
import { http1Only } from './http1-dispatcher.js';

/** Everything {@link sendRequest} needs besides the call itself. */
/** The dispatcher (an undici Agent carrying the cluster's TLS settings) client-node builds. */
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * One store's connection pool. client-node 2.0 builds a new dispatcher for every request, so
 * every renewal would pay a TCP and TLS handshake; the store keeps the first one and hands it
 * to later requests, whose connections undici keeps alive. It is replaced every
 * {@link DISPATCHER_MAX_AGE_MS}, so rotated client certificates are picked up.
 */
export interface ConnectionPool {
  dispatcher: Dispatcher | undefined;
  since: number;
}

const DISPATCHER_MAX_AGE_MS = 10 * 60_000;

/** An empty pool, for one store. */
export function createConnectionPool(): ConnectionPool {
  return { dispatcher: undefined, since: 0 };
}

export interface RequestSettings {
  readonly op: KubeOperation;
  /** Reuse connections across this store's requests. */
  readonly pool?: ConnectionPool;
  /** The caller's signal: aborting it cancels the request and rejects with its reason. */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** When set, sent verbatim as the JSON body instead of client-node's serialization. */
  readonly body?: unknown;
}

/**
 * Runs one API call and returns the response body parsed from its raw text.
 *
 * @returns the parsed JSON of the response (not client-node's deserialized model).
 * @throws the caller's `signal.reason` when the caller aborted (the standard `AbortSignal`
 *   contract, so an aborted state machine sees its own reason);
 *   a `LeaseStoreError('unavailable')` when `timeoutMs` passed first;
 *   otherwise the {@link toLeaseStoreError} mapping of whatever failed.
 */
export async function sendRequest(
  settings: RequestSettings,
  call: (options: ConfigurationOptions) => Promise<unknown>,
): Promise<unknown> {
  const { op, signal, timeoutMs } = settings;
  signal.throwIfAborted();
  const timeout = new AbortController();
  const timer = setTimeout(() => {
    timeout.abort(new DOMException(`request timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  // The request itself keeps the process alive while it matters; the timer must not.
  timer.unref();
  let raw: string | undefined;
  const middleware: ObservableMiddleware = {
    pre(ctx: RequestContext) {
      ctx.setSignal(AbortSignal.any([signal, timeout.signal]));
      const pool = settings.pool;
      if (pool) {
        const now = performance.now();
        if (pool.dispatcher && now - pool.since < DISPATCHER_MAX_AGE_MS) {
          ctx.setDispatcher(pool.dispatcher);
        } else {
          const built = ctx.getDispatcher();
          pool.dispatcher = built && http1Only(built);
          pool.since = now;
          if (pool.dispatcher) ctx.setDispatcher(pool.dispatcher);
        }
      }
      if (settings.body !== undefined) ctx.setBody(JSON.stringify(settings.body));
      return new Observable(Promise.resolve(ctx));
    },
    post(ctx: ResponseContext) {
      return new Observable(
        ctx.body.text().then((text) => {
          raw = text;
          // The body of a fetch response can be read once; hand the generated code a copy.
          ctx.body = {
            text: () => Promise.resolve(text),
            binary: () => Promise.resolve(Buffer.from(text)),
            stream: () => null,
          };
          return ctx;
        }),
      );
    },
  };
  try {
    await call({ middleware: [middleware], middlewareMergeStrategy: 'append' });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (timeout.signal.aborted) {
      throw new LeaseStoreError(
        'unavailable',
        `${op.method} lease ${op.namespace}/${op.name}: no response within ${timeoutMs} ms`,
        { cause: error },
      );
    }
    throw toLeaseStoreError(op, error, raw);
  } finally {
    clearTimeout(timer);
  }
  return parseRaw(op, raw);
}

function parseRaw(op: KubeOperation, raw: string | undefined): unknown {
  try {
    if (raw === undefined) throw new Error('no response body was captured');
    return JSON.parse(raw);
  } catch (error) {
    throw new LeaseStoreError(
      'unavailable',
      `${op.method} lease ${op.namespace}/${op.name}: the response is not JSON`,
      { cause: error },
    );
  }
}
