/**
 * Defaults for where to connect and which namespace a Lease lives in when the user did not say.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadDefaultKubeConfigSafely } from './kubeconfig.js';

/** Where Kubernetes mounts the namespace of a pod's service account. */
export const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** Options of {@link resolveNamespace}; the defaults read the real process environment. */
export interface ResolveNamespaceOptions {
  /** @defaultValue `process.env` */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @defaultValue {@link IN_CLUSTER_NAMESPACE_FILE} */
  readonly namespaceFile?: string;
  /**
   * When given, the namespace of its current context is used before the in-cluster file: the
   * namespace `kubectl` would use on a developer's machine. (Inside a pod, `loadFromCluster()`
   * sets it from the same file, so the answer does not change there.)
   */
  readonly kubeConfig?: KubeConfig;
}

/**
 * The namespace to elect in: `$POD_NAMESPACE` (set it from the downward API), else the current
 * kube-config context's namespace when a `kubeConfig` is given, else the service account's
 * namespace file when running in a pod, else `"default"`. Blank values are skipped.
 */
export function resolveNamespace(options: ResolveNamespaceOptions = {}): string {
  const env = options.env ?? process.env;
  const fromEnv = env.POD_NAMESPACE?.trim();
  if (fromEnv) return fromEnv;
  const kubeConfig = options.kubeConfig;
  if (kubeConfig) {
    const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext());
    const fromContext = context?.namespace?.trim();
    if (fromContext) return fromContext;
  }
  const fromFile = readTrimmed(options.namespaceFile ?? IN_CLUSTER_NAMESPACE_FILE);
  if (fromFile) return fromFile;
  return 'default';
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    // Not in a pod (or no service account mounted): fall through to the default.
    return undefined;
  }
}

/**
 * A `KubeConfig` loaded the way `kubectl` finds one: `$KUBECONFIG`, else `~/.kube/config`, else
 * the in-cluster service account.
 *
 * @remarks
 * client-node falls back to `http://localhost:8080` when it finds nothing at all; the first
 * request then fails with `unavailable` (connection refused), which the elector reports and
 * retries rather than claiming leadership.
 *
 * @throws `ConfigError` naming the file (and line and column of a YAML error) when a
 *   kubeconfig cannot be loaded; the message never quotes the file's content.
 */
export function loadDefaultKubeConfig(): KubeConfig {
  return loadDefaultKubeConfigSafely();
}
