/**
 * The JSON-lines protocol of `leasehold candidate` (and of client-go's `goelector`, which
 * prints the `leading` / `stopped-leading` / `new-leader` / `exit` subset without deadlines).
 *
 * @remarks
 * Every `at` and `deadline` is CLOCK_MONOTONIC in nanoseconds as a decimal string: the clock
 * behind `process.hrtime.bigint()` on Linux, shared by every process on the machine, so lines
 * from different processes (and languages) can be compared directly.
 *
 * @module
 */

/** Fields every line carries. */
interface EventBase {
  /** The process's holder identity. */
  readonly identity: string;
  /** When it happened, machine-wide monotonic ns. */
  readonly at: bigint;
}

/** A term began. `deadline` is when the leader's own view of the term expires. */
export interface LeadingEvent extends EventBase {
  readonly type: 'leading';
  readonly fencingToken?: number;
  readonly deadline?: bigint;
}

/** A renewal moved the term's deadline. */
export interface RenewedEvent extends EventBase {
  readonly type: 'renewed';
  readonly deadline: bigint;
}

/** The term ended; `reason` is the library's `TermEndReason`. */
export interface StoppedLeadingEvent extends EventBase {
  readonly type: 'stopped-leading';
  readonly reason?: string;
}

/** Role, observed holder, fencing token or the followers' view of the expiry changed. */
export interface StateEvent extends EventBase {
  readonly type: 'state';
  readonly role: string;
  readonly holder: string | null;
  readonly fencingToken: number | null;
  /** While another holds the Lease: when this process may take it over. */
  readonly leaseExpiresAt?: bigint;
  readonly error?: string;
}

/** client-go's `OnNewLeader`. */
export interface NewLeaderEvent extends EventBase {
  readonly type: 'new-leader';
  readonly leader: string;
}

/** Something failed (configuration, API access). */
export interface ErrorEvent extends EventBase {
  readonly type: 'error';
  readonly error: string;
}

/** Printed just before the process exits. */
export interface ExitEvent extends EventBase {
  readonly type: 'exit';
  readonly code?: number;
}

/** One line of a candidate's output. */
export type CandidateEvent =
  | LeadingEvent
  | RenewedEvent
  | StoppedLeadingEvent
  | StateEvent
  | NewLeaderEvent
  | ErrorEvent
  | ExitEvent;

const DECIMAL = /^\d+$/;

function nanos(value: unknown): bigint | undefined {
  return typeof value === 'string' && DECIMAL.test(value) ? BigInt(value) : undefined;
}

function optionalNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Parses one output line.
 * @returns `null` for anything that is not an event of a known type (log lines, garbage), so a
 * reader can pass those through instead of failing.
 */
export function parseEventLine(line: string): CandidateEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const at = nanos(r.at);
  const { identity, type } = r;
  if (typeof identity !== 'string' || at === undefined) return null;
  const deadline = nanos(r.deadline);
  const fencingToken = optionalNumber(r.fencingToken);
  switch (type) {
    case 'leading':
      return {
        type,
        identity,
        at,
        ...(fencingToken !== null && { fencingToken }),
        ...(deadline !== undefined && { deadline }),
      };
    case 'renewed':
      return deadline === undefined ? null : { type, identity, at, deadline };
    case 'stopped-leading':
      return { type, identity, at, ...(typeof r.reason === 'string' && { reason: r.reason }) };
    case 'state': {
      const leaseExpiresAt = nanos(r.leaseExpiresAt);
      return {
        type,
        identity,
        at,
        role: String(r.role),
        holder: typeof r.holder === 'string' ? r.holder : null,
        fencingToken,
        ...(leaseExpiresAt !== undefined && { leaseExpiresAt }),
        ...(typeof r.error === 'string' && { error: r.error }),
      };
    }
    case 'new-leader':
      return { type, identity, at, leader: String(r.leader ?? '') };
    case 'error':
      return { type, identity, at, error: String(r.error ?? '') };
    case 'exit': {
      const code = optionalNumber(r.code);
      return { type, identity, at, ...(code !== null && { code }) };
    }
    default:
      return null;
  }
}

/** Serialises an event as one line (no newline): bigints become decimal strings. */
export function formatEventLine(event: CandidateEvent): string {
  return JSON.stringify(event, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

/** Machine-wide monotonic now, in ns. */
export function monotonicNow(): bigint {
  return process.hrtime.bigint();
}

/**
 * Converts a time on the elector's clock (`performance.now()` ms) to machine-wide monotonic ns.
 * Both clocks are monotonic and advance at the same rate, so their offset is read once per call.
 */
export function toMonotonicNs(performanceMs: number): bigint {
  const hrNow = process.hrtime.bigint();
  return hrNow + BigInt(Math.round((performanceMs - performance.now()) * 1e6));
}
