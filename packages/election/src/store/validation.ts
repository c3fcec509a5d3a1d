/**
 * What the API server does to a Lease body before storing it, for the in-memory store:
 * decode it as JSON, check it, drop the fields the type does not have.
 *
 * @remarks
 * Modelled on `coordination.k8s.io/v1` validation (`ValidateLease`) and Go's JSON decoding:
 * - the object is passed through `JSON.stringify` first, exactly as it would be on the wire, so
 *   a `Date` becomes a three-digit string (refused) and a `V1MicroTime` a six-digit one;
 * - `leaseDurationSeconds` must be an integer > 0, `leaseTransitions` an integer ≥ 0 (both
 *   int32); `acquireTime`/`renewTime` must match Go's `RFC3339Micro` layout exactly (six
 *   fractional digits, `Z` or an offset) and are stored in UTC;
 * - `preferredHolder` requires `strategy`; an unprefixed `strategy` must be a known one;
 * - unknown top-level, metadata and spec fields are dropped, as the server prunes them.
 *
 * @module
 */
import { LeaseStoreError } from '../core/errors.js';
import type { LeaseObject } from '../core/lease-record.js';

const API_VERSION = 'coordination.k8s.io/v1';
const KNOWN_STRATEGIES = new Set(['OldestEmulationVersion']);
const METADATA_FIELDS = new Set([
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
]);
const SPEC_FIELDS = [
  'holderIdentity',
  'leaseDurationSeconds',
  'acquireTime',
  'renewTime',
  'leaseTransitions',
  'strategy',
  'preferredHolder',
] as const;
const INT32_MAX = 2_147_483_647;
/** Go's `metav1.RFC3339Micro`: exactly six fractional digits. */
const MICRO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{6})(Z|[+-]\d{2}:\d{2})$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Where the object is going: the URL's name and namespace, and the verb for messages. */
export interface Destination {
  readonly name: string;
  readonly namespace: string;
  readonly method: string;
}

/**
 * Validates and normalises a Lease body as the API server would.
 *
 * @returns a fresh JSON object with `apiVersion`, `kind`, name and namespace filled in.
 * @throws `LeaseStoreError('invalid')` naming the first offending field.
 */
export function normalizeLease(object: unknown, to: Destination): LeaseObject {
  const fail = (message: string): never => {
    throw new LeaseStoreError(
      'invalid',
      `${to.method} lease ${to.namespace}/${to.name}: ${message}`,
    );
  };
  let wire: unknown;
  try {
    wire = JSON.parse(JSON.stringify(object) ?? 'null');
  } catch (error) {
    throw new LeaseStoreError('invalid', `${to.method}: the object is not JSON`, { cause: error });
  }
  if (!isObject(wire)) return fail('the body is not a JSON object');
  if (wire.apiVersion !== undefined && wire.apiVersion !== API_VERSION) {
    fail(`apiVersion ${JSON.stringify(wire.apiVersion)} is not ${API_VERSION}`);
  }
  if (wire.kind !== undefined && wire.kind !== 'Lease') {
    fail(`kind ${JSON.stringify(wire.kind)} is not Lease`);
  }
  const metadataIn = wire.metadata ?? {};
  if (!isObject(metadataIn)) return fail('metadata is not an object');
  const metadata: Json = {};
  for (const [key, value] of Object.entries(metadataIn)) {
    if (METADATA_FIELDS.has(key) && value !== null) metadata[key] = value;
  }
  for (const [field, expected] of [
    ['name', to.name],
    ['namespace', to.namespace],
  ] as const) {
    if (metadata[field] !== undefined && metadata[field] !== expected) {
      fail(`metadata.${field} ${JSON.stringify(metadata[field])} does not match ${expected}`);
    }
    metadata[field] = expected;
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = metadata[field];
    if (map === undefined) continue;
    if (!isObject(map) || Object.values(map).some((value) => typeof value !== 'string')) {
      fail(`metadata.${field} must map strings to strings`);
    }
  }

  const specIn = wire.spec ?? {};
  if (!isObject(specIn)) return fail('spec is not an object');
  const spec: Json = {};
  for (const field of SPEC_FIELDS) {
    const value = specIn[field];
    if (value !== undefined && value !== null) spec[field] = value;
  }
  checkString(spec, 'holderIdentity', fail);
  checkString(spec, 'strategy', fail);
  checkString(spec, 'preferredHolder', fail);
  checkInteger(spec, 'leaseDurationSeconds', 1, fail);
  checkInteger(spec, 'leaseTransitions', 0, fail);
  for (const field of ['acquireTime', 'renewTime'] as const) {
    if (spec[field] !== undefined) spec[field] = toUtcMicroTime(spec[field], field, fail);
  }
  const strategy = spec.strategy as string | undefined;
  if (strategy && !strategy.includes('/') && !KNOWN_STRATEGIES.has(strategy)) {
    fail(`spec.strategy ${JSON.stringify(strategy)} is not supported`);
  }
  if (spec.preferredHolder && !strategy) {
    fail('spec.preferredHolder may only be specified if spec.strategy is defined');
  }
  return { apiVersion: API_VERSION, kind: 'Lease', metadata, spec };
}

function checkString(spec: Json, field: string, fail: (message: string) => never): void {
  if (spec[field] !== undefined && typeof spec[field] !== 'string') {
    fail(`spec.${field} must be a string`);
  }
}

function checkInteger(
  spec: Json,
  field: string,
  minimum: number,
  fail: (message: string) => never,
): void {
  const value = spec[field];
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value > INT32_MAX) {
    fail(`spec.${field} ${JSON.stringify(value)} is not an int32`);
  }
  if ((value as number) < minimum) {
    fail(`spec.${field} must be ${minimum === 0 ? 'non-negative' : 'greater than 0'}`);
  }
}

/** Checks the Go layout and rewrites an offset time in UTC, keeping all six digits. */
function toUtcMicroTime(value: unknown, field: string, fail: (message: string) => never): string {
  const match = typeof value === 'string' ? MICRO_TIME.exec(value) : null;
  const ms = match ? Date.parse(`${match[1]}.${match[2]?.slice(0, 3)}${match[3]}`) : Number.NaN;
  if (!match || !Number.isFinite(ms)) {
    return fail(
      `spec.${field} ${JSON.stringify(value)} is not a MicroTime ` +
        '(RFC 3339 with exactly six fractional digits, e.g. 2026-01-02T03:04:05.123456Z)',
    );
  }
  if (match[3] === 'Z') return value as string;
  return `${new Date(ms).toISOString().slice(0, 23)}${match[2]?.slice(3)}Z`;
}
