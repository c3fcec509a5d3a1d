/**
 * The safety properties, as checkers the simulation calls at every event boundary. Each
 * returns what it found instead of throwing from inside an elector's callbacks; the run loop
 * turns the first finding into a failure with the schedule attached.
 *
 * @remarks
 * - S1: at no instant do two electors report `isLeader` (the getter, read at that instant);
 * - S2: fencing tokens of successive terms strictly increase in real-time order of term start,
 *   and a term's signal is aborted by its local deadline — or, when the process was paused
 *   across the deadline, before it goes idle again after catching up (nothing can run in a
 *   paused process; `isLeader` and `term.isCurrent()` read the clock and are exact anyway);
 * - S3: every write to the Lease is conditioned on the version the writer decided on, and an
 *   elector only writes records it may write: it acquires with a new fencing token, renews and
 *   releases only what it holds, and never changes fields it does not own.
 *
 * @module
 */
import {
  compareFences,
  fenceOf,
  fencingEpochOf,
  hasFencingEpoch,
} from '../../../src/core/fence.js';
import type { LeaseRecord } from '../../../src/core/lease-record.js';
import type { LeaseWriteRecord } from '../../../src/store/index.js';
import type { WriteAttribution } from './sim-server.js';

export type PropertyName = 'S1' | 'S2' | 'S3' | 'L0' | 'L1' | 'L2' | 'L3';

/** A property that did not hold, with enough context to read the failure. */
export interface Violation {
  readonly property: PropertyName;
  /** Real time (ms) when it was detected. */
  readonly at: number;
  readonly message: string;
}

export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
  readonly violation: Violation;
  constructor(violation: Violation) {
    super(`${violation.property} violated at t=${violation.at}ms: ${violation.message}`);
    this.violation = violation;
  }
}

/** What S1 needs from an elector: its name and the `isLeader` getter. */
export interface LeaderProbe {
  readonly identity: string;
  isLeader(): boolean;
  /** Extra context for a failure message (role, deadline, local time). */
  describe(): string;
}

/** S1: at most one of `probes` is leader right now. */
export function checkSingleLeader(probes: readonly LeaderProbe[], at: number): Violation | null {
  const leaders = probes.filter((probe) => probe.isLeader());
  if (leaders.length <= 1) return null;
  return {
    property: 'S1',
    at,
    message: `${leaders.length} electors report isLeader: ${leaders
      .map((leader) => `${leader.identity} (${leader.describe()})`)
      .join('; ')}`,
  };
}

/** One term, as seen published by an elector. */
export interface TermStart {
  readonly identity: string;
  readonly fencingToken: number;
  /** The term's fence, (epoch, token): what must strictly increase, deletions included. */
  readonly fence: string;
  /** Real time of the publication. */
  readonly at: number;
}

/** S2, first half: records term starts and checks their tokens strictly increase. */
export interface TermLog {
  record(start: TermStart): Violation | null;
  readonly terms: readonly TermStart[];
}

export function createTermLog(): TermLog {
  const terms: TermStart[] = [];
  return {
    terms,
    record(start) {
      const previous = terms.at(-1);
      terms.push(start);
      if (previous === undefined || compareFences(start.fence, previous.fence) > 0) return null;
      return {
        property: 'S2',
        at: start.at,
        message:
          `term of ${start.identity} started with fencing token ${start.fencingToken} (fence ${start.fence}), ` +
          `not above ${previous.fencingToken} (fence ${previous.fence}) of the previous term (${previous.identity}, t=${previous.at})`,
      };
    },
  };
}

/** What the deadline half of S2 needs to know about one elector's current term. */
export interface TermDeadlineProbe {
  readonly identity: string;
  /** The elector's local time now. */
  readonly localNow: number;
  /** The term the elector last published, if any; ended terms are checked too. */
  readonly term: { readonly signal: AbortSignal; readonly deadline: number } | null;
  /**
   * False while the process is stalled, still replaying what it missed while stalled, or has
   * a timer due this instant: the abort is owed by the time the elector goes idle.
   */
  readonly caughtUp: boolean;
}

/**
 * Tolerance on the local clock for a deadline timer: timers fire on whole real milliseconds,
 * up to one real ms late, and a real ms is at most ρ local ms.
 */
export const DEADLINE_TOLERANCE_MS = 2;

/** S2, second half: a term whose deadline has passed has had its signal aborted. */
export function checkTermAborted(probe: TermDeadlineProbe, at: number): Violation | null {
  const { term } = probe;
  if (term === null || term.signal.aborted || !probe.caughtUp) return null;
  if (probe.localNow <= term.deadline + DEADLINE_TOLERANCE_MS) return null;
  return {
    property: 'S2',
    at,
    message:
      `${probe.identity}: term signal not aborted ${(probe.localNow - term.deadline).toFixed(1)} ms ` +
      `past its deadline (local now ${probe.localNow.toFixed(1)}, deadline ${term.deadline.toFixed(1)})`,
  };
}

/** The write log in order, with who sent each write. */
export interface AttributedWrite {
  readonly record: LeaseWriteRecord;
  readonly attribution: WriteAttribution | undefined;
}

/** S3: checks writes incrementally, remembering the Lease as it was before each one. */
export interface WriteLogChecker {
  /** Checks every write not checked yet; `electors` are the clients that are electors. */
  check(writes: readonly AttributedWrite[], isElector: (client: string) => boolean): Violation[];
}

const OWNED_FIELDS = [
  'holderIdentity',
  'leaseDurationSeconds',
  'acquireTime',
  'renewTime',
  'leaseTransitions',
] as const;

export function createWriteLogChecker(): WriteLogChecker {
  let checked = 0;
  let previous: { version: string; record: LeaseRecord } | null = null;
  /**
   * Highest fence — (epoch, token) — any record has carried: every acquisition, a recreated
   * Lease's included, must go past it.
   */
  let highestFence: string | null = null;
  /**
   * The epoch of the object now stored: its annotation, or the version its create made it
   * at, as its creator counts it until its first renewal stamps that (see core/fence.ts).
   */
  let createdAt: string | null = null;
  return {
    check(writes, isElector) {
      const found: Violation[] = [];
      for (; checked < writes.length; checked++) {
        const write = writes[checked] as AttributedWrite;
        const { record, attribution } = write;
        const before = previous;
        const highestBefore = highestFence;
        if (record.method === 'create') createdAt = record.resourceVersion;
        if (record.lease === null) createdAt = null;
        const fence = record.lease
          ? fenceOf(
              hasFencingEpoch(record.lease)
                ? fencingEpochOf(record.lease)
                : (createdAt ?? fencingEpochOf(record.lease)),
              record.lease.record.leaseTransitions,
            )
          : null;
        if (fence !== null && (highestFence === null || compareFences(fence, highestFence) > 0)) {
          highestFence = fence;
        }
        previous = record.lease
          ? { version: record.resourceVersion, record: record.lease.record }
          : null;
        const fail = (message: string) =>
          found.push({
            property: 'S3',
            at: record.atMs,
            message: `write #${record.sequence}: ${message}`,
          });

        if (record.method === 'create') {
          if (before !== null) fail(`create over an existing Lease at version ${before.version}`);
        } else if (record.method === 'replace') {
          if (record.expectedResourceVersion === null) fail('a replace landed unconditioned');
          else if (before !== null && record.expectedResourceVersion !== before.version) {
            fail(
              `a replace conditioned on ${record.expectedResourceVersion} landed on version ${before.version}`,
            );
          }
        }
        if (attribution === undefined) continue;
        if (attribution.requestedVersion !== record.expectedResourceVersion) {
          fail(
            `${attribution.client} asked for version ${attribution.requestedVersion}, ` +
              `the write was conditioned on ${record.expectedResourceVersion}`,
          );
        }
        if (!isElector(attribution.client) || record.lease === null) continue;
        const client = attribution.client;
        const after = record.lease.record;
        const was = before?.record ?? null;
        if (after.holderIdentity !== client && after.holderIdentity !== '') {
          fail(`${client} wrote holder ${JSON.stringify(after.holderIdentity)}`);
          continue;
        }
        if (
          was &&
          (after.strategy !== was.strategy || after.preferredHolder !== was.preferredHolder)
        ) {
          fail(`${client} changed coordinated-election fields it does not own`);
        }
        const unchanged =
          was !== null && OWNED_FIELDS.every((field) => after[field] === was[field]);
        if (unchanged) continue; // a replace that changed nothing (the server skipped it)
        if (after.holderIdentity === '') {
          if (was?.holderIdentity !== client) {
            fail(
              `${client} released a Lease held by ${JSON.stringify(was?.holderIdentity ?? null)}`,
            );
          }
        } else if (
          was !== null &&
          was.holderIdentity === client &&
          after.leaseTransitions === was.leaseTransitions
        ) {
          // A renewal of the holder's own term: nothing else to check.
        } else if (was !== null && after.leaseTransitions !== was.leaseTransitions + 1) {
          fail(
            `${client} acquired with fencing token ${after.leaseTransitions} after ${was.leaseTransitions}`,
          );
        } else if (
          fence !== null &&
          highestBefore !== null &&
          compareFences(fence, highestBefore) <= 0
        ) {
          // A (re)created Lease, too, must go past every earlier term: (epoch, token) compared.
          fail(
            `${client} acquired with fence ${fence} (token ${after.leaseTransitions}) after ` +
              `${was === null ? 'no Lease' : `token ${was.leaseTransitions}`} ` +
              `(highest fence so far ${highestBefore})`,
          );
        }
      }
      return found;
    },
  };
}
