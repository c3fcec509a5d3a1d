/**
 * Kubeconfig for a running server: as a document (what `kubectl --kubeconfig` reads) and as a
 * `KubeConfig` of `@kubernetes/client-node`. A plain-`http` server needs
 * `insecure-skip-tls-verify`, or client-node refuses it.
 */
import { open } from 'node:fs/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { dump } from 'js-yaml';

/** What a kubeconfig for this server holds. */
export interface KubeconfigParams {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly server: string;
  /** Bearer token, when the server requires one. */
  readonly token?: string;
  /** Namespace of the context. */
  readonly namespace: string;
  /** Name of the cluster, user and context entries. @defaultValue `leasehold` */
  readonly name?: string;
}

/** The kubeconfig as a `v1` Config document. */
export function kubeconfigDocument(params: KubeconfigParams): Record<string, unknown> {
  const name = params.name ?? 'leasehold';
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: params.server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: params.token === undefined ? {} : { token: params.token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: params.namespace } }],
    'current-context': name,
    preferences: {},
  };
}

/**
 * Writes the kubeconfig as YAML, readable by the owner only (it may hold a token) — also when
 * the file exists with a wider mode: that is narrowed before the new content is written.
 */
export async function writeKubeconfigFile(path: string, params: KubeconfigParams): Promise<void> {
  const file = await open(path, 'w', 0o600);
  try {
    await file.chmod(0o600);
    await file.writeFile(dump(kubeconfigDocument(params)));
  } finally {
    await file.close();
  }
}

/**
 * A client-node `KubeConfig` for the server. client-node is imported on demand, so the
 * in-process API does not pay for loading it.
 */
export async function buildKubeConfig(params: KubeconfigParams): Promise<KubeConfig> {
  const { KubeConfig: Config } = await import('@kubernetes/client-node');
  const name = params.name ?? 'leasehold';
  const config = new Config();
  config.loadFromOptions({
    clusters: [{ name, server: params.server, skipTLSVerify: true }],
    users: [{ name, ...(params.token === undefined ? {} : { token: params.token }) }],
    contexts: [{ name, cluster: name, user: name, namespace: params.namespace }],
    currentContext: name,
  });
  return config;
}
