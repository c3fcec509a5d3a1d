/**
 * `metadata.managedFields`: which manager owns which field, as server-side apply tracks it.
 * A Lease's field set is small and flat — `spec.*` leaves, label and annotation keys (plus a
 * `.` entry for each map), and `finalizers` / `ownerReferences`, which this server treats as
 * atomic (upstream tracks their items). Updates hand the fields they changed to their manager;
 * applies own exactly what they sent (see `apply.ts`).
 */
import type { FieldsV1, Lease, ManagedFieldsEntry } from './types.js';
import { API_VERSION } from './types.js';

/** A field path, e.g. `['spec', 'holderIdentity']` or `['metadata', 'labels', 'app']`. */
export type FieldPath = readonly string[];

/** A set of field paths, keyed by their JSON encoding. */
export type FieldSet = Set<string>;

/** The ownership of one manager for one operation. */
export interface ManagerEntry {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  time: string;
  fields: FieldSet;
}

const MAPS = ['labels', 'annotations'] as const;
const ATOMIC_META = ['finalizers', 'ownerReferences'] as const;
/** The trie key that marks "the map itself" rather than one of its keys. */
const SELF = '.';

export const encodePath = (path: FieldPath): string => JSON.stringify(path);
export const decodePath = (key: string): FieldPath => JSON.parse(key) as string[];

/** `.spec.holderIdentity`, the form conflicts are reported in. */
export function displayPath(key: string): string {
  return decodePath(key)
    .filter((s) => s !== SELF)
    .map((s) => `.${s}`)
    .join('');
}

/** Every field set in `lease` (or in an apply configuration). */
export function fieldSetOf(lease: Pick<Lease, 'metadata' | 'spec'> | undefined): FieldSet {
  const set: FieldSet = new Set();
  if (lease === undefined) return set;
  for (const map of MAPS) {
    const entries = lease.metadata[map];
    if (entries === undefined) continue;
    set.add(encodePath(['metadata', map, SELF]));
    for (const key of Object.keys(entries)) set.add(encodePath(['metadata', map, key]));
  }
  for (const field of ATOMIC_META)
    if (lease.metadata[field] !== undefined) set.add(encodePath(['metadata', field]));
  for (const [field, value] of Object.entries(lease.spec))
    if (value !== undefined) set.add(encodePath(['spec', field]));
  return set;
}

/** The value at a field path (a map's `.` entry reads as the whole map). */
export function valueAt(lease: Pick<Lease, 'metadata' | 'spec'> | undefined, key: string): unknown {
  let node: unknown = lease;
  for (const segment of decodePath(key)) {
    if (segment === SELF) break;
    node =
      typeof node === 'object' && node !== null
        ? (node as Record<string, unknown>)[segment]
        : undefined;
  }
  return node;
}

/** Deep equality of two field values (JSON-shaped, key order insensitive for our flat maps). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}

/** Builds the `fieldsV1` trie of a set. */
export function toFieldsV1(fields: FieldSet): FieldsV1 {
  const root: FieldsV1 = {};
  for (const key of [...fields].sort()) {
    let node = root;
    for (const segment of decodePath(key)) {
      const name = segment === SELF ? SELF : `f:${segment}`;
      node[name] ??= {};
      node = node[name];
    }
  }
  return root;
}

function fromFieldsV1(trie: FieldsV1, prefix: string[] = [], out: FieldSet = new Set()): FieldSet {
  for (const [name, child] of Object.entries(trie)) {
    if (name === SELF) {
      out.add(encodePath([...prefix, SELF]));
      continue;
    }
    const path = [...prefix, name.startsWith('f:') ? name.slice(2) : name];
    if (Object.keys(child).length === 0) out.add(encodePath(path));
    else fromFieldsV1(child, path, out);
  }
  return out;
}

/** Reads the stored entries back into mutable working form. */
export function readEntries(lease: Lease | undefined): ManagerEntry[] {
  return (lease?.metadata.managedFields ?? []).map((e) => ({
    manager: e.manager,
    operation: e.operation,
    time: e.time,
    fields: fromFieldsV1(e.fieldsV1),
  }));
}

/** Writes entries in upstream's order (Apply before Update, then by time, then manager). */
export function writeEntries(entries: readonly ManagerEntry[]): ManagedFieldsEntry[] | undefined {
  const kept = entries.filter((e) => e.fields.size > 0);
  if (kept.length === 0) return undefined;
  kept.sort(
    (a, b) =>
      a.operation.localeCompare(b.operation) ||
      a.time.localeCompare(b.time) ||
      a.manager.localeCompare(b.manager),
  );
  return kept.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: API_VERSION,
    time: e.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(e.fields),
  }));
}

/** Finds or adds the entry of `manager` for `operation`. */
export function entryFor(
  entries: ManagerEntry[],
  manager: string,
  operation: 'Apply' | 'Update',
  time: string,
): ManagerEntry {
  let entry = entries.find((e) => e.manager === manager && e.operation === operation);
  if (entry === undefined) {
    entry = { manager, operation, time, fields: new Set() };
    entries.push(entry);
  }
  return entry;
}

/**
 * Managed fields after a non-apply write (create, update, patch) by `manager`: fields that
 * disappeared leave every entry; fields whose value changed move to the writer.
 */
export function managedFieldsAfterUpdate(
  previous: Lease | undefined,
  next: Lease,
  manager: string,
  now: string,
): ManagedFieldsEntry[] | undefined {
  const entries = readEntries(previous);
  const before = fieldSetOf(previous);
  const after = fieldSetOf(next);
  const changed = [...after].filter(
    (k) => !before.has(k) || !sameValue(valueAt(previous, k), valueAt(next, k)),
  );
  for (const entry of entries) {
    for (const key of entry.fields) if (!after.has(key)) entry.fields.delete(key);
  }
  if (changed.length > 0) {
    const writer = entryFor(entries, manager, 'Update', now);
    writer.time = now;
    for (const entry of entries)
      if (entry !== writer) for (const key of changed) entry.fields.delete(key);
    for (const key of changed) writer.fields.add(key);
  }
  return writeEntries(entries);
}
