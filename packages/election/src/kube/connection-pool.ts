/**
 * One store's connection pool, kept across requests and replaced when the credentials change.
 *
 * @remarks
 * client-node 2.0 builds a new undici dispatcher for every request, so every renewal would
 * pay a TCP and TLS handshake. The pool keeps one dispatcher and hands it to later requests,
 * whose connections undici keeps alive. The dispatcher carries the TLS material it was built
 * from (CA, client certificate and key): when a request's authentication produced different
 * material (an exec plugin's short-lived client certificate was renewed, a rotated CA or
 * certificate file), the pool adopts that request's fresh dispatcher and closes the old one,
 * which lets its in-flight requests finish first. For a plain-HTTP cluster (no TLS material,
 * where client-node builds no dispatcher) the pool builds its own keep-alive agent.
 *
 * @module
 */
import type { RequestContext } from '@kubernetes/client-node';
import { Agent } from 'undici';
import { http1Only } from './http1-dispatcher.js';

/** The dispatcher (an undici Agent carrying the cluster's TLS settings) client-node builds. */
export type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/** See the module remarks. */
export class ConnectionPool {
  #dispatcher: Dispatcher | undefined;
  #material: string | undefined;

  /**
   * The dispatcher to send a request with, given the one its authentication just built from
   * `material` (a digest of the TLS material; see kube/credentials.ts).
   */
  dispatcherFor(fresh: Dispatcher | undefined, material: string): Dispatcher {
    if (this.#dispatcher !== undefined && this.#material === material) return this.#dispatcher;
    const old = this.#dispatcher;
    // HTTP/1.1 only: aborting many HTTP/2 streams of one session under load starved the event
    // loop and grew memory without bound (see kube/http1-dispatcher.ts).
    const dispatcher = fresh === undefined ? plainAgent() : http1Only(fresh);
    this.#dispatcher = dispatcher;
    this.#material = material;
    // close() waits for the old dispatcher's requests; a failure there is of no interest.
    old?.close().catch(() => {});
    return dispatcher;
  }
}

/** A keep-alive agent with client-node's socket settings, for a cluster without TLS material. */
function plainAgent(): Dispatcher {
  // keepAliveInitialDelay as client-node (and client-go) use: below cloud balancers' 60 s.
  return new Agent({
    allowH2: false,
    connect: { keepAlive: true, keepAliveInitialDelay: 30_000 },
  }) as unknown as Dispatcher;
}
