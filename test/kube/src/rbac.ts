import type { V1PolicyRule } from '@kubernetes/client-node';

/** Name of the Role (and RoleBinding) that createTestNamespace installs. */
export const ELECTOR_ROLE_NAME = 'leasehold-elector';

/**
 * The minimal RBAC rules for a leasehold elector on one Lease, as verified against a real
 * kube-apiserver by test/kube/test/apiserver.kube.test.ts (see docs/rbac.md):
 *
 * - `create` cannot be restricted by `resourceNames` (the name is not part of the request
 *   URL, so the authorizer sees no name), hence a rule of its own.
 * - `get`, `list`, `watch` and `update` can: a list or watch with
 *   `fieldSelector=metadata.name=NAME` is authorized as a list/watch of that one name.
 * - The watch itself does not need `list`; `list` is there because leasehold's watcher lists
 *   (with that field selector) to get a starting resourceVersion, also when the Lease does
 *   not exist yet and after a 410. `watchOnlyRules` is the Role without it.
 *
 * Without `leaseName` the rules cover every Lease in the namespace.
 */
export function electorRules(leaseName?: string): V1PolicyRule[] {
  if (leaseName === undefined) {
    return [
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'list', 'watch', 'create', 'update'],
      },
    ];
  }
  return [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      resourceNames: [leaseName],
      verbs: ['get', 'list', 'watch', 'update'],
    },
  ];
}

/** electorRules without `list`: enough for an elector that only GETs and watches. */
export function watchOnlyRules(leaseName: string): V1PolicyRule[] {
  return electorRules(leaseName).map((r) => ({
    ...r,
    verbs: r.verbs.filter((v) => v !== 'list'),
  }));
}
