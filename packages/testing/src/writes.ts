/**
 * The write verbs that carry a whole object or none: create (POST), replace (PUT), delete and
 * deletecollection. Patches live in `patching.ts`.
 */
import { commitCreate, commitUpdate, uidPrecondition } from './commit.js';
import type { ApiState, LeaseRequest } from './context.js';
import { fieldInvalid, invalid } from './field-errors.js';
import { goJsonError } from './go-json-syntax.js';
import {
  checkUnknownFields,
  type DecodedLease,
  decodeLease,
  orderMeta,
  unrecognizedBody,
} from './lease-codec.js';
import { dns1123LabelErrors } from './lease-validation.js';
import { dryRunOf, fieldValidationOf, objectBodyIsYaml, parseDocument } from './request.js';
import { badRequest, conflict, namespaceNotFound, unknownError } from './status.js';
import { GROUP, type Lease, QUALIFIED_RESOURCE } from './types.js';

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
      `couldn't get version/kind; json parse error: ${goJsonError(req.body)}`,
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
    if (sentUid !== undefined) throw uidPrecondition({ namespace, name }, sentUid, undefined);
    requireNamespace(namespace);
    return commitCreate(state, req, lease, { dryRun, warnings });
  }
  // Storage checks the uid precondition before the update function compares versions.
  const sentUid = lease.metadata.uid;
  if (sentUid !== undefined && sentUid !== existing.metadata.uid) {
    throw uidPrecondition({ namespace, name }, sentUid, existing.metadata.uid);
  }
  const sentVersion = lease.metadata.resourceVersion;
  if (sentVersion === undefined) {
    // Lease's strategy does not allow unconditional updates.
    throw invalid(
      name,
      [fieldInvalid('metadata.resourceVersion', 0, 'must be specified for an update')],
      QUALIFIED_RESOURCE,
      GROUP,
    );
  }
  if (!/^\d+$/.test(sentVersion)) {
    // The versioner's parse error reaches the client unconverted: a bare 500.
    throw unknownError(`strconv.ParseUint: parsing ${JSON.stringify(sentVersion)}: invalid syntax`);
  }
  if (sentVersion !== existing.metadata.resourceVersion) throw conflict(name);
  return commitUpdate(state, req, existing, lease, { dryRun, warnings });
}
