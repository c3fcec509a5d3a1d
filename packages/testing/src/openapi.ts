/**
 * A small OpenAPI v3 document for `coordination.k8s.io/v1`. kubectl reads it before `create`,
 * `replace` and `apply` to learn that the server validates fields itself (the `fieldValidation`
 * query parameter on the PATCH operation); without it kubectl refuses to send unless given
 * `--validate=false`. The schemas also make `kubectl explain lease` work.
 */
import { GROUP, VERSION } from './types.js';

const GV_PATH = `apis/${GROUP}/${VERSION}`;
const HASH = 'leasehold0';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const LEASE = 'io.k8s.api.coordination.v1';
const ref = (name: string) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] });
const str = (description: string) => ({ type: 'string', description });
const int = (format: 'int32' | 'int64', description: string) => ({
  type: 'integer',
  format,
  description,
});
const gvk = (kind: string) => [{ group: GROUP, kind, version: VERSION }];

const schemas = {
  [`${LEASE}.Lease`]: {
    description: 'Lease defines a lease concept.',
    type: 'object',
    properties: {
      apiVersion: str(
        'APIVersion defines the versioned schema of this representation of an object.',
      ),
      kind: str('Kind is a string value representing the REST resource this object represents.'),
      metadata: {
        ...ref(`${META}.ObjectMeta`),
        default: {},
        description:
          'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
      },
      spec: {
        ...ref(`${LEASE}.LeaseSpec`),
        default: {},
        description: 'spec contains the specification of the Lease.',
      },
    },
    'x-kubernetes-group-version-kind': gvk('Lease'),
  },
  [`${LEASE}.LeaseList`]: {
    description: 'LeaseList is a list of Lease objects.',
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: str(
        'APIVersion defines the versioned schema of this representation of an object.',
      ),
      items: {
        type: 'array',
        items: { ...ref(`${LEASE}.Lease`), default: {} },
        description: 'items is a list of schema objects.',
      },
      kind: str('Kind is a string value representing the REST resource this object represents.'),
      metadata: { ...ref(`${META}.ListMeta`), default: {} },
    },
    'x-kubernetes-group-version-kind': gvk('LeaseList'),
  },
  [`${LEASE}.LeaseSpec`]: {
    description: 'LeaseSpec is a specification of a Lease.',
    type: 'object',
    properties: {
      acquireTime: {
        ...ref(`${META}.MicroTime`),
        description: 'acquireTime is a time when the current lease was acquired.',
      },
      holderIdentity: str('holderIdentity contains the identity of the holder of a current lease.'),
      leaseDurationSeconds: int(
        'int32',
        'leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it.',
      ),
      leaseTransitions: int(
        'int32',
        'leaseTransitions is the number of transitions of a lease between holders.',
      ),
      preferredHolder: str(
        'PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up.',
      ),
      renewTime: {
        ...ref(`${META}.MicroTime`),
        description:
          'renewTime is a time when the current holder of a lease has last updated the lease.',
      },
      strategy: str(
        'Strategy indicates the strategy for picking the leader for coordinated leader election.',
      ),
    },
  },
  [`${META}.MicroTime`]: {
    description: 'MicroTime is version of Time with microsecond level precision.',
    type: 'string',
    format: 'date-time',
  },
  [`${META}.Time`]: {
    description:
      'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.',
    type: 'string',
    format: 'date-time',
  },
  [`${META}.ListMeta`]: {
    description: 'ListMeta describes metadata that synthetic resources must have.',
    type: 'object',
    properties: {
      continue: str('continue token'),
      remainingItemCount: int('int64', 'remaining items'),
      resourceVersion: str('resourceVersion of the list'),
    },
  },
  [`${META}.ObjectMeta`]: {
    description: 'ObjectMeta is metadata that all persisted resources must have.',
    type: 'object',
    properties: {
      annotations: {
        type: 'object',
        additionalProperties: { type: 'string', default: '' },
        description: 'Annotations.',
      },
      creationTimestamp: { ...ref(`${META}.Time`), description: 'Creation time.' },
      finalizers: {
        type: 'array',
        items: { type: 'string', default: '' },
        'x-kubernetes-list-type': 'set',
        'x-kubernetes-patch-strategy': 'merge',
        description: 'Finalizers.',
      },
      generateName: str('Optional prefix for a generated name.'),
      generation: int('int64', 'Generation.'),
      labels: {
        type: 'object',
        additionalProperties: { type: 'string', default: '' },
        description: 'Labels.',
      },
      managedFields: { type: 'array', items: { type: 'object' }, description: 'Managed fields.' },
      name: str('Name must be unique within a namespace.'),
      namespace: str('Namespace defines the space within which each name must be unique.'),
      ownerReferences: {
        type: 'array',
        items: { type: 'object' },
        'x-kubernetes-list-map-keys': ['uid'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'uid',
        'x-kubernetes-patch-strategy': 'merge',
        description: 'Owners.',
      },
      resourceVersion: str('An opaque value that represents the internal version of this object.'),
      uid: str('UID is the unique in time and space value for this object.'),
    },
  },
};

const param = (
  name: string,
  description: string,
  schema: object = { type: 'string', uniqueItems: true },
) => ({
  name,
  in: 'query',
  description,
  schema,
});
const writeParams = [
  param('dryRun', 'When present, indicates that modifications should not be persisted.'),
  param(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  param(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
  ),
];
const body = (schema: string) => ({
  content: { '*/*': { schema: { $ref: `#/components/schemas/${schema}` } } },
  required: true,
});
const ok = (schema: string) => ({
  description: 'OK',
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
});
const op = (action: string, kind: string, extra: object = {}) => ({
  tags: ['coordination_v1'],
  operationId: `${action}CoordinationV1NamespacedLease`,
  'x-kubernetes-action': action,
  'x-kubernetes-group-version-kind': { group: GROUP, kind, version: VERSION },
  responses: { '200': ok(`${LEASE}.${kind}`) },
  ...extra,
});
const pathParams = (withName: boolean) => [
  ...(withName
    ? [{ name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }]
    : []),
  { name: 'namespace', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } },
  param('pretty', "If 'true', then the output is pretty printed."),
];

const gvDocument = {
  openapi: '3.0.0',
  info: { title: 'Kubernetes', version: 'v1.32.0' },
  paths: {
    [`/${GV_PATH}/leases`]: {
      get: op('list', 'LeaseList'),
    },
    [`/${GV_PATH}/namespaces/{namespace}/leases`]: {
      get: op('list', 'LeaseList'),
      post: op('post', 'Lease', { parameters: writeParams, requestBody: body(`${LEASE}.Lease`) }),
      delete: op('deletecollection', 'Lease'),
      parameters: pathParams(false),
    },
    [`/${GV_PATH}/namespaces/{namespace}/leases/{name}`]: {
      get: op('get', 'Lease'),
      put: op('put', 'Lease', { parameters: writeParams, requestBody: body(`${LEASE}.Lease`) }),
      delete: op('delete', 'Lease'),
      patch: op('patch', 'Lease', {
        parameters: [
          ...writeParams,
          param('force', 'Force is going to "force" Apply requests.', {
            type: 'boolean',
            uniqueItems: true,
          }),
        ],
        requestBody: {
          content: {
            'application/apply-patch+yaml': { schema: { type: 'object' } },
            'application/json-patch+json': { schema: { type: 'object' } },
            'application/merge-patch+json': { schema: { type: 'object' } },
            'application/strategic-merge-patch+json': { schema: { type: 'object' } },
          },
          required: true,
        },
      }),
      parameters: pathParams(true),
    },
  },
  components: { schemas },
};

/** The OpenAPI v3 document for a path (`/openapi/v3` or a group-version), or `undefined`. */
export function openApiDocument(path: string): unknown {
  if (path === '/openapi/v3') {
    return { paths: { [GV_PATH]: { serverRelativeURL: `/openapi/v3/${GV_PATH}?hash=${HASH}` } } };
  }
  if (path === `/openapi/v3/${GV_PATH}`) return gvDocument;
  return undefined;
}
