/**
 * The elector's shared end-to-end cases (packages/election/test/e2e/elector-cases.ts) on the
 * real kube-apiserver, with every candidate running as the restricted user whose only
 * permission is the minimal elector Role of docs/rbac.md, bound in a fresh namespace and
 * naming the one Lease the case uses. Writes by "another client" go through the admin.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, inject } from 'vitest';
import { describeElectorCases } from '../../../packages/election/test/e2e/elector-cases.js';
import { connectKubeApiserver, type KubeApiserverHandle } from '../src/apiserver.js';

let kube: KubeApiserverHandle;
beforeAll(() => {
  kube = connectKubeApiserver(inject('kube'));
});

describeElectorCases('real kube-apiserver, minimal Role', () => ({
  async prepare({ leaseName }) {
    // The Role's resourceNames must name the Lease the case uses.
    const namespace = await kube.namespace({ prefix: 'e2e', leaseName });
    return {
      namespace,
      kubeConfig: kube.restrictedKubeConfig,
      adminKubeConfig: kube.adminKubeConfig,
    };
  },
  async forbidden() {
    // A namespace in which the restricted user has no RoleBinding at all.
    const core = kube.adminKubeConfig.makeApiClient(CoreV1Api);
    const namespace = `e2e-denied-${Math.random().toString(16).slice(2, 10)}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    return { namespace, kubeConfig: kube.restrictedKubeConfig };
  },
}));
