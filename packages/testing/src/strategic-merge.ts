/**
 * Strategic merge patch for the Lease schema. A Lease has no list with a merge strategy in its
 * spec, so for most patches this is a JSON merge patch; the differences live in metadata
 * (`finalizers` merge as a set, `ownerReferences` merge by `uid`) and in the directives
 * `kubectl apply` emits (`$patch`, `$retainKeys`, `$setElementOrder/…`,
 * `$deleteFromPrimitiveList/…`).
 */
import { isJsonObject, type JsonObject, type JsonValue } from './patch.js';
import { badRequest } from './status.js';

/** How a list field merges; lists not named here are replaced wholesale. */
type ListStrategy = { kind: 'set' } | { kind: 'keyed'; key: string };

const LIST_STRATEGIES: Readonly<Record<string, ListStrategy>> = {
  'metadata.finalizers': { kind: 'set' },
  'metadata.ownerReferences': { kind: 'keyed', key: 'uid' },
};

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM_LIST = '$deleteFromPrimitiveList/';

function mergeSet(current: JsonValue | undefined, patch: JsonValue[]): JsonValue[] {
  const out = Array.isArray(current) ? [...current] : [];
  for (const item of patch) if (!out.some((v) => v === item)) out.push(item);
  return out;
}

function mergeKeyed(
  current: JsonValue | undefined,
  patch: JsonValue[],
  key: string,
  path: string,
): JsonValue[] {
  const out = Array.isArray(current) ? [...current] : [];
  for (const item of patch) {
    if (!isJsonObject(item) || item[key] === undefined) {
      throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    }
    const index = out.findIndex((v) => isJsonObject(v) && v[key] === item[key]);
    if (item.$patch === 'delete') {
      if (index !== -1) out.splice(index, 1);
    } else if (index === -1) {
      out.push(strategicMerge(null, item, path));
    } else {
      out[index] = strategicMerge(out[index] ?? null, item, path);
    }
  }
  return out;
}

/**
 * Applies a strategic merge patch at `path` (dotted, `''` for the root). Throws a 400
 * {@link ApiError} for a malformed directive.
 */
export function strategicMerge(target: JsonValue, patch: JsonValue, path = ''): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const directive = patch.$patch;
  if (directive === 'delete') return null;
  if (directive !== undefined && directive !== 'replace' && directive !== 'merge') {
    throw badRequest(`Unknown patch type: ${String(directive)}`);
  }
  const base: JsonObject = directive === 'replace' || !isJsonObject(target) ? {} : { ...target };
  const retainKeys = patch.$retainKeys;

  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith(SET_ORDER)) continue;
    if (key.startsWith(DELETE_FROM_LIST)) {
      const field = key.slice(DELETE_FROM_LIST.length);
      const list = base[field];
      if (Array.isArray(list) && Array.isArray(value))
        base[field] = list.filter((v) => !value.includes(v));
      continue;
    }
    const childPath = path === '' ? key : `${path}.${key}`;
    if (value === null) {
      delete base[key];
      continue;
    }
    const strategy = LIST_STRATEGIES[childPath];
    if (Array.isArray(value) && strategy !== undefined) {
      base[key] =
        strategy.kind === 'set'
          ? mergeSet(base[key], value)
          : mergeKeyed(base[key], value, strategy.key, childPath);
      continue;
    }
    const merged = strategicMerge(base[key] ?? null, value, childPath);
    if (merged === null) delete base[key];
    else base[key] = merged;
  }

  if (Array.isArray(retainKeys)) {
    for (const key of Object.keys(base)) if (!retainKeys.includes(key)) delete base[key];
  }
  return base;
}
