/**
 * Maps a request path to what it names, and a method (plus `?watch`) to a verb, following
 * upstream's request-info rules: namespaced and cluster-wide collections, items, and the
 * deprecated `/watch/` prefix.
 */
import { flag } from './request.js';
import { type ApiError, genericResponse } from './status.js';
import { GROUP, RESOURCE, VERSION, type Verb } from './types.js';

/** What a path names. */
export type Route =
  | {
      readonly kind: 'leases';
      readonly namespace: string | undefined;
      readonly name: string | undefined;
      readonly watchPath: boolean;
    }
  | { readonly kind: 'namespaces'; readonly name: string | undefined }
  | { readonly kind: 'other' };

const PREFIX = ['apis', GROUP, VERSION];

function segmentsOf(pathname: string): string[] | undefined {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/** Routes a path. Anything that is not a Lease or Namespace path is `other`. */
export function route(pathname: string): Route {
  const segments = segmentsOf(pathname);
  if (segments === undefined) return { kind: 'other' };
  if (
    segments[0] === 'api' &&
    segments[1] === 'v1' &&
    segments[2] === 'namespaces' &&
    segments.length <= 4
  ) {
    return { kind: 'namespaces', name: segments[3] };
  }
  if (!PREFIX.every((p, i) => segments[i] === p)) return { kind: 'other' };
  let rest = segments.slice(PREFIX.length);
  const watchPath = rest[0] === 'watch';
  if (watchPath) rest = rest.slice(1);
  if (rest.length === 1 && rest[0] === RESOURCE)
    return { kind: 'leases', namespace: undefined, name: undefined, watchPath };
  if (
    rest[0] === 'namespaces' &&
    rest[2] === RESOURCE &&
    rest.length >= 3 &&
    rest.length <= 4 &&
    rest[1] !== undefined
  ) {
    return { kind: 'leases', namespace: rest[1], name: rest[3], watchPath };
  }
  return { kind: 'other' };
}

/** The verb of a Lease request, or a 405 where upstream has no route for the method. */
export function verbOf(
  method: string,
  lease: Extract<Route, { kind: 'leases' }>,
  query: URLSearchParams,
): Verb {
  const watching = lease.watchPath || flag(query, 'watch');
  // Built only when thrown: an Error captures a stack, which is not free on every request.
  const notAllowed = (): ApiError => genericResponse(405);
  if (lease.watchPath && method !== 'GET') throw notAllowed();
  const item = lease.name !== undefined;
  switch (method) {
    case 'GET':
      // Upstream routes `?watch` on an item path as a plain get; only /watch/ paths watch one.
      if (item) return lease.watchPath ? 'watch' : 'get';
      return watching ? 'watch' : 'list';
    case 'POST':
      if (item || lease.namespace === undefined) throw notAllowed();
      return 'create';
    case 'PUT':
      if (!item) throw notAllowed();
      return 'update';
    case 'PATCH':
      if (!item) throw notAllowed();
      return 'patch';
    case 'DELETE':
      if (!item && lease.namespace === undefined) throw notAllowed();
      return item ? 'delete' : 'deletecollection';
    default:
      throw notAllowed();
  }
}
