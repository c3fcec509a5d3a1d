/**
 * DELETE of one Lease (with `preconditions` from a DeleteOptions body) and of a collection.
 * A Lease without finalizers goes at once and the answer is upstream's Success Status; one
 * with finalizers is only marked (`deletionTimestamp`) and returned, until they are gone.
 */
import { type ApiState, type LeaseRequest, renderList } from './context.js';
import { goJsonError } from './go-json-syntax.js';
import { formatTime } from './go-time.js';
import { orderMeta } from './lease-codec.js';
import { parseListOptions } from './list-options.js';
import { dryRunOf, respond } from './request.js';
import { matchesFields, matchesLabels } from './selectors.js';
import { badRequest, conflict, notFound, unknownError } from './status.js';
import { GROUP, type Lease, QUALIFIED_KIND, RESOURCE, type Status } from './types.js';

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
  } catch {
    // Upstream does not convert this decode error: a bare 500.
    throw unknownError(`couldn't get version/kind; json parse error: ${goJsonError(req.body)}`);
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
