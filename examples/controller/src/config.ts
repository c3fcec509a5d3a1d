// The controller's settings, from the environment a Deployment gives it.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

export interface ControllerConfig {
  /** The Lease the replicas compete for. */
  readonly leaseName: string;
  /** From the downward API (POD_NAMESPACE); the elector falls back to the service account's. */
  readonly namespace: string | undefined;
  /** Unique per process incarnation: the pod name plus a random suffix (a restarted container keeps its pod name). */
  readonly identity: string;
  /** Port of /livez, /readyz and /metrics. */
  readonly port: number;
  /** Interval between two reconcile passes while leading. */
  readonly reconcileEveryMs: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ControllerConfig {
  const port = Number(env.PORT ?? 8080);
  const reconcileEveryMs = Number(env.RECONCILE_EVERY_MS ?? 5_000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`PORT: not a port: ${env.PORT}`);
  if (!(reconcileEveryMs > 0))
    throw new Error(`RECONCILE_EVERY_MS: not a positive number: ${env.RECONCILE_EVERY_MS}`);
  return {
    leaseName: env.LEASE_NAME ?? 'example-controller',
    namespace: env.POD_NAMESPACE || undefined,
    identity: `${env.POD_NAME ?? hostname()}_${randomUUID().slice(0, 8)}`,
    port,
    reconcileEveryMs,
  };
}
