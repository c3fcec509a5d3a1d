/**
 * The tail every update shares (PUT, patch, apply): upstream's `BeforeUpdate` (identity and
 * system fields come from the stored object), validation, managed fields, the no-op rule (an
 * update that changes nothing is not written and keeps its version), graceful deletion once the
 * last finalizer goes, dry run, and the write itself.
 */
import { type ApiState, type LeaseRequest, renderLease } from './context.js';
import { fieldForbidden, invalid } from './field-errors.js';
import { formatTime } from './go-time.js';
import { orderMeta } from './lease-codec.js';
import { validateLeaseCreate, validateLeaseUpdate } from './lease-validation.js';
import { managedFieldsAfterUpdate } from './managed-fields.js';
import { alreadyExists, conflict, unknownError } from './status.js';
import type { Lease, ObjectMeta } from './types.js';

/**
 * `dropDisabledSpecFields`: without the CoordinatedLeaderElection gate the coordinated-election
 * fields are dropped, unless the stored object already uses them.
 */
function dropDisabledFields(state: ApiState, lease: Lease, old: Lease | undefined): Lease {
  const inUse = old?.spec.strategy !== undefined || old?.spec.preferredHolder !== undefined;
  if (state.coordinatedLeaderElection || inUse) return lease;
  const { strategy: _strategy, preferredHolder: _preferredHolder, ...spec } = lease.spec;
  return { ...lease, spec };
}

/** JSON of a Lease without its version and managed-field timestamps, for the no-op check. */
function comparable(lease: Lease): string {
  const { resourceVersion: _rv, managedFields, ...meta } = lease.metadata;
  const fields = managedFields?.map(({ time: _time, ...rest }) => rest);
  return JSON.stringify({ meta, fields, spec: lease.spec });
}

/** Options of {@link commitUpdate}. */
export interface CommitOptions {
  readonly dryRun: boolean;
  /** POST refuses a client-set resourceVersion (PUT-create and apply ignore it). */
  readonly rejectResourceVersion?: boolean;
  readonly warnings: readonly string[];
  /** Managed fields already computed (server-side apply); otherwise derived from the change. */
  readonly managedFields?: Lease['metadata']['managedFields'] | 'computed-by-apply';
}

/**
 * The 409 for a body whose `uid` names another incarnation of the object: etcd3 storage's
 * precondition failure, which upstream passes on inside a Conflict verbatim.
 */
export function uidPrecondition(
  lease: { namespace: string; name: string },
  sent: string,
  stored: string | undefined,
) {
  return conflict(
    lease.name,
    `StorageError: invalid object, Code: 4, Key: /registry/leases/${lease.namespace}/${lease.name}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${sent}, UID in object meta: ${stored ?? ''}`,
  );
}

/**
 * Finishes an update of `existing` to `candidate` (identity already checked against the URL,
 * resourceVersion precondition already checked by the caller).
 */
export function commitUpdate(
  state: ApiState,
  req: LeaseRequest,
  existing: Lease,
  candidate: Lease,
  options: CommitOptions,
): Response {
  const name = existing.metadata.name ?? '';
  const sentUid = candidate.metadata.uid;
  if (sentUid !== undefined && sentUid !== existing.metadata.uid)
    throw uidPrecondition(
      { namespace: existing.metadata.namespace ?? '', name },
      sentUid,
      existing.metadata.uid,
    );
  const old = existing.metadata;
  const meta: ObjectMeta = {
    ...candidate.metadata,
    name: old.name ?? name,
    namespace: old.namespace ?? '',
    ...(old.uid === undefined ? {} : { uid: old.uid }),
    resourceVersion: old.resourceVersion ?? '',
    ...(old.creationTimestamp === undefined ? {} : { creationTimestamp: old.creationTimestamp }),
  };
  // BeforeUpdate: generation and deletion stamps cannot be changed by a client.
  for (const key of ['generation', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
    if (old[key] === undefined) delete meta[key];
    else (meta as Record<string, unknown>)[key] = old[key];
  }
  candidate = dropDisabledFields(state, candidate, existing);
  const errors = validateLeaseUpdate({ ...candidate, metadata: meta });
  if (old.deletionTimestamp !== undefined) {
    const added = (meta.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
    if (added.length > 0)
      errors.push(
        fieldForbidden(
          'metadata.finalizers',
          'no new finalizers can be added if the object is being deleted',
        ),
      );
  }
  if (errors.length > 0) throw invalid(name, errors);

  const next: Lease = { ...candidate, metadata: orderMeta(meta) };
  const managed =
    options.managedFields === 'computed-by-apply'
      ? candidate.metadata.managedFields
      : (options.managedFields ??
        managedFieldsAfterUpdate(existing, next, req.manager, formatTime(state.clock.now())));
  next.metadata = orderMeta({
    ...next.metadata,
    ...(managed === undefined ? {} : { managedFields: managed }),
  });
  if (managed === undefined) delete next.metadata.managedFields;

  if (comparable(next) === comparable(existing))
    return renderLease(state, req, existing, 200, options.warnings);
  if (options.dryRun) return renderLease(state, req, next, 200, options.warnings);
  if (
    next.metadata.deletionTimestamp !== undefined &&
    (next.metadata.finalizers ?? []).length === 0
  ) {
    // Storage deletes the stored object: its last stored state (finalizers and all) is what
    // watchers see in the DELETED event.
    return renderLease(state, req, state.store.remove(existing), 200, options.warnings);
  }
  return renderLease(state, req, state.store.replace(next, existing), 200, options.warnings);
}

/**
 * Finishes a create (POST, PUT to a missing name, apply to a missing name): system fields,
 * validation, managed fields, dry run, write. Returns 201.
 */
export function commitCreate(
  state: ApiState,
  req: LeaseRequest,
  candidate: Lease,
  options: CommitOptions,
): Response {
  const now = formatTime(state.clock.now());
  const sentVersion = candidate.metadata.resourceVersion;
  const meta: ObjectMeta = {
    ...candidate.metadata,
    uid: crypto.randomUUID(),
    creationTimestamp: now,
  };
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  const lease: Lease = dropDisabledFields(
    state,
    { ...candidate, metadata: orderMeta(meta) },
    undefined,
  );
  const errors = validateLeaseCreate(lease);
  if (errors.length > 0) throw invalid(lease.metadata.name ?? '', errors);
  if (options.rejectResourceVersion === true && sentVersion !== undefined) {
    throw unknownError('resourceVersion should not be set on objects to be created');
  }
  const name = lease.metadata.name ?? '';
  if (state.store.get(lease.metadata.namespace ?? '', name) !== undefined)
    throw alreadyExists(name);
  const managed =
    options.managedFields === 'computed-by-apply'
      ? candidate.metadata.managedFields
      : managedFieldsAfterUpdate(undefined, lease, req.manager, now);
  if (managed === undefined) delete lease.metadata.managedFields;
  else lease.metadata = orderMeta({ ...lease.metadata, managedFields: managed });
  if (options.dryRun) return renderLease(state, req, lease, 201, options.warnings);
  return renderLease(state, req, state.store.insert(lease), 201, options.warnings);
}
