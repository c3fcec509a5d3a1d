/**
 * Which requests a fault applies to, and the error that stands for a dropped connection.
 */
import type { Verb } from './types.js';

/** Selects the requests (or open watches) a fault applies to; omitted fields match anything. */
export interface RequestMatch {
  readonly verb?: Verb | readonly Verb[];
  readonly namespace?: string;
  /** The Lease name, from the path, a `metadata.name=` field selector, or a create's body. */
  readonly name?: string;
}

/** What the server knows of a request when it applies faults. */
export interface RequestInfo {
  readonly verb: Verb;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

/** Whether a request matches; exported for the watch hub. */
export function matches(match: RequestMatch | undefined, info: RequestInfo): boolean {
  if (match === undefined) return true;
  const verbs = match.verb === undefined ? undefined : ([] as Verb[]).concat(match.verb);
  if (verbs !== undefined && !verbs.includes(info.verb)) return false;
  if (match.namespace !== undefined && match.namespace !== info.namespace) return false;
  return match.name === undefined || match.name === info.name;
}

/** Thrown (or used to error a watch stream) when the server drops a connection without answering. */
export class ConnectionDroppedError extends Error {
  override readonly name = 'ConnectionDroppedError';
  constructor() {
    super('connection dropped by an injected fault');
  }
}
