/**
 * Decoding a request body into a typed Lease, as the real server's JSON decoder does: wrong
 * JSON types are a 400 worded like Go's `encoding/json`, MicroTimes must have six fractional
 * digits, `null` means absent, unknown fields are dropped (or rejected with
 * `fieldValidation=Strict`), and the result is in canonical form — UTC timestamps, Go's field
 * order, empty `omitempty` fields removed — so stored objects compare and serialize like
 * upstream's.
 */
import { Decoder, isObject, type Json, type JsonObject, jsonTypeName } from './go-json.js';
import { type ApiError, badRequest } from './status.js';
import {
  API_VERSION,
  type Lease,
  type LeaseSpec,
  type ObjectMeta,
  type OwnerReference,
} from './types.js';

const PREFIX = 'Lease in version "v1" cannot be handled as a Lease: ';
/** Where upstream's scheme was created, as it names it in "no kind registered" errors. */
const SCHEME_LINE = 110;

/** The `fieldValidation` query parameter. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** A decoded Lease and the unknown fields that were dropped from it. */
export interface DecodedLease {
  readonly lease: Lease;
  readonly unknownFields: readonly string[];
}

const META_FIELDS = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
] as const;
const SPEC_FIELDS = [
  'holderIdentity',
  'leaseDurationSeconds',
  'acquireTime',
  'renewTime',
  'leaseTransitions',
  'strategy',
  'preferredHolder',
] as const;
const OWNER_FIELDS = [
  'apiVersion',
  'kind',
  'name',
  'uid',
  'controller',
  'blockOwnerDeletion',
] as const;

/** `T` with every property optional and possibly `undefined`, before {@link compact}. */
type Loose<T> = { [K in keyof T]?: T[K] | undefined };

/** Drops keys whose value is `undefined`, keeping insertion (= Go field) order. */
function compact<T extends object>(obj: Loose<T>): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key];
  return obj as T;
}

function decodeOwner(d: Decoder, raw: Json, index: number): OwnerReference {
  const obj = d.object(raw, 'ObjectMeta', 'metadata.ownerReferences', 'v1.OwnerReference') ?? {};
  d.noteUnknown(obj, OWNER_FIELDS, `metadata.ownerReferences[${index}]`);
  const s = (key: string): string =>
    d.string(obj[key] ?? null, 'OwnerReference', `metadata.ownerReferences.${key}`) ?? '';
  const b = (key: string): boolean | undefined =>
    d.bool(obj[key] ?? null, 'OwnerReference', `metadata.ownerReferences.${key}`);
  return compact<OwnerReference>({
    apiVersion: s('apiVersion'),
    kind: s('kind'),
    name: s('name'),
    uid: s('uid'),
    controller: b('controller'),
    blockOwnerDeletion: b('blockOwnerDeletion'),
  });
}

function decodeMeta(d: Decoder, raw: JsonObject): ObjectMeta {
  d.noteUnknown(raw, META_FIELDS, 'metadata');
  const s = (key: string): string | undefined => {
    const value = d.string(raw[key] ?? null, 'ObjectMeta', `metadata.${key}`);
    return value === '' ? undefined : value;
  };
  const meta: Loose<ObjectMeta> = {
    name: s('name'),
    generateName: s('generateName'),
    namespace: s('namespace'),
    uid: s('uid'),
    resourceVersion: s('resourceVersion'),
    generation:
      d.integer(raw.generation ?? null, 'ObjectMeta', 'metadata.generation', 64) || undefined,
    creationTimestamp: d.time(raw.creationTimestamp ?? null, false),
    deletionTimestamp: d.time(raw.deletionTimestamp ?? null, false),
    deletionGracePeriodSeconds: d.integer(
      raw.deletionGracePeriodSeconds ?? null,
      'ObjectMeta',
      'metadata.deletionGracePeriodSeconds',
      64,
    ),
    labels: d.stringMap(raw.labels ?? null, 'metadata.labels'),
    annotations: d.stringMap(raw.annotations ?? null, 'metadata.annotations'),
    ownerReferences: d.list(
      raw.ownerReferences ?? null,
      'ObjectMeta',
      'metadata.ownerReferences',
      '[]v1.OwnerReference',
      (v, i) => decodeOwner(d, v, i),
    ),
    finalizers: d.list(
      raw.finalizers ?? null,
      'ObjectMeta',
      'metadata.finalizers',
      '[]string',
      (v) => d.string(v, 'ObjectMeta', 'metadata.finalizers') ?? '',
    ),
  };
  // Client-sent managedFields are type-checked only: this server recomputes them on every write.
  d.list(
    raw.managedFields ?? null,
    'ObjectMeta',
    'metadata.managedFields',
    '[]v1.ManagedFieldsEntry',
    (v) => d.object(v, 'ObjectMeta', 'metadata.managedFields', 'v1.ManagedFieldsEntry'),
  );
  return compact<ObjectMeta>(meta);
}

function decodeSpec(d: Decoder, raw: JsonObject): LeaseSpec {
  d.noteUnknown(raw, SPEC_FIELDS, 'spec');
  const path = (key: string): string => `spec.${key}`;
  return compact<LeaseSpec>({
    holderIdentity: d.string(raw.holderIdentity ?? null, 'LeaseSpec', path('holderIdentity')),
    leaseDurationSeconds: d.integer(
      raw.leaseDurationSeconds ?? null,
      'LeaseSpec',
      path('leaseDurationSeconds'),
      32,
    ),
    acquireTime: d.time(raw.acquireTime ?? null, true),
    renewTime: d.time(raw.renewTime ?? null, true),
    leaseTransitions: d.integer(
      raw.leaseTransitions ?? null,
      'LeaseSpec',
      path('leaseTransitions'),
      32,
    ),
    strategy: d.string(
      raw.strategy ?? null,
      'LeaseSpec',
      path('strategy'),
      'v1.CoordinatedLeaseStrategy',
    ),
    preferredHolder: d.string(raw.preferredHolder ?? null, 'LeaseSpec', path('preferredHolder')),
  });
}

/** Upstream's `summarizeData`: the first 30 bytes, as text for JSON objects, hex otherwise. */
function summarize(body: string): string {
  if (body.length === 0) return '<empty>';
  const head = Buffer.from(body).subarray(0, 30);
  const shown = body.startsWith('{') ? head.toString() : head.toString('hex');
  return Buffer.byteLength(body) > 30 ? `${shown} ...` : shown;
}

/** The 400 for a body that is not a JSON object at all. */
export function unrecognizedBody(body: string, cause: string): ApiError {
  return badRequest(
    `the object provided is unrecognized (must be of type Lease): ${cause} (${summarize(body)})`,
  );
}

/**
 * Decodes a parsed body into a canonical Lease. `body` is the raw text, used only to quote it in
 * errors. Throws {@link ApiError} 400 for anything the real decoder rejects.
 */
export function decodeLease(raw: unknown, body: string): DecodedLease {
  const value = raw as Json;
  if (!isObject(value)) {
    if (value === null) return decodeLease({}, body);
    throw unrecognizedBody(
      body,
      `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonTypeName(value)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
    );
  }
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  const kind = typeof value.kind === 'string' ? value.kind : '';
  if (apiVersion !== '' && apiVersion !== API_VERSION) {
    const version = apiVersion.split('/').pop() ?? apiVersion;
    // Another version of this group converts, then fails the group-version check; any other
    // type has no conversion to a Lease.
    throw badRequest(
      apiVersion.startsWith('coordination.k8s.io/')
        ? `the API version in the data (${apiVersion}) does not match the expected API version (${API_VERSION})`
        : `${kind || 'Lease'} in version "${version}" cannot be handled as a Lease: converting (${version}.${kind || 'Lease'}) to (coordination.Lease): unknown conversion`,
    );
  }
  if (kind !== '' && kind !== 'Lease') {
    throw badRequest(
      `${kind} in version "v1" cannot be handled as a Lease: no kind "${kind}" is registered for version "${API_VERSION}" in scheme "pkg/runtime/scheme.go:${SCHEME_LINE}"`,
    );
  }
  const d = new Decoder(PREFIX);
  let metadata: ObjectMeta = {};
  let spec: LeaseSpec = {};
  // Fields in document order, so unknown ones are reported in the order Go meets them.
  for (const key of Object.keys(value)) {
    if (key === 'metadata') {
      metadata = decodeMeta(
        d,
        d.object(value.metadata ?? null, 'Lease', 'metadata', 'v1.ObjectMeta') ?? {},
      );
    } else if (key === 'spec') {
      spec = decodeSpec(d, d.object(value.spec ?? null, 'Lease', 'spec', 'v1.LeaseSpec') ?? {});
    } else if (key !== 'apiVersion' && key !== 'kind') {
      d.unknown.push(key);
    }
  }
  return {
    lease: { kind: 'Lease', apiVersion: API_VERSION, metadata, spec },
    unknownFields: d.unknown,
  };
}

/**
 * Applies the `fieldValidation` directive to a decode result: Strict turns unknown fields into
 * a 400, Warn returns them as warning texts, Ignore drops them silently.
 */
export function checkUnknownFields(decoded: DecodedLease, mode: FieldValidation): string[] {
  const messages = decoded.unknownFields.map((f) => `unknown field "${f}"`);
  if (messages.length === 0 || mode === 'Ignore') return [];
  if (mode === 'Strict') throw badRequest(`${PREFIX}strict decoding error: ${messages.join(', ')}`);
  return messages;
}

/** Metadata rebuilt in Go's field order, dropping empty fields. */
export function orderMeta(meta: ObjectMeta): ObjectMeta {
  const ordered: Record<string, unknown> = {};
  const keys: (keyof ObjectMeta)[] = [
    'name',
    'generateName',
    'namespace',
    'uid',
    'resourceVersion',
    'generation',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'labels',
    'annotations',
    'ownerReferences',
    'finalizers',
    'managedFields',
  ];
  for (const key of keys) if (meta[key] !== undefined) ordered[key] = meta[key];
  return ordered as ObjectMeta;
}
