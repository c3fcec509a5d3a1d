/**
 * Typed errors. Each kind is a class with a stable `name` and a literal `code`, so callers
 * can branch on `error.code` without string matching, and `cause` keeps the original.
 *
 * @module
 */

/** Base class of every error leasehold creates. */
export abstract class LeaseholdError extends Error {
  abstract readonly code: string;
}

/** A configuration value breaks a rule; raised by `createLeaderElector` before anything runs. */
export class ConfigError extends LeaseholdError {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_LEASEHOLD_CONFIG' as const;
  /** Name of the offending option, e.g. `renewDeadlineMs`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.option = option;
  }
}

/**
 * What went wrong talking to the Lease backend, reduced to what the election logic needs.
 *
 * - `conflict`: the `resourceVersion` precondition failed (HTTP 409 Conflict);
 * - `already-exists`: a create raced with another create (409 AlreadyExists);
 * - `not-found`: the Lease (or its namespace) does not exist (404);
 * - `gone`: the watch asked for history the server no longer has (410); relist;
 * - `unauthorized` / `forbidden`: credentials or RBAC (401 / 403); retrying will not help
 *   until someone changes the cluster;
 * - `invalid`: the server refused the object (400 / 422): a bug or a hostile record;
 * - `unavailable`: anything transient — network errors, timeouts, 429, 5xx.
 */
export type LeaseStoreErrorKind =
  | 'conflict'
  | 'already-exists'
  | 'not-found'
  | 'gone'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid'
  | 'unavailable';

/** A failed call through the Lease store port. */
export class LeaseStoreError extends LeaseholdError {
  override readonly name = 'LeaseStoreError';
  readonly code = 'ERR_LEASEHOLD_STORE' as const;
  readonly kind: LeaseStoreErrorKind;
  /** HTTP status, when there was one. */
  readonly status: number | undefined;
  /** Server-suggested wait before retrying (from `Retry-After`), in ms. */
  readonly retryAfterMs: number | undefined;
  constructor(
    kind: LeaseStoreErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Errors that will keep failing until an operator acts (RBAC, credentials). */
  get isFatal(): boolean {
    return this.kind === 'forbidden' || this.kind === 'unauthorized';
  }
}

/** True for a {@link LeaseStoreError} of one of the given kinds. */
export function isStoreError(
  error: unknown,
  ...kinds: LeaseStoreErrorKind[]
): error is LeaseStoreError {
  return error instanceof LeaseStoreError && (kinds.length === 0 || kinds.includes(error.kind));
}

/**
 * The one fallback from "anything thrown" to a {@link LeaseStoreError}: a typed error passes
 * through unchanged; anything else (a network error, an abort, a bug in a custom store) is
 * `unavailable`, which the election retries until its own deadline and never takes as an
 * answer. Adapters map what they recognise first (the Kubernetes adapter maps HTTP statuses)
 * and hand the rest here.
 *
 * @param message - what to say; defaults to the error's own message.
 */
export function toStoreError(error: unknown, message?: string): LeaseStoreError {
  if (error instanceof LeaseStoreError) return error;
  const text = message ?? (error instanceof Error ? error.message : String(error));
  return new LeaseStoreError('unavailable', text, { cause: error });
}

/** The server sent something that is not a usable Lease. */
export class MalformedLeaseError extends LeaseholdError {
  override readonly name = 'MalformedLeaseError';
  readonly code = 'ERR_LEASEHOLD_MALFORMED_LEASE' as const;
}

/** Leadership ended; the reason is on the error. Used as `term.signal.reason`. */
export class LeadershipLostError extends LeaseholdError {
  override readonly name = 'LeadershipLostError';
  readonly code = 'ERR_LEASEHOLD_LEADERSHIP_LOST' as const;
  readonly reason: TermEndReason;
  constructor(reason: TermEndReason, message = `leadership ended: ${reason}`) {
    super(message);
    this.reason = reason;
  }
}

/**
 * Why a term ended.
 *
 * - `deadline`: no renewal succeeded within `renewDeadlineMs`;
 * - `lost`: another holder (or no holder) was observed on the Lease;
 * - `preferred-holder`: coordinated election named another candidate;
 * - `step-down`: `stepDown()` was called;
 * - `stop`: `stop()` was called or the elector's signal aborted.
 */
export type TermEndReason = 'deadline' | 'lost' | 'preferred-holder' | 'step-down' | 'stop';

/**
 * The term's work did not settle within `drainTimeoutMs` after the term ended, so the Lease
 * is not released.
 *
 * @remarks
 * A release would let a successor lead while this work still runs. Instead renewals have
 * stopped and the Lease is left to run out: a successor waits a lease duration after it saw
 * our last renewal, as for a crashed leader. The elector stays `stepping-down` until its own
 * term's deadline has passed, then goes on (follower, or stopped after `stop()`). Published as
 * `state.error`, with a warning in the log.
 */
export class DrainTimeoutError extends LeaseholdError {
  override readonly name = 'DrainTimeoutError';
  readonly code = 'ERR_LEASEHOLD_DRAIN_TIMEOUT' as const;
  /** The bound that passed, in ms. */
  readonly drainTimeoutMs: number;
  constructor(drainTimeoutMs: number) {
    super(
      `the term's work did not settle within drainTimeoutMs (${drainTimeoutMs} ms); ` +
        'the lease is left to expire instead of being released',
    );
    this.drainTimeoutMs = drainTimeoutMs;
  }
}

/** The elector was stopped before the awaited condition happened. */
export class ElectorStoppedError extends LeaseholdError {
  override readonly name = 'ElectorStoppedError';
  readonly code = 'ERR_LEASEHOLD_STOPPED' as const;
  constructor(message = 'the leader elector is stopped') {
    super(message);
  }
}
