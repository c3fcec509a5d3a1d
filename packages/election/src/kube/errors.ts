/**
 * The one place where Kubernetes API failures become {@link LeaseStoreError}s.
 *
 * @remarks
 * Failures reach the adapter in four shapes, all handled here:
 * - `ApiException` from the generated client: `.code` is the HTTP status, `.body` the **raw
 *   text** of the response (a `Status` object from the API server, or an HTML page from a
 *   proxy, or `undefined` for a 401), `.headers` the lower-cased response headers;
 * - an `Error` with `statusCode` from `Watch` when the watch request itself got a non-200;
 * - a `Status` object that arrived in band as a watch `ERROR` event;
 * - anything else: network errors (`fetch failed` with an `ECONNREFUSED`/`ECONNRESET` cause),
 *   timeouts, unparseable responses. These are all `unavailable`: the election logic retries
 *   them until its own deadline, never acting on them as an answer.
 *
 * A response whose body is present but is not a JSON `Status` did not come from the API
 * server (a load balancer's error page, a captive proxy), so it is `unavailable` whatever its
 * status code: only the API server's own answers are taken as authoritative.
 *
 * @module
 */
import { ApiException } from '@kubernetes/client-node';
import { LeaseStoreError, type LeaseStoreErrorKind, toStoreError } from '../core/errors.js';

/** What the adapter was doing, for messages: `replace lease ns/name`. */
export interface KubeOperation {
  /** Port method: `get`, `list`, `create`, `replace`, `watch`. */
  readonly method: string;
  readonly namespace: string;
  readonly name: string;
}

/** The fields of a `meta/v1 Status` that matter here. */
export interface KubeStatus {
  readonly code: number | undefined;
  readonly reason: string | undefined;
  readonly message: string | undefined;
  readonly retryAfterSeconds: number | undefined;
}

/** The RBAC verb behind each port method, for messages about 403s. */
const VERBS: Readonly<Record<string, string>> = {
  get: 'get',
  list: 'list',
  create: 'create',
  replace: 'update',
  watch: 'watch',
};

const describe = (op: KubeOperation) => `${op.method} lease ${op.namespace}/${op.name}`;

/**
 * Reads a `Status` from a raw body or an already-parsed object; `null` when it is not one.
 */
export function parseStatus(body: unknown): KubeStatus | null {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return null;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const status = value as Record<string, unknown>;
  // A Status always says so; anything else is some other JSON document (a proxy's error).
  if (status.kind !== 'Status') return null;
  const details = status.details as Record<string, unknown> | undefined;
  const retry = details?.retryAfterSeconds;
  return {
    code: typeof status.code === 'number' ? status.code : undefined,
    reason: typeof status.reason === 'string' ? status.reason : undefined,
    message: typeof status.message === 'string' ? status.message : undefined,
    retryAfterSeconds: typeof retry === 'number' && retry >= 0 ? retry : undefined,
  };
}

/**
 * Parses a `Retry-After` header (delta seconds or an HTTP date) into milliseconds.
 *
 * @param nowMs - wall-clock time for HTTP dates; only a difference is taken.
 */
export function parseRetryAfter(value: unknown, nowMs = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its month (RFC 9110 §5.6.7). Without that check V8's lenient Date.parse
  // would read "1.5" or "-3" as a day in 2001 and turn a malformed hint into "retry now".
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : undefined;
}

/** The kind for an HTTP status the API server itself answered with. */
export function kindForStatus(code: number, reason: string | undefined): LeaseStoreErrorKind {
  if (code === 409) return reason === 'AlreadyExists' ? 'already-exists' : 'conflict';
  if (code === 404) return 'not-found';
  if (code === 410) return 'gone';
  if (code === 401) return 'unauthorized';
  if (code === 403) return 'forbidden';
  if (code === 400 || code === 422) return 'invalid';
  // 408 Request Timeout and 429 Too Many Requests are the transient 4xx.
  if (code === 408 || code === 429 || code >= 500) return 'unavailable';
  // Any other 4xx is the server refusing this request as made; retrying it unchanged will not
  // help, which is what `invalid` tells the caller.
  if (code >= 400) return 'invalid';
  return 'unavailable';
}

/**
 * Maps an HTTP failure with an optional raw body to a {@link LeaseStoreError}.
 *
 * @param headers - response headers, lower-cased (as client-node delivers them).
 */
export function httpError(
  op: KubeOperation,
  code: number,
  body: unknown,
  headers: Readonly<Record<string, string>> | undefined,
  cause: unknown,
): LeaseStoreError {
  const hasBody = body !== undefined && body !== null && body !== '';
  const status = hasBody ? parseStatus(body) : null;
  if (hasBody && status === null) {
    return new LeaseStoreError(
      'unavailable',
      `${describe(op)}: HTTP ${code} with a body that is not a Kubernetes Status ` +
        `(${snippet(body)}); treating it as a proxy or transport failure`,
      { status: code, cause },
    );
  }
  const kind = kindForStatus(code, status?.reason);
  const retryAfterMs =
    parseRetryAfter(headers?.['retry-after']) ??
    (status?.retryAfterSeconds === undefined ? undefined : status.retryAfterSeconds * 1000);
  let detail = status?.message ?? `HTTP ${code}${status?.reason ? ` ${status.reason}` : ''}`;
  if (kind === 'forbidden' && status?.message === undefined) {
    detail = `not allowed to ${VERBS[op.method] ?? op.method} leases.coordination.k8s.io (${detail})`;
  }
  return new LeaseStoreError(kind, `${describe(op)}: ${kind}: ${detail}`, {
    status: code,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    cause,
  });
}

/** Maps an in-band watch `ERROR` event (a `Status`) to a {@link LeaseStoreError}. */
export function watchStatusError(op: KubeOperation, object: unknown): LeaseStoreError {
  const status = parseStatus(object);
  if (status === null || status.code === undefined) {
    // A Status without a code still says "Expired"/"Gone" when history is gone.
    const gone = status?.reason === 'Expired' || status?.reason === 'Gone';
    return new LeaseStoreError(
      gone ? 'gone' : 'unavailable',
      `${describe(op)}: watch ERROR event: ${status?.message ?? snippet(object)}`,
      { cause: object },
    );
  }
  return httpError(op, status.code, object, undefined, object);
}

/**
 * Maps anything thrown by a client-node call (or handed to a watch's `done`) to a
 * {@link LeaseStoreError}, keeping the original as `cause`. Idempotent.
 */
export function toLeaseStoreError(
  op: KubeOperation,
  error: unknown,
  rawBody?: string,
): LeaseStoreError {
  if (error instanceof LeaseStoreError) return error;
  if (error instanceof ApiException) {
    const exception = error as ApiException<unknown>;
    // client-node drops the body of a 401; the raw text captured by our middleware keeps it.
    const body = exception.body ?? rawBody;
    return httpError(op, exception.code, body, exception.headers, error);
  }
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number') {
    return httpError(op, statusCode, undefined, undefined, error);
  }
  // Not an answer from the API server: the one unknown-to-unavailable fallback, in core.
  return toStoreError(error, `${describe(op)}: ${transportReason(error)}`);
}

/** A short reason for a transport failure: the error code of the socket when there is one. */
function transportReason(error: unknown): string {
  if (!(error instanceof Error)) return `failed: ${String(error)}`;
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const code =
    (error as { code?: unknown }).code ?? (typeof cause === 'object' ? cause?.code : undefined);
  const causeMessage = typeof cause?.message === 'string' ? ` (${cause.message})` : '';
  return typeof code === 'string'
    ? `${error.message}: ${code}${causeMessage}`
    : `${error.message}${causeMessage}`;
}

function snippet(body: unknown): string {
  const text = typeof body === 'string' ? body : safeJson(body);
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
