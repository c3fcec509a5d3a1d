/**
 * PATCH in its four flavours, chosen by Content-Type: JSON Patch, JSON Merge Patch, strategic
 * merge patch and server-side apply. The patched document is decoded and validated like a PUT;
 * a `metadata.resourceVersion` inside the patch acts as a precondition. Only apply may create.
 */
import { serverSideApply } from './apply.js';
import { commitCreate, commitUpdate } from './commit.js';
import type { ApiState, LeaseRequest } from './context.js';
import { fieldForbidden, fieldRequired, invalid } from './field-errors.js';
import { goJsonError } from './go-json-syntax.js';
import { formatTime } from './go-time.js';
import { checkUnknownFields, decodeLease } from './lease-codec.js';
import { decodeJsonPatch, isJsonObject, type JsonValue, jsonPatch, mergePatch } from './patch.js';
import { dryRunOf, fieldValidationOf, flag, mediaTypeOf } from './request.js';
import { ApiError, badRequest, conflict, failureStatus, notFound } from './status.js';
import { strategicMerge } from './strategic-merge.js';
import type { Lease } from './types.js';
import { decodeObjectBody, placeInNamespace, requireNamespace } from './writes.js';

/** Patch media types, in upstream's order. */
export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

type PatchType = (typeof PATCH_TYPES)[number];

function patchTypeOf(header: string | null): PatchType {
  const type = mediaTypeOf(header);
  const found = PATCH_TYPES.find((t) => t === type);
  // go-restful's route (which declares these types) refuses others before the handler runs.
  if (found === undefined)
    throw new ApiError(
      failureStatus(415, 'UnsupportedMediaType', '415: Unsupported Media Type', {}),
    );
  return found;
}

const goType = (value: unknown): string =>
  Array.isArray(value)
    ? 'array'
    : typeof value === 'boolean'
      ? 'bool'
      : value === null
        ? 'null'
        : typeof value;

/**
 * Parses a patch body as upstream's strict decoder does: JSON Patch into a list of operations,
 * merge and strategic patches into a map, with its error texts.
 */
function parsePatch(type: PatchType, body: string): JsonValue {
  const prefix = type === 'application/strategic-merge-patch+json' ? '' : 'error decoding patch: ';
  let raw: JsonValue;
  try {
    raw = JSON.parse(body) as JsonValue;
  } catch {
    throw badRequest(`${prefix}${goJsonError(body)}`);
  }
  if (type === 'application/json-patch+json') {
    if (raw !== null && !Array.isArray(raw)) {
      throw badRequest(
        `${prefix}json: cannot unmarshal ${goType(raw)} into Go value of type []handlers.jsonPatchOp`,
      );
    }
    const bad = (raw ?? []).find((op) => !isJsonObject(op) && op !== null);
    if (bad !== undefined) {
      throw badRequest(
        `${prefix}json: cannot unmarshal ${goType(bad)} into Go value of type handlers.jsonPatchOp`,
      );
    }
    return raw ?? [];
  }
  if (raw !== null && !isJsonObject(raw)) {
    throw badRequest(
      `${prefix}json: cannot unmarshal ${goType(raw)} into Go value of type map[string]interface {}`,
    );
  }
  return raw ?? {};
}

function checkPatchOptions(type: PatchType, req: LeaseRequest): void {
  const errs = [];
  if (type === 'application/apply-patch+yaml' && (req.query.get('fieldManager') ?? '') === '') {
    errs.push(fieldRequired('fieldManager', 'is required for apply patch'));
  }
  if (type !== 'application/apply-patch+yaml' && req.query.has('force')) {
    errs.push(fieldForbidden('force', 'may not be specified for non-apply patch'));
  }
  if (errs.length > 0) throw invalid('', errs, 'PatchOptions.meta.k8s.io', 'meta.k8s.io');
}

/** Applies a non-apply patch to the stored object's JSON. */
function patchDocument(type: PatchType, existing: Lease, body: string): JsonValue {
  const current = structuredClone(existing) as unknown as JsonValue;
  const patch = parsePatch(type, body);
  switch (type) {
    case 'application/json-patch+json':
      return jsonPatch(current, decodeJsonPatch(patch));
    case 'application/merge-patch+json':
      return mergePatch(current, patch);
    default:
      return strategicMerge(current, patch);
  }
}

function checkName(lease: Lease, name: string): void {
  const sent = lease.metadata.name ?? '';
  if (sent !== name)
    throw badRequest(
      `the name of the object (${sent}) does not match the name on the URL (${name})`,
    );
}

function handleApply(
  state: ApiState,
  req: LeaseRequest,
  existing: Lease | undefined,
  name: string,
  namespace: string,
): Response {
  const { decoded, warnings } = decodeObjectBody(req, true);
  const config = placeInNamespace(decoded.lease, namespace);
  checkName(config, name);
  const sentVersion = config.metadata.resourceVersion;
  if (
    existing !== undefined &&
    sentVersion !== undefined &&
    sentVersion !== existing.metadata.resourceVersion
  ) {
    throw conflict(name);
  }
  const now = formatTime(state.clock.now());
  const merged = serverSideApply(existing, config, req.manager, flag(req.query, 'force'), now);
  const options = {
    dryRun: dryRunOf(req.query),
    warnings,
    managedFields: 'computed-by-apply' as const,
  };
  if (existing === undefined) {
    requireNamespace(namespace);
    return commitCreate(state, req, merged, options);
  }
  return commitUpdate(
    state,
    req,
    existing,
    {
      ...merged,
      metadata: { ...merged.metadata, resourceVersion: existing.metadata.resourceVersion ?? '' },
    },
    options,
  );
}

/** PATCH of an item. */
export function handlePatch(state: ApiState, req: LeaseRequest): Response {
  const type = patchTypeOf(req.request.headers.get('content-type'));
  checkPatchOptions(type, req);
  const namespace = req.namespace ?? '';
  const name = req.name ?? '';
  const existing = state.store.get(namespace, name);
  if (type === 'application/apply-patch+yaml')
    return handleApply(state, req, existing, name, namespace);
  if (existing === undefined) throw notFound(name);

  const patched = patchDocument(type, existing, req.body);
  const decoded = decodeLease(patched, JSON.stringify(patched));
  const warnings = checkUnknownFields(decoded, fieldValidationOf(req.query));
  const lease = placeInNamespace(decoded.lease, namespace);
  checkName(lease, name);
  const version = lease.metadata.resourceVersion;
  if (version !== undefined && version !== existing.metadata.resourceVersion) throw conflict(name);
  return commitUpdate(state, req, existing, lease, { dryRun: dryRunOf(req.query), warnings });
}
