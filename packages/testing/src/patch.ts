/**
 * JSON Merge Patch (RFC 7386) and JSON Patch (RFC 6902), with the error texts of the
 * `evanphx/json-patch` library the real server uses. The caller decodes and validates the
 * patched document like any other write.
 */
import { type ApiError, badRequest, genericResponse } from './status.js';

/** A JSON value. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** Whether a JSON value is a (non-array) object. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386: `null` deletes, objects merge recursively, anything else replaces. */
export function mergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key] ?? null, value);
  }
  return result;
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: JsonValue;
}

/** JSON Patch failures are 422 with the library's text as the cause, as upstream answers. */
const applyError = (_message: string): ApiError => genericResponse(422);

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw applyError(`JSON pointer must be empty or start with a "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

/** A container and a key inside it, or undefined when the parent is missing. */
type Slot = { parent: JsonObject | JsonValue[]; key: string } | undefined;

function locate(doc: JsonValue, segments: string[]): Slot {
  let node: JsonValue | undefined = doc;
  for (const segment of segments.slice(0, -1)) {
    if (Array.isArray(node)) node = /^\d+$/.test(segment) ? node[Number(segment)] : undefined;
    else if (isJsonObject(node)) node = node[segment];
    else return undefined;
  }
  const key = segments[segments.length - 1];
  if (key === undefined || (!Array.isArray(node) && !isJsonObject(node))) return undefined;
  return { parent: node, key };
}

function read(slot: Slot): JsonValue | undefined {
  if (slot === undefined) return undefined;
  const { parent, key } = slot;
  if (Array.isArray(parent)) return /^\d+$/.test(key) ? parent[Number(key)] : undefined;
  return Object.hasOwn(parent, key) ? parent[key] : undefined;
}

function arrayIndex(parent: JsonValue[], key: string, forInsert: boolean, path: string): number {
  if (forInsert && key === '-') return parent.length;
  const limit = forInsert ? parent.length : parent.length - 1;
  if (!/^\d+$/.test(key) || Number(key) > limit)
    throw applyError(`Unable to access invalid index: ${key}: invalid index referenced (${path})`);
  return Number(key);
}

function add(doc: JsonValue, path: string, value: JsonValue): JsonValue {
  const segments = decodePointer(path);
  if (segments.length === 0) return value;
  const slot = locate(doc, segments);
  if (slot === undefined)
    throw applyError(`add operation does not apply: doc is missing path: "${path}": missing value`);
  if (Array.isArray(slot.parent))
    slot.parent.splice(arrayIndex(slot.parent, slot.key, true, path), 0, value);
  else slot.parent[slot.key] = value;
  return doc;
}

function remove(doc: JsonValue, path: string, op = 'remove'): JsonValue {
  const slot = locate(doc, decodePointer(path));
  if (slot === undefined || read(slot) === undefined) {
    throw applyError(
      `${op} operation does not apply: doc is missing path: "${path}": missing value`,
    );
  }
  if (Array.isArray(slot.parent))
    slot.parent.splice(arrayIndex(slot.parent, slot.key, false, path), 1);
  else delete slot.parent[slot.key];
  return doc;
}

function applyOperation(doc: JsonValue, operation: Operation): JsonValue {
  const { op, path } = operation;
  switch (op) {
    case 'add':
      return add(doc, path, structuredClone(operation.value ?? null));
    case 'remove':
      return remove(doc, path);
    case 'replace': {
      const slot = locate(doc, decodePointer(path));
      if (decodePointer(path).length === 0) return structuredClone(operation.value ?? null);
      if (slot === undefined || read(slot) === undefined) {
        throw applyError(
          `replace operation does not apply: doc is missing key: ${path}: missing value`,
        );
      }
      const value = structuredClone(operation.value ?? null);
      if (Array.isArray(slot.parent))
        slot.parent[arrayIndex(slot.parent, slot.key, false, path)] = value;
      else slot.parent[slot.key] = value;
      return doc;
    }
    case 'move':
    case 'copy': {
      const from = operation.from ?? '';
      const value = read(locate(doc, decodePointer(from)));
      if (value === undefined)
        throw applyError(
          `${op} operation does not apply: doc is missing from path: ${from}: missing value`,
        );
      const next = op === 'move' ? remove(doc, from, 'move') : doc;
      return add(next, path, structuredClone(value));
    }
    case 'test': {
      const segments = decodePointer(path);
      const actual = segments.length === 0 ? doc : read(locate(doc, segments));
      if (!deepEqual(actual ?? null, operation.value ?? null))
        throw applyError(`testing value ${path} failed: test failed`);
      return doc;
    }
    default:
      throw applyError(`Unexpected kind: ${op}`);
  }
}

/** Decodes a JSON Patch document; a malformed one is a 400 like `jsonpatch.DecodePatch`'s. */
export function decodeJsonPatch(raw: unknown): Operation[] {
  if (!Array.isArray(raw))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  return raw.map((entry: unknown) => {
    if (!isJsonObject(entry))
      throw badRequest(
        'json: cannot unmarshal non-object into Go value of type jsonpatch.Operation',
      );
    const { op, path, from } = entry;
    if (typeof op !== 'string') throw applyError('Unexpected kind: <nil>');
    if (typeof path !== 'string')
      throw applyError(`${op} operation does not apply: doc is missing path: "": missing value`);
    return {
      op,
      path,
      ...(typeof from === 'string' ? { from } : {}),
      ...(Object.hasOwn(entry, 'value') ? { value: entry.value ?? null } : {}),
    };
  });
}

/** RFC 6902: applies operations in order to a copy of `doc`. */
export function jsonPatch(doc: JsonValue, operations: readonly Operation[]): JsonValue {
  return operations.reduce(applyOperation, structuredClone(doc));
}
