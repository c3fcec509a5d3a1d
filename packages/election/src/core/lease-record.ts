/**
 * Lease objects and the election record they carry: parsing what the server sends, and
 * building what we write. Pure functions, no I/O.
 *
 * @remarks
 * The record layout is client-go's, so Go and TypeScript candidates can share one Lease:
 * `holderIdentity` (`""` = free), `leaseDurationSeconds`, `acquireTime`, `renewTime` (MicroTime,
 * six digits), `leaseTransitions` (+1 on every acquisition, kept on renew and release).
 * Writes start from the object as last read and replace only the fields the elector owns, so
 * `strategy`, `preferredHolder`, labels, annotations and owner references survive.
 *
 * @module
 */
import { MalformedLeaseError } from './errors.js';
import { formatMicroTime, parseMicroTime } from './micro-time.js';

/** Metadata fields leasehold reads or writes; everything else is carried through unchanged. */
export interface LeaseMetadata {
  name?: string;
  namespace?: string;
  resourceVersion?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: readonly unknown[];
  [field: string]: unknown;
}

/** A `coordination.k8s.io/v1` Lease as JSON, loosely typed: the server is not trusted. */
export interface LeaseObject {
  apiVersion?: string;
  kind?: string;
  metadata: LeaseMetadata;
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The election fields of a Lease spec, validated and normalised. */
export interface LeaseRecord {
  /** Current holder; `""` when nobody holds the Lease. */
  readonly holderIdentity: string;
  /**
   * The holder's own lease duration in seconds, or `null` when the record has none usable
   * (missing, zero, negative, fractional or not a number). Followers then fall back to their
   * own configured duration, which is never shorter than waiting not at all.
   */
  readonly leaseDurationSeconds: number | null;
  readonly acquireTime: string | null;
  readonly renewTime: string | null;
  /** Acquisitions so far; the fencing token of the current term. */
  readonly leaseTransitions: number;
  readonly strategy: string | null;
  readonly preferredHolder: string | null;
}

/** A Lease as read from the store: its version, its record and the full object. */
export interface StoredLease {
  readonly resourceVersion: string;
  readonly record: LeaseRecord;
  readonly object: LeaseObject;
  /** Oddities found while parsing (wrong types, bad times); empty for a clean record. */
  readonly anomalies: readonly string[];
}

const isRecordObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Placeholder holder for a record whose `holderIdentity` is not a string. */
export const UNKNOWN_HOLDER = '<unreadable holder>';

/**
 * Parses one object from the server into a {@link StoredLease}.
 *
 * @remarks
 * Only a missing `metadata.resourceVersion` or an object that is not a Lease makes the whole
 * object unusable (we could not write it back safely). Inside the spec every oddity has a
 * conservative reading, listed in `anomalies`: a holder that is not a string is an unknown,
 * live holder; a missing or invalid duration falls back to the follower's own; negative or
 * fractional transitions read as 0 or their floor.
 *
 * @throws {@link MalformedLeaseError} when the object cannot be used at all.
 */
export function parseLease(raw: unknown): StoredLease {
  if (!isRecordObject(raw)) throw new MalformedLeaseError('lease is not a JSON object');
  if (raw.kind !== undefined && raw.kind !== 'Lease') {
    throw new MalformedLeaseError(`expected kind Lease, got ${JSON.stringify(raw.kind)}`);
  }
  const metadata = raw.metadata;
  if (!isRecordObject(metadata)) throw new MalformedLeaseError('lease has no metadata');
  const resourceVersion = metadata.resourceVersion;
  if (typeof resourceVersion !== 'string' || resourceVersion === '') {
    throw new MalformedLeaseError('lease has no metadata.resourceVersion');
  }
  const anomalies: string[] = [];
  const spec = raw.spec === undefined || raw.spec === null ? {} : raw.spec;
  if (!isRecordObject(spec)) {
    throw new MalformedLeaseError('lease spec is not an object');
  }
  return {
    resourceVersion,
    record: parseRecord(spec, anomalies),
    object: raw as LeaseObject,
    anomalies,
  };
}

function parseRecord(spec: Record<string, unknown>, anomalies: string[]): LeaseRecord {
  const holder = spec.holderIdentity;
  let holderIdentity: string;
  if (holder === undefined || holder === null) holderIdentity = '';
  else if (typeof holder === 'string') holderIdentity = holder;
  else {
    anomalies.push(`holderIdentity is a ${typeof holder}`);
    holderIdentity = UNKNOWN_HOLDER;
  }

  const duration = spec.leaseDurationSeconds;
  let leaseDurationSeconds: number | null = null;
  if (typeof duration === 'number' && Number.isInteger(duration) && duration > 0) {
    leaseDurationSeconds = duration;
  } else if (duration !== undefined && duration !== null) {
    anomalies.push(`leaseDurationSeconds ${JSON.stringify(duration)} is not a positive integer`);
  } else if (holderIdentity !== '') {
    anomalies.push('leaseDurationSeconds is missing');
  }

  const transitions = spec.leaseTransitions;
  let leaseTransitions = 0;
  if (typeof transitions === 'number' && Number.isFinite(transitions) && transitions >= 0) {
    leaseTransitions = Math.floor(transitions);
    if (leaseTransitions !== transitions) anomalies.push('leaseTransitions is fractional');
  } else if (transitions !== undefined && transitions !== null) {
    anomalies.push(`leaseTransitions ${JSON.stringify(transitions)} is not a count`);
  }

  return {
    holderIdentity,
    leaseDurationSeconds,
    acquireTime: readTime(spec.acquireTime, 'acquireTime', anomalies),
    renewTime: readTime(spec.renewTime, 'renewTime', anomalies),
    leaseTransitions,
    strategy: typeof spec.strategy === 'string' && spec.strategy !== '' ? spec.strategy : null,
    preferredHolder:
      typeof spec.preferredHolder === 'string' && spec.preferredHolder !== ''
        ? spec.preferredHolder
        : null,
  };
}

function readTime(value: unknown, field: string, anomalies: string[]): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  // client-node may hand us a Date (V1MicroTime) on objects we built ourselves.
  if (value instanceof Date && Number.isFinite(value.getTime()))
    return formatMicroTime(value.getTime());
  anomalies.push(`${field} is not a time string`);
  return null;
}

/** True when two records would be the same to client-go (its "record changed" test). */
export function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions &&
    a.strategy === b.strategy &&
    a.preferredHolder === b.preferredHolder
  );
}

/** The spec fields an elector writes; everything else in the spec is preserved. */
export interface ElectionFields {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

/** Fields for taking the Lease: a new term, so the fencing token always moves on. */
export function acquisitionFields(
  previous: LeaseRecord | null,
  identity: string,
  leaseDurationSeconds: number,
  wallNowMs: number,
): ElectionFields {
  const now = formatMicroTime(wallNowMs);
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: now,
    renewTime: now,
    // client-go adds one only when the identity changes. We add one on every acquisition, so
    // a restarted process that reuses its identity still gets a new fencing token; Go clients
    // only ever read this counter, so the difference is safe in a mixed fleet.
    leaseTransitions: previous === null ? 0 : previous.leaseTransitions + 1,
  };
}

/**
 * Fields for renewing our own term: only `renewTime` (and the duration) move.
 *
 * `renewTime` strictly increases over the term (at least 1 ms past the current one): followers
 * restart their wait only when the record differs from the last one *they* saw, which may be
 * several renewals old (a relist, or a read after a conflict, skips versions). With a wall
 * clock that stood still or stepped back, a renewal could otherwise repeat a record a follower
 * already holds — or be skipped by the server as a no-op — and move the leader's deadline
 * but not the followers'. The wall clock stays informational; after a step back, `renewTime`
 * creeps forward by a millisecond per renewal until the wall catches up.
 */
export function renewalFields(
  current: LeaseRecord,
  identity: string,
  leaseDurationSeconds: number,
  wallNowMs: number,
): ElectionFields {
  const previous = parseMicroTime(current.renewTime);
  const now = formatMicroTime(previous === null ? wallNowMs : Math.max(wallNowMs, previous + 1));
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: current.acquireTime ?? now,
    renewTime: now,
    leaseTransitions: current.leaseTransitions,
  };
}

/**
 * Fields for releasing, as client-go writes them: empty holder, a 1 s duration (so clients
 * that ignore the empty holder wait only a second), both times now, transitions kept.
 */
export function releaseFields(current: LeaseRecord, wallNowMs: number): ElectionFields {
  const now = formatMicroTime(wallNowMs);
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: current.leaseTransitions,
  };
}

/** Extra metadata for a Lease that the elector creates. */
export interface LeaseTemplate {
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly unknown[];
}

/** A new Lease object carrying `fields`, to be created. */
export function newLeaseObject(
  name: string,
  namespace: string,
  fields: ElectionFields,
  template: LeaseTemplate = {},
): LeaseObject {
  const metadata: LeaseMetadata = { name, namespace };
  if (template.labels) metadata.labels = { ...template.labels };
  if (template.annotations) metadata.annotations = { ...template.annotations };
  if (template.ownerReferences) metadata.ownerReferences = [...template.ownerReferences];
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: { ...fields } };
}

/**
 * The object to write back: `lease` as read, with `fields` replacing the election fields and
 * everything else (metadata, `strategy`, `preferredHolder`, unknown fields) untouched.
 */
export function withElectionFields(lease: StoredLease, fields: ElectionFields): LeaseObject {
  const { managedFields: _managed, ...metadata } = lease.object.metadata;
  return {
    ...lease.object,
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { ...metadata, resourceVersion: lease.resourceVersion },
    spec: { ...(lease.object.spec ?? {}), ...fields },
  };
}
