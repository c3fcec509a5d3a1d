/**
 * `Status` bodies and the {@link ApiError} that carries them. Messages, reasons and `details`
 * follow `k8s.io/apimachinery/pkg/api/errors` word for word, because clients (and people) match
 * on them.
 */
import { GROUP, QUALIFIED_RESOURCE, RESOURCE, type Status, type StatusDetails } from './types.js';

/** A failure answered with a `Status` body. Thrown by handlers, caught by the API core. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The body to send. */
  readonly status: Status;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: Status, headers: Record<string, string> = {}) {
    super(status.message);
    this.status = status;
    this.headers = headers;
  }

  /** The HTTP status code. */
  get code(): number {
    return this.status.code ?? 500;
  }
}

/** Builds a `Status` with the real server's field order. */
export function failureStatus(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    // Upstream's StatusReasonUnknown is "", which omitempty drops.
    ...(reason === '' ? {} : { reason }),
    ...(details === undefined ? {} : { details }),
    code,
  };
}

function fail(code: number, reason: string, message: string, details?: StatusDetails): ApiError {
  return new ApiError(failureStatus(code, reason, message, details));
}

const leaseDetails = (name: string): StatusDetails => ({ name, group: GROUP, kind: RESOURCE });

/** The `OptimisticLockErrorMsg` of the generic registry. */
export const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** 404 for a Lease. */
export function notFound(name: string): ApiError {
  return fail(404, 'NotFound', `${QUALIFIED_RESOURCE} "${name}" not found`, leaseDetails(name));
}

/** 404 for a path that names nothing (the real server's catch-all body). */
export function pathNotFound(): ApiError {
  return fail(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 404 for a namespace that cannot exist (not a DNS label). */
export function namespaceNotFound(name: string): ApiError {
  return fail(404, 'NotFound', `namespaces "${name}" not found`, { name, kind: 'namespaces' });
}

/** 409 AlreadyExists on create. */
export function alreadyExists(name: string): ApiError {
  return fail(
    409,
    'AlreadyExists',
    `${QUALIFIED_RESOURCE} "${name}" already exists`,
    leaseDetails(name),
  );
}

/** 409 Conflict; `cause` defaults to the optimistic-lock message. */
export function conflict(
  name: string,
  cause: string = OPTIMISTIC_LOCK_MESSAGE,
  qualified: string = QUALIFIED_RESOURCE,
  kind: string = RESOURCE,
): ApiError {
  return fail(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified} "${name}": ${cause}`,
    {
      name,
      group: GROUP,
      kind,
    },
  );
}

/** 400 BadRequest (no details, like upstream's `NewBadRequest`). */
export function badRequest(message: string): ApiError {
  return fail(400, 'BadRequest', message);
}

/**
 * A non-2xx answer built like upstream's `NewGenericServerResponse` without an unexpected
 * response: a canned message per code and empty details. (Upstream drops the underlying text —
 * e.g. which JSON Patch test failed — and so does this server.)
 */
export function genericResponse(code: 405 | 422): ApiError {
  const canned = {
    405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
    422: ['Invalid', 'the server rejected our request due to an error in our request'],
  } as const;
  const [reason, message] = canned[code];
  return fail(code, reason, message, {});
}

/** 406 when no acceptable media type can be produced. */
export function notAcceptable(): ApiError {
  return fail(
    406,
    'NotAcceptable',
    'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
  );
}

/** 415 for a body whose Content-Type the endpoint cannot decode. */
export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return fail(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

/** 413 for a body over the limit. */
export function requestEntityTooLarge(limit: number): ApiError {
  return fail(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

/** 401 when the bearer token is missing or wrong. */
export function unauthorized(): ApiError {
  return fail(401, 'Unauthorized', 'Unauthorized');
}

/** 403, worded like the RBAC authorizer's denial. */
export function forbidden(
  verb: string,
  name: string | undefined,
  namespace: string | undefined,
): ApiError {
  const subject = name === undefined ? QUALIFIED_RESOURCE : `${QUALIFIED_RESOURCE} "${name}"`;
  const scope =
    namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`;
  return fail(
    403,
    'Forbidden',
    `${subject} is forbidden: User "system:anonymous" cannot ${verb} resource "${RESOURCE}" in API group "${GROUP}" ${scope}`,
    { ...(name === undefined ? {} : { name }), group: GROUP, kind: RESOURCE },
  );
}

/** 410 Expired (`too old resource version`, compacted continue tokens). */
export function expired(message: string): ApiError {
  return fail(410, 'Expired', message);
}

/** A 500 for an error upstream never converted to a Status (reason left empty). */
export function unknownError(message: string): ApiError {
  return fail(500, '', message);
}

/** 500 InternalError. */
export function internalError(cause: string): ApiError {
  return fail(500, 'InternalError', `Internal error occurred: ${cause}`, {
    causes: [{ message: cause }],
  });
}

/** 503 ServiceUnavailable. */
export function serviceUnavailable(
  message = 'the server is currently unable to handle the request',
): ApiError {
  return fail(503, 'ServiceUnavailable', message);
}

/** 429 TooManyRequests with a `Retry-After` header, as API Priority and Fairness answers. */
export function tooManyRequests(retryAfterSeconds: number): ApiError {
  return new ApiError(
    failureStatus(429, 'TooManyRequests', 'Too many requests, please try again later.', {
      retryAfterSeconds,
    }),
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

/** 504 Timeout, as `NewTimeoutError` (the message gets a `Timeout: ` prefix). */
export function timeout(
  message: string,
  retryAfterSeconds = 1,
  causes?: StatusDetails['causes'],
): ApiError {
  return fail(504, 'Timeout', `Timeout: ${message}`, {
    ...(causes === undefined ? {} : { causes }),
    retryAfterSeconds,
  });
}

/** The 504 of a read at a resourceVersion the store has not reached. */
export function tooLargeResourceVersion(requested: number, current: number): ApiError {
  return timeout(`Too large resource version: ${requested}, current: ${current}`, 1, [
    { reason: 'ResourceVersionTooLarge', message: 'Too large resource version' },
  ]);
}
