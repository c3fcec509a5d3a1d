/**
 * The Kubernetes adapter of the Lease store port.
 *
 * @module
 */
export {
  createKubernetesLeaseStore,
  type KubernetesLeaseStoreOptions,
} from './kube-lease-store.js';
export { loadDefaultKubeConfig, resolveNamespace } from './namespace.js';
