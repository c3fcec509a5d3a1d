/**
 * Where a fleet's Lease lives: the embedded server (default), or a cluster the user names.
 *
 * @module
 */
import { join } from 'node:path';
import { resolveNamespace } from '@leasehold/election';
import type { LeaseServer } from '@leasehold/testing';
import { loadKubeConfig } from '../election-options.js';

/** An API server to hold the Lease, and how candidates reach it. */
export interface LeaseTarget {
  /** Where the API server listens. */
  readonly url: string;
  readonly kubeconfigPath: string;
  readonly namespace: string;
  /** The embedded server (its faults and stats), or `null` for a user's cluster. */
  readonly server: LeaseServer | null;
  /** Stops what the harness started (nothing for a user's cluster). */
  close(): Promise<void>;
}

/**
 * Starts the embedded Lease server, with the Lease `leaseName` pre-created (empty spec, no
 * holder, as a deployment's manifest leaves it: the first candidate takes it at once, where an
 * absent Lease is waited out for a lease duration), and writes a kubeconfig into `dir`.
 */
export async function embeddedTarget(dir: string, leaseName: string): Promise<LeaseTarget> {
  // Loaded here: a demo against a real cluster does not need the embedded server.
  const { startLeaseServer } = await import('@leasehold/testing');
  const server = await startLeaseServer({ leases: [{ name: leaseName }] });
  try {
    const kubeconfigPath = join(dir, 'kubeconfig.yaml');
    await server.writeKubeconfig(kubeconfigPath);
    return {
      url: server.url,
      kubeconfigPath,
      namespace: 'default',
      server,
      close: () => server.close(),
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** A cluster named by a kubeconfig: the fleet only creates and updates one Lease there. */
export function externalTarget(kubeconfigPath: string): LeaseTarget {
  const kubeConfig = loadKubeConfig('demo', kubeconfigPath);
  return {
    url: kubeConfig.getCurrentCluster()?.server ?? '(unknown server)',
    kubeconfigPath,
    namespace: resolveNamespace({ kubeConfig }),
    server: null,
    close: async () => {},
  };
}
