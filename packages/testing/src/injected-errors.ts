/**
 * The Status each `failNext` code answers with, worded as the real server words that failure.
 */
import type { RequestInfo, RequestMatch } from './request-match.js';
import {
  type ApiError,
  conflict,
  forbidden,
  genericResponse,
  internalError,
  notFound,
  serviceUnavailable,
  timeout,
  tooManyRequests,
  unauthorized,
} from './status.js';

/** The status codes `failNext` can answer with. */
export type InjectedStatus = 401 | 403 | 404 | 409 | 422 | 429 | 500 | 503 | 504;

/** Options of {@link Faults.failNext}. */
export interface ServerFailNextOptions {
  readonly status: InjectedStatus;
  /** How many matching requests fail. @defaultValue 1 */
  readonly count?: number;
  readonly match?: RequestMatch;
  /** For 429: the `Retry-After` header and `details.retryAfterSeconds`. @defaultValue 1 */
  readonly retryAfterSeconds?: number;
}

export function injectedError(options: ServerFailNextOptions, info: RequestInfo): ApiError {
  const name = info.name ?? '';
  switch (options.status) {
    case 401:
      return unauthorized();
    case 403:
      return forbidden(info.verb, info.name, info.namespace);
    case 404:
      return notFound(name);
    case 409:
      return conflict(name);
    case 422:
      return genericResponse(422);
    case 429:
      return tooManyRequests(options.retryAfterSeconds ?? 1);
    case 500:
      return internalError('injected fault');
    case 503:
      return serviceUnavailable();
    case 504:
      return timeout(
        'the server was unable to return a response in the time allotted, but may still be processing the request',
      );
  }
}
