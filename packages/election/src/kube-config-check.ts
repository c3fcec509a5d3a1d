/**
 * Refuses a `KubeConfig` the library cannot drive, before anything runs.
 *
 * @remarks
 * The library makes its requests through `@kubernetes/client-node` 2.x, which asks the
 * `KubeConfig` for an undici dispatcher. A 1.x `KubeConfig` has no `createDispatcher`; handed
 * to the 2.x client it fails every request with "ctx.getDispatcher is not a function", so an
 * elector would never lead and say nothing. Duck typing, not `instanceof`: two copies of
 * client-node 2.x (the application's and ours) are both fine.
 *
 * @module
 */
import { ConfigError } from './core/errors.js';

/** The `@kubernetes/client-node` versions the library works with (its peer range). */
export const SUPPORTED_CLIENT_NODE = '^2.0.1';

/** Throws a {@link ConfigError} unless `kubeConfig` looks like a client-node 2.x `KubeConfig`. */
export function assertUsableKubeConfig(kubeConfig: unknown, option = 'kubeConfig'): void {
  const candidate = kubeConfig as { createDispatcher?: unknown; makeApiClient?: unknown } | null;
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.makeApiClient === 'function' &&
    typeof candidate.createDispatcher === 'function'
  ) {
    return;
  }
  const seen =
    typeof candidate === 'object' && candidate !== null && 'applyToFetchOptions' in candidate
      ? 'a KubeConfig from @kubernetes/client-node 1.x'
      : 'not a KubeConfig from @kubernetes/client-node 2.x';
  throw new ConfigError(
    option,
    `${seen}; leasehold works with @kubernetes/client-node ${SUPPORTED_CLIENT_NODE} (install a 2.x release and build the KubeConfig from it)`,
  );
}
