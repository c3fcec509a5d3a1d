/**
 * The Kubernetes adapter of the Lease store port.
 *
 * @module
 */
export {
  createKubernetesLeaseStore,
  type KubernetesLeaseStoreOptions,
} from './kube-lease-store.js';
export { loadKubeConfigFile } from './kubeconfig.js';
export {
  IN_CLUSTER_NAMESPACE_FILE,
  loadDefaultKubeConfig,
  type ResolveNamespaceOptions,
  resolveNamespace,
} from './namespace.js';
