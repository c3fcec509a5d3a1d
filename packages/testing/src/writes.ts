/**
 * The write verbs that carry a whole object or none: create (POST), replace (PUT), delete and
 * deletecollection. Patches live in `patching.ts`.
 */
import { commitCreate, commitUpdate, uidPrecondition } from './commit.js';
import { type ApiState, type LeaseRequest, renderList } from './context.js';
import { formatTime } from './go-time.js';
import {
  checkUnknownFields,
  type DecodedLease,
  decodeLease,
  orderMeta,
  unrecognizedBody,
} from './lease-codec.js';
import { parseListOptions } from './list-options.js';
import {
  dryRunOf,
  fieldValidationOf,
  objectBodyIsYaml,
  parseDocument,
  respond,
} from './request.js';
import { matchesFields, matchesLabels } from './selectors.js';
import {
  badRequest,
  conflict,
  fieldInvalid,
  invalid,
  namespaceNotFound,
  notFound,
} from './status.js';
import {
  GROUP,
  type Lease,
  QUALIFIED_KIND,
  QUALIFIED_RESOURCE,
  RESOURCE,
  type Status,
} from './types.js';
import { dns1123LabelErrors } from './validation.js';

const GENERATED_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `names.SimpleNameGenerator`: the prefix (cut to 58) plus five random characters. */
function generateName(base: string): string {
  const suffix = Array.from(
    { length: 5 },
    () => GENERATED_ALPHABET[Math.floor(Math.random() * GENERATED_ALPHABET.length)],
  );
  return base.slice(0, 58) + suffix.join('');
}

/** Parses and decodes an object body (JSON or YAML); returns the Lease and unknown-field warnings. */
export function decodeObjectBody(
  req: LeaseRequest,
  yaml: boolean,
): { decoded: DecodedLease; warnings: string[] } {
  let raw: unknown;
  try {
    raw = parseDocument(req.body, yaml);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw unrecognizedBody(
      req.body,
      `couldn't get version/kind; json parse error: ${error.message}`,
    );
  }
  const decoded = decodeLease(raw, req.body);
  return { decoded, warnings: checkUnknownFields(decoded, fieldValidationOf(req.query)) };
}

/** The namespace rule shared by every write: the body may omit it, not contradict it. */
export function placeInNamespace(lease: Lease, namespace: string): Lease {
  const sent = lease.metadata.namespace;
  if (sent !== undefined && sent !== namespace) {
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  return { ...lease, metadata: orderMeta({ ...lease.metadata, namespace }) };
}

/** NamespaceLifecycle admission: writes need the namespace to exist (here: to be a valid name). */
export function requireNamespace(namespace: string): void {
  if (dns1123LabelErrors(namespace).length > 0) throw namespaceNotFound(namespace);
}

/** POST to a collection. */
export function handleCreate(state: ApiState, req: LeaseRequest): Response {
  const yaml = objectBodyIsYaml(req.request.headers.get('content-type'));
  const { decoded, warnings } = decodeObjectBody(req, yaml);
  const namespace = req.namespace ?? '';
  let lease = placeInNamespace(decoded.lease, namespace);
  requireNamespace(namespace);
  const { name, generateName: prefix } = lease.metadata;
  if (name === undefined && prefix !== undefined) {
    lease = { ...lease, metadata: orderMeta({ ...lease.metadata, name: generateName(prefix) }) };
  }
  return commitCreate(state, req, lease, {
    dryRun: dryRunOf(req.query),
    warnings,
    rejectResourceVersion: true,
  });
}

/** PUT to an item: optimistic concurrency on `metadata.resourceVersion`; creates a missing Lease. */
export function handleReplace(state: ApiState, req: LeaseRequest): Response {
  const yaml = objectBodyIsYaml(req.request.headers.get('content-type'));
  const { decoded, warnings } = decodeObjectBody(req, yaml);
  const namespace = req.namespace ?? '';
  const name = req.name ?? '';
  const lease = placeInNamespace(decoded.lease, namespace);
  const sentName = lease.metadata.name ?? '';
  if (sentName !== name) {
    throw badRequest(
      `the name of the object (${sentName}) does not match the name on the URL (${name})`,
    );
  }
  const dryRun = dryRunOf(req.query);
  const existing = state.store.get(namespace, name);
  if (existing === undefined) {
    // Lease's strategy allows create-on-update, whatever version the body carries; but a uid
    // in the body is a storage precondition, and a missing object's uid is "".
    const sentUid = lease.metadata.uid;
    if (sentUid !== undefined) throw uidPrecondition(name, sentUid, undefined);
    requireNamespace(namespace);
    return commitCreate(state, req, lease, { dryRun, warnings });
  }
  const sentVersion = lease.metadata.resourceVersion;
  if (sentVersion === undefined) {
    // Lease's strategy does not allow unconditional updates; upstream prints the uint64 0 as 0x0.
    throw invalid(
      name,
      [fieldInvalid('metadata.resourceVersion', 0, 'must be specified for an update', '0x0')],
      QUALIFIED_RESOURCE,
      GROUP,
    );
  }
  if (!/^\d+$/.test(sentVersion)) {
    throw badRequest(
      `metadata.resourceVersion: Invalid value: ${JSON.stringify(sentVersion)}: strconv.ParseUint: parsing ${JSON.stringify(sentVersion)}: invalid syntax`,
    );
  }
  if (sentVersion !== existing.metadata.resourceVersion) throw conflict(name);
  return commitUpdate(state, req, existing, lease, { dryRun, warnings });
}

interface DeleteOptions {
  readonly uid: string | undefined;
  readonly resourceVersion: string | undefined;
  readonly dryRun: boolean;
}

function parseDeleteOptions(req: LeaseRequest): DeleteOptions {
  let dryRun = dryRunOf(req.query);
  if (req.body.trim() === '') return { uid: undefined, resourceVersion: undefined, dryRun };
  let raw: unknown;
  try {
    raw = JSON.parse(req.body);
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badRequest('json: cannot unmarshal into Go value of type v1.DeleteOptions');
  }
  const body = raw as { preconditions?: unknown; dryRun?: unknown };
  const pre = (body.preconditions ?? {}) as { uid?: unknown; resourceVersion?: unknown };
  const text = (value: unknown, field: string): string | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      throw badRequest(
        `json: cannot unmarshal ${typeof value} into Go struct field Preconditions.preconditions.${field} of type string`,
      );
    }
    return value;
  };
  if (Array.isArray(body.dryRun) && body.dryRun.includes('All')) dryRun = true;
  return {
    uid: text(pre.uid, 'uid'),
    resourceVersion: text(pre.resourceVersion, 'resourceVersion'),
    dryRun,
  };
}

function checkPreconditions(lease: Lease, options: DeleteOptions): void {
  const name = lease.metadata.name ?? '';
  const { uid, resourceVersion } = lease.metadata;
  // rest.BeforeDelete names the object by Kind here, unlike other conflicts.
  if (options.uid !== undefined && options.uid !== uid) {
    throw conflict(
      name,
      `the UID in the precondition (${options.uid}) does not match the UID in record (${uid ?? ''}). The object might have been deleted and then recreated`,
      QUALIFIED_KIND,
      'Lease',
    );
  }
  if (options.resourceVersion !== undefined && options.resourceVersion !== resourceVersion) {
    throw conflict(
      name,
      `the ResourceVersion in the precondition (${options.resourceVersion}) does not match the ResourceVersion in record (${resourceVersion ?? ''}). The object might have been modified`,
      QUALIFIED_KIND,
      'Lease',
    );
  }
}

/** Deletes one stored Lease (or, with finalizers, marks it deleting). Returns what the API returns for it. */
function deleteOne(
  state: ApiState,
  lease: Lease,
  dryRun: boolean,
): { object: Lease; removed: boolean } {
  if ((lease.metadata.finalizers ?? []).length > 0) {
    if (lease.metadata.deletionTimestamp !== undefined || dryRun)
      return { object: lease, removed: false };
    const marked = {
      ...lease,
      metadata: orderMeta({
        ...lease.metadata,
        deletionTimestamp: formatTime(state.clock.now()),
        deletionGracePeriodSeconds: 0,
      }),
    };
    return { object: state.store.replace(marked, lease), removed: false };
  }
  return { object: dryRun ? lease : state.store.remove(lease), removed: true };
}

/** DELETE of an item: the Success Status upstream's generic store returns, or the object while finalizers hold it. */
export function handleDelete(state: ApiState, req: LeaseRequest): Response {
  const options = parseDeleteOptions(req);
  const existing = state.store.get(req.namespace ?? '', req.name ?? '');
  if (existing === undefined) throw notFound(req.name ?? '');
  checkPreconditions(existing, options);
  const { object, removed } = deleteOne(state, existing, options.dryRun);
  if (!removed) return respond(200, object, { pretty: req.pretty });
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name: object.metadata.name ?? '',
      group: GROUP,
      kind: RESOURCE,
      ...(object.metadata.uid === undefined ? {} : { uid: object.metadata.uid }),
    },
  };
  return respond(200, status, { pretty: req.pretty });
}

/** DELETE of a collection: deletes what the selectors pick, returns them as a list. */
export function handleDeleteCollection(state: ApiState, req: LeaseRequest): Response {
  const options = parseDeleteOptions(req);
  const list = parseListOptions(req.query, false);
  const victims = state.store
    .list(req.namespace)
    .filter(
      (l) =>
        matchesFields(list.fieldSelector, l) &&
        matchesLabels(list.labelSelector, l.metadata.labels),
    );
  const deleted = victims.map((lease) => deleteOne(state, lease, options.dryRun).object);
  return renderList(state, req, deleted, { resourceVersion: String(state.store.revision) });
}
