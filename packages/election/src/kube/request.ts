/**
 * One request through the generated client, with cancellation, a timeout and the raw JSON on
 * both sides of the wire.
 *
 * @remarks
 * The generated `CoordinationV1Api` takes no `AbortSignal`; a per-call middleware passes one
 * to `fetch` with `ctx.setSignal()`. Authentication runs before any middleware, so it goes
 * through a per-call auth method instead (kube/credentials.ts, bounded by the same signal) and
 * the whole call is raced against that signal: nothing, exec plugins included, holds a call
 * past `timeoutMs` or the caller's abort. The same middleware does two more things, for
 * fidelity:
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
 * Neither of client-node's models is used, so neither is built: callers pass
 * {@link SENT_VERBATIM} as the generated method's body (its serializer walks that instead of
 * the Lease), and a successful response reaches the generated code as `{}` (its deserializer
 * has nothing to walk; the call's own result is never read). With a thousand electors
 * renewing, that walk, the second parse and the garbage they make were a measurable share
 * of the process's CPU (bench/analysis.md). Error responses reach it unchanged: its
 * `ApiException` carries their body.
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
import { abortable } from './abortable.js';
import type { ConnectionPool } from './connection-pool.js';
import { applyHeaders, type CredentialSource } from './credentials.js';
import { type KubeOperation, toLeaseStoreError } from './errors.js';

/**
 * The body to give a generated write method when the real one goes in
 * {@link RequestSettings.body}: the method requires one, and the request's middleware
 * replaces whatever it serialized with the JSON of `body`.
 */
export const SENT_VERBATIM: never = Object.freeze({}) as never;

/** Everything {@link sendRequest} needs besides the call itself. */
export interface RequestSettings {
  readonly op: KubeOperation;
  /** This store's authentication; see kube/credentials.ts. */
  readonly credentials: CredentialSource;
  /** Reuse connections across this store's requests. */
  readonly pool: ConnectionPool;
  /** The caller's signal: aborting it cancels the request and rejects with its reason. */
  readonly signal: AbortSignal;
  /** Bound on the whole call, authentication included. */
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
  const bound = AbortSignal.any([signal, timeout.signal]);
  try {
    // One repeat after a 401, when the token file now holds another token (it was rotated
    // and the old token revoked between our read and the server's check).
    for (let attempt = 0; ; attempt++) {
      const exchange = exchangeOnce(settings, bound);
      try {
        // The race covers what the signal given to fetch does not: authentication.
        await abortable(call(exchange.options), bound);
        return parseRaw(op, exchange.raw());
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (timeout.signal.aborted) {
          throw new LeaseStoreError(
            'unavailable',
            `${op.method} lease ${op.namespace}/${op.name}: no response within ${timeoutMs} ms`,
            { cause: error },
          );
        }
        const mapped = toLeaseStoreError(op, error, exchange.raw());
        if (
          mapped.kind !== 'unauthorized' ||
          attempt > 0 ||
          !(await settings.credentials.tokenChangedSince(exchange.authorization()))
        ) {
          throw mapped;
        }
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

/** The per-call options of one HTTP exchange, and what it recorded. */
interface Exchange {
  readonly options: ConfigurationOptions;
  /** The raw response text, once the response arrived. */
  raw(): string | undefined;
  /** The `Authorization` header the request went out with. */
  authorization(): string | undefined;
}

function exchangeOnce(settings: RequestSettings, bound: AbortSignal): Exchange {
  let raw: string | undefined;
  let authorization: string | undefined;
  const middleware: ObservableMiddleware = {
    pre(ctx: RequestContext) {
      ctx.setSignal(bound);
      if (settings.body !== undefined) ctx.setBody(JSON.stringify(settings.body));
      return new Observable(Promise.resolve(ctx));
    },
    post(ctx: ResponseContext) {
      return new Observable(
        ctx.body.text().then((text) => {
          raw = text;
          // The body of a fetch response can be read once; hand the generated code a copy, or
          // on success an empty object (see the module documentation).
          const given = ctx.httpStatusCode >= 200 && ctx.httpStatusCode < 300 ? '{}' : text;
          ctx.body = {
            text: () => Promise.resolve(given),
            binary: () => Promise.resolve(Buffer.from(given)),
            stream: () => null,
          };
          return ctx;
        }),
      );
    },
  };
  const auth = {
    getName: () => 'leasehold bounded kubeconfig authentication',
    async applySecurityAuthentication(ctx: RequestContext) {
      const credentials = await settings.credentials.credentials(bound);
      applyHeaders(ctx, credentials);
      authorization = credentials.headers.Authorization;
      const dispatcher = settings.pool.dispatcherFor(credentials.dispatcher, credentials.material);
      if (dispatcher !== undefined) ctx.setDispatcher(dispatcher);
    },
  };
  return {
    options: {
      middleware: [middleware],
      middlewareMergeStrategy: 'append',
      // Replaces the API client's own (the KubeConfig itself) for this call.
      authMethods: { default: auth },
    },
    raw: () => raw,
    authorization: () => authorization,
  };
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
