/**
 * What a group of Lease stores on one cluster share: the API server's address, one connection
 * pool (so a thousand electors use a handful of keep-alive sockets, not one pool each) and one
 * request limiter.
 *
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ConnectionPool } from './connection-pool.js';
import { CredentialSource } from './credentials.js';
import { type ApiServer, apiServerOf } from './request.js';
import { type RequestLimiter, requestLimiterFor } from './request-limiter.js';

/** See the module documentation. */
export interface SharedConnection {
  readonly server: ApiServer;
  readonly pool: ConnectionPool;
  /** One authentication for the group (bounded, token files re-read; see credentials.ts). */
  readonly credentials: CredentialSource;
  readonly limiter: RequestLimiter;
}

/** A shared connection for `kubeConfig`; the limiter is the process-wide one of that object unless given. */
export function createSharedConnection(
  kubeConfig: KubeConfig,
  limiter: RequestLimiter = requestLimiterFor(kubeConfig),
): SharedConnection {
  return {
    server: apiServerOf(kubeConfig),
    pool: new ConnectionPool(),
    credentials: new CredentialSource(kubeConfig),
    limiter,
  };
}
