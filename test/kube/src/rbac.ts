import type { V1PolicyRule } from '@kubernetes/client-node';

/** Name of the Role (and RoleBinding) that createTestNamespace installs. */
export const ELECTOR_ROLE_NAME = 'leasehold-elector';

/**
 * The minimal RBAC rules for a leasehold elector on one Lease, as verified against a real
 * kube-apiserver by test/kube/test/apiserver.kube.test.ts (see docs/rbac.md):
 *
 * - `create` cannot be restricted by `resourceNames` (the name is not part of the request
 *   URL, so the authorizer sees no name), hence a rule of its own.
 * - `get`, `update` and `watch` can: a watch with `fieldSelector=metadata.name=NAME` is
 *   authorized as a watch of that one name, and needs neither `list` nor a rule without
 *   `resourceNames`.
 *
 * Without `leaseName` the rules cover every Lease in the namespace.
 */
export function electorRules(leaseName?: string): V1PolicyRule[] {
  if (leaseName === undefined) {
    return [
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'create', 'update', 'watch'],
      },
    ];
  }
  return [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      resourceNames: [leaseName],
      verbs: ['get', 'update', 'watch'],
    },
  ];
}
