/**
 * Server-side apply (`application/apply-patch+yaml`) for Leases: the applier owns exactly the
 * fields of its configuration; setting a field another manager owns to a different value is a
 * 409 unless `force=true` (which takes ownership); fields the applier owned before and no
 * longer sends are removed unless someone else still owns them.
 */
import {
  decodePath,
  displayPath,
  entryFor,
  fieldSetOf,
  type ManagerEntry,
  readEntries,
  sameValue,
  valueAt,
  writeEntries,
} from './managed-fields.js';
import { ApiError, failureStatus } from './status.js';
import { API_VERSION, type Lease } from './types.js';

interface Conflict {
  readonly owner: ManagerEntry;
  readonly key: string;
}

function describeManager(entry: ManagerEntry): string {
  const name = JSON.stringify(entry.manager);
  return entry.operation === 'Update' ? `${name} using ${API_VERSION}` : name;
}

/** The 409 of a conflicting apply, worded like upstream's `getConflictMessage`. */
function applyConflict(conflicts: readonly Conflict[]): ApiError {
  const causes = conflicts.map(({ owner, key }) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(owner)}`,
    field: displayPath(key),
  }));
  const [only] = conflicts;
  if (conflicts.length === 1 && only !== undefined) {
    const message = `Apply failed with 1 conflict: conflict with ${describeManager(only.owner)}: ${displayPath(only.key)}`;
    return new ApiError(failureStatus(409, 'Conflict', message, { causes }));
  }
  const byManager = new Map<string, string[]>();
  for (const { owner, key } of conflicts) {
    const label = describeManager(owner);
    byManager.set(label, [...(byManager.get(label) ?? []), `- ${displayPath(key)}`]);
  }
  const lines = [...byManager.keys()]
    .sort()
    .flatMap((label) => [`conflicts with ${label}:`, ...(byManager.get(label) ?? [])]);
  const message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  return new ApiError(failureStatus(409, 'Conflict', message, { causes }));
}

type Mutable = { metadata: Record<string, unknown>; spec: Record<string, unknown> };

function setAt(target: Mutable, key: string, value: unknown): void {
  const [root, field, entry] = decodePath(key);
  const container = root === 'spec' ? target.spec : target.metadata;
  if (field === undefined) return;
  if (entry === undefined) {
    container[field] = structuredClone(value);
    return;
  }
  container[field] ??= {};
  const map = container[field] as Record<string, unknown>;
  if (entry !== '.') map[entry] = value;
}

function deleteAt(target: Mutable, key: string): void {
  const [root, field, entry] = decodePath(key);
  const container = root === 'spec' ? target.spec : target.metadata;
  if (field === undefined) return;
  if (entry === undefined) {
    delete container[field];
    return;
  }
  const map = container[field] as Record<string, unknown> | undefined;
  if (map === undefined) return;
  if (entry !== '.') delete map[entry];
  if (Object.keys(map).length === 0) delete container[field];
}

/**
 * Merges an apply configuration into the live object (absent for a create) and returns the
 * result with updated `managedFields`. Throws a 409 {@link ApiError} on conflicts without force.
 */
export function serverSideApply(
  live: Lease | undefined,
  config: Lease,
  manager: string,
  force: boolean,
  now: string,
): Lease {
  const entries = readEntries(live);
  const configured = fieldSetOf(config);
  const conflicts: Conflict[] = [];
  for (const key of configured) {
    // A map's own entry never conflicts: its keys do.
    if (live === undefined || decodePath(key).at(-1) === '.') continue;
    const current = valueAt(live, key);
    if (current === undefined || sameValue(current, valueAt(config, key))) continue;
    for (const owner of entries) {
      const isSelf = owner.manager === manager && owner.operation === 'Apply';
      if (!isSelf && owner.fields.has(key)) conflicts.push({ owner, key });
    }
  }
  if (conflicts.length > 0 && !force) throw applyConflict(conflicts);
  for (const { owner, key } of conflicts) owner.fields.delete(key);

  const base: Lease = live ?? { ...config, metadata: { ...config.metadata }, spec: {} };
  const result = structuredClone(base) as unknown as Mutable & Lease;
  if (live === undefined) {
    for (const field of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const)
      delete result.metadata[field];
  }
  for (const key of configured) setAt(result, key, valueAt(config, key));

  const self = entryFor(entries, manager, 'Apply', now);
  for (const key of self.fields) {
    if (configured.has(key)) continue;
    const ownedElsewhere = entries.some((e) => e !== self && e.fields.has(key));
    if (!ownedElsewhere) deleteAt(result, key);
  }
  self.fields = configured;
  self.time = now;

  const remaining = fieldSetOf(result);
  for (const entry of entries)
    for (const key of entry.fields) if (!remaining.has(key)) entry.fields.delete(key);
  const managedFields = writeEntries(entries);
  if (managedFields === undefined) delete result.metadata.managedFields;
  else result.metadata.managedFields = managedFields;
  return result;
}
