/**
 * Discovery documents: `/version`, `/api`, `/apis`, the group and version documents, in both the
 * legacy form and the aggregated `apidiscovery.k8s.io/v2` form kubectl asks for first. The
 * server advertises what it serves: Leases, LeaseCandidates (`coordination.k8s.io/v1beta1`, as a
 * 1.34 kube-apiserver started with `--runtime-config=coordination.k8s.io/v1beta1=true` lists
 * them: the group's second version, v1 staying preferred), and read-only Namespaces so that
 * tools that check a namespace exists keep working.
 */
import { GROUP, RESOURCE, VERSION } from './types.js';

/** The Kubernetes version this server claims to be. */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  emulationMajor: '1',
  emulationMinor: '32',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '31',
  gitVersion: 'v1.32.0+leasehold',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.4',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;

const LEASE_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];
const NAMESPACE_VERBS = ['get', 'list'];
const GROUP_VERSION = `${GROUP}/${VERSION}`;
/** The LeaseCandidate version; kube-apiserver lists the same verbs for it as for Leases. */
const CANDIDATE_VERSION = 'v1beta1';
const CANDIDATE_GROUP_VERSION = `${GROUP}/${CANDIDATE_VERSION}`;

/** The content type of aggregated discovery responses. */
export const AGGREGATED_CONTENT_TYPE =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether the Accept header prefers aggregated discovery (kubectl ≥ 1.30 lists it first). */
export function wantsAggregated(accept: string | null): boolean {
  const first = (accept ?? '').split(',')[0] ?? '';
  return (
    first.includes('as=APIGroupDiscoveryList') &&
    first.includes('g=apidiscovery.k8s.io') &&
    /v=v2(;|$)/.test(first.replace(/\s/g, ''))
  );
}

function aggregated(items: unknown[]): unknown {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items,
  };
}

function discoveryResource(
  resource: string,
  singular: string,
  kind: string,
  namespaced: boolean,
  verbs: string[],
  shortNames?: string[],
): unknown {
  return {
    resource,
    responseKind: { group: '', version: '', kind },
    scope: namespaced ? 'Namespaced' : 'Cluster',
    singularResource: singular,
    verbs,
    ...(shortNames === undefined ? {} : { shortNames }),
  };
}

const legacyGroup = {
  name: GROUP,
  versions: [
    { groupVersion: GROUP_VERSION, version: VERSION },
    { groupVersion: CANDIDATE_GROUP_VERSION, version: CANDIDATE_VERSION },
  ],
  preferredVersion: { groupVersion: GROUP_VERSION, version: VERSION },
};

/** A discovery answer: the body and its content type. */
export interface DiscoveryDocument {
  readonly body: unknown;
  readonly contentType: string;
}

/**
 * The document for a discovery path, or `undefined` if the path is not a discovery path.
 * `serverAddress` is `host:port`, advertised in `/api` like upstream.
 */
export function discoveryDocument(
  path: string,
  accept: string | null,
  serverAddress: string,
): DiscoveryDocument | undefined {
  const json = (body: unknown): DiscoveryDocument => ({ body, contentType: 'application/json' });
  const agg = wantsAggregated(accept);
  switch (path) {
    case '/version':
      return json(SERVER_VERSION);
    case '/api':
      if (agg) {
        return {
          contentType: AGGREGATED_CONTENT_TYPE,
          body: aggregated([
            {
              metadata: {},
              versions: [
                {
                  version: 'v1',
                  resources: [
                    discoveryResource(
                      'namespaces',
                      'namespace',
                      'Namespace',
                      false,
                      NAMESPACE_VERBS,
                      ['ns'],
                    ),
                  ],
                  freshness: 'Current',
                },
              ],
            },
          ]),
        };
      }
      return json({
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
      });
    case '/apis':
      if (agg) {
        return {
          contentType: AGGREGATED_CONTENT_TYPE,
          body: aggregated([
            {
              metadata: { name: GROUP },
              versions: [
                {
                  version: VERSION,
                  resources: [discoveryResource(RESOURCE, 'lease', 'Lease', true, LEASE_VERBS)],
                  freshness: 'Current',
                },
                {
                  version: CANDIDATE_VERSION,
                  resources: [
                    discoveryResource(
                      'leasecandidates',
                      'leasecandidate',
                      'LeaseCandidate',
                      true,
                      LEASE_VERBS,
                    ),
                  ],
                  freshness: 'Current',
                },
              ],
            },
          ]),
        };
      }
      return json({ kind: 'APIGroupList', apiVersion: 'v1', groups: [legacyGroup] });
    case '/api/v1':
      return json({
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          {
            name: 'namespaces',
            singularName: 'namespace',
            namespaced: false,
            kind: 'Namespace',
            verbs: NAMESPACE_VERBS,
            shortNames: ['ns'],
            storageVersionHash: 'Q3oi5N2YM8M=',
          },
        ],
      });
    case `/apis/${GROUP}`:
      return json({ kind: 'APIGroup', apiVersion: 'v1', ...legacyGroup });
    case `/apis/${GROUP_VERSION}`:
      return json({
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: GROUP_VERSION,
        resources: [
          {
            name: RESOURCE,
            singularName: 'lease',
            namespaced: true,
            kind: 'Lease',
            verbs: LEASE_VERBS,
            storageVersionHash: 'gqkMMb/YqFM=',
          },
        ],
      });
    case `/apis/${CANDIDATE_GROUP_VERSION}`:
      return json({
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: CANDIDATE_GROUP_VERSION,
        resources: [
          {
            name: 'leasecandidates',
            singularName: 'leasecandidate',
            namespaced: true,
            kind: 'LeaseCandidate',
            verbs: LEASE_VERBS,
            storageVersionHash: 'lvME0iHWE20=',
          },
        ],
      });
    default:
      return undefined;
  }
}
