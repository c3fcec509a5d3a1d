/**
 * Fencing across deletions: the epoch a Lease object carries, and the one comparable fence
 * of a term.
 *
 * @remarks
 * `leaseTransitions` (the fencing token) counts terms within one Lease *object*. Deleting the
 * object loses the count, so a recreated Lease could hand out a token of an older term again.
 * The epoch closes that: a Lease object's epoch is the resourceVersion its create made it at.
 * Since Kubernetes 1.35 (KEP-5504) resourceVersions of one resource type are comparable
 * decimal integers, and etcd keeps them increasing across deletions, so that version is above
 * every write of every earlier object — and above every earlier object's epoch. It is known
 * only from the create's answer, so the creator's term uses it from the start and its first
 * renewal stamps it in the annotation {@link FENCING_EPOCH_ANNOTATION}. (The version of the
 * list before the create is not enough: another elector's create and a deletion can land
 * between that list and the create.) Every elector preserves annotations when it writes (so
 * does client-go's Update), so the pair (epoch, token) strictly increases over all terms.
 *
 * A Lease that carries no epoch (created by a manifest, by client-go, by an older leasehold,
 * or by an elector that never renewed it) gets one on its next acquisition by leasehold: the
 * resourceVersion the acquiring write was decided on, which is above everything any earlier
 * object wrote.
 *
 * @module
 */
import type { StoredLease } from './lease-record.js';

/** The annotation that holds a Lease object's fencing epoch (a decimal resourceVersion). */
export const FENCING_EPOCH_ANNOTATION = 'leasehold.dev/fencing-epoch';

/** The epoch of a Lease that carries none. */
export const NO_EPOCH = '0';

const DECIMAL = /^(0|[1-9]\d*)$/;

/** True for a resourceVersion that compares as an integer (KEP-5504: every etcd-backed one). */
export function isDecimalVersion(version: string): boolean {
  return DECIMAL.test(version);
}

/** The epoch stamped on `lease`, or {@link NO_EPOCH} when it has none usable. */
export function fencingEpochOf(lease: StoredLease): string {
  const value = lease.object.metadata.annotations?.[FENCING_EPOCH_ANNOTATION];
  return typeof value === 'string' && isDecimalVersion(value) ? value : NO_EPOCH;
}

/** True when `lease` carries a usable epoch of its own. */
export function hasFencingEpoch(lease: StoredLease): boolean {
  return fencingEpochOf(lease) !== NO_EPOCH;
}

const TOKEN_SPACE = 2n ** 32n;

/**
 * The single comparable fence of a term: `epoch · 2³² + token` as a decimal string.
 * `leaseTransitions` is an int32 in the Lease API, so the token never reaches into the epoch.
 * Compare fences with {@link compareFences} (or as BigInts), never as plain strings.
 */
export function fenceOf(epoch: string, token: number): string {
  const base = isDecimalVersion(epoch) ? BigInt(epoch) : 0n;
  return (base * TOKEN_SPACE + BigInt(Math.max(0, Math.floor(token)))).toString();
}

/**
 * Orders two fences (from {@link fenceOf}, or `term.fence`): negative when `a` belongs to an
 * older term than `b`, zero when equal, positive when newer. A value that is not a decimal
 * integer throws a `TypeError`: a fence is never guessed.
 */
export function compareFences(a: string, b: string): number {
  if (!isDecimalVersion(a) || !isDecimalVersion(b)) {
    throw new TypeError(
      `fences are decimal integers, got ${JSON.stringify(a)} and ${JSON.stringify(b)}`,
    );
  }
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
