/**
 * `ElectorEvent`: what happens inside an elector, as one typed stream (`elector.events$`).
 *
 * @remarks
 * The events are derived, never emitted by the machine itself: {@link electorEvents} compares
 * two successive machine snapshots (and, for the watch, the public machine event that caused
 * the second one) and says what happened between them. Keeping the derivation pure and
 * outside the machine means metrics, logs, traces and Kubernetes Events are all built on one
 * tested function, and the election logic carries no observability code.
 *
 * @module
 */
import type { LeaseholdError, LeaseStoreErrorKind, TermEndReason } from '../core/errors.js';
import { LeaseStoreError } from '../core/errors.js';
import { holderOf } from '../core/lease-view.js';
import type { ElectionContext } from '../machine/election-machine.js';

/**
 * How an attempt failed: a {@link LeaseStoreErrorKind}, `timeout` when no answer came within
 * the elector's bound, or `error` for anything that is not a store error.
 */
export type FailureKind = LeaseStoreErrorKind | 'timeout' | 'error';

/**
 * One thing that happened in an elector. Every event carries `at`, the local monotonic time
 * (the elector's clock, ms) at which the elector saw it.
 *
 * - `acquire.attempted`: a write to take the Lease was sent.
 * - `acquire.succeeded`: it landed; `fencingToken` is the new term's token.
 * - `acquire.lost-race`: another candidate wrote first (not a failure; nothing backs off).
 * - `acquire.failed`: the write failed or went unanswered; the elector backs off.
 * - `acquire.unconfirmed`: the write created the Lease, but the watch did not show it had
 *   been absent until then (a Lease came and went unseen, or the watch was too slow): the
 *   elector does not lead on it and waits its own record out, a lease duration.
 * - `renew.attempted` / `renew.succeeded` / `renew.failed`: one renewal round of the leader.
 *   `roundTripMs` is send-to-answer; `deadlineMarginMs` is how much of the term was left when
 *   the answer came (before it moved the deadline): the early warning before a lost term.
 * - `term.started` / `term.ended`: leadership began (with its fencing token) or ended (why).
 * - `release.sent` / `release.confirmed` / `release.failed`: giving the Lease back after a term.
 * - `leader.changed`: the observed holder changed (`null`: nobody holds it). `initial` marks the
 *   first observation after start, which is not a change anyone caused.
 * - `watch.synced`: a list of the Lease succeeded; `reconnect` is false only the first time.
 * - `watch.failed`: a list or watch failed; the watch retries on its own.
 * - `stop.requested` / `stopped`: `stop()` was called; the elector has stopped (`error` set when
 *   an internal error stopped it).
 */
export type ElectorEvent =
  | { readonly type: 'acquire.attempted'; readonly at: number }
  | { readonly type: 'acquire.succeeded'; readonly at: number; readonly fencingToken: number }
  | { readonly type: 'acquire.lost-race'; readonly at: number; readonly holder: string | null }
  | {
      readonly type: 'acquire.failed';
      readonly at: number;
      readonly kind: FailureKind;
      readonly error: LeaseholdError | null;
    }
  | { readonly type: 'acquire.unconfirmed'; readonly at: number }
  | { readonly type: 'renew.attempted'; readonly at: number }
  | {
      readonly type: 'renew.succeeded';
      readonly at: number;
      readonly roundTripMs: number;
      readonly deadlineMarginMs: number;
    }
  | {
      readonly type: 'renew.failed';
      readonly at: number;
      readonly kind: FailureKind;
      readonly error: LeaseholdError | null;
      /** Time left to the term's deadline when the failure was seen. */
      readonly deadlineMarginMs: number;
    }
  | { readonly type: 'term.started'; readonly at: number; readonly fencingToken: number }
  | {
      readonly type: 'term.ended';
      readonly at: number;
      readonly fencingToken: number;
      readonly reason: TermEndReason;
    }
  /**
   * The term's work did not settle within the drain bound (`drainTimeoutMs`): no release is
   * sent, and the Lease runs out at the term's deadline instead. `state.error` holds the
   * matching `DrainTimeoutError`.
   */
  | {
      readonly type: 'drain.timed-out';
      readonly at: number;
      readonly fencingToken: number;
      readonly drainTimeoutMs: number;
    }
  | { readonly type: 'release.sent'; readonly at: number }
  | { readonly type: 'release.confirmed'; readonly at: number }
  | {
      readonly type: 'release.failed';
      readonly at: number;
      /** `not-held`: a fresh read showed another holder, so nothing was written. */
      readonly kind: FailureKind | 'not-held';
      readonly error: LeaseholdError | null;
    }
  | {
      readonly type: 'leader.changed';
      readonly at: number;
      readonly holder: string | null;
      readonly previous: string | null;
      readonly initial: boolean;
    }
  | { readonly type: 'watch.synced'; readonly at: number; readonly reconnect: boolean }
  | {
      readonly type: 'watch.failed';
      readonly at: number;
      readonly kind: FailureKind;
      readonly error: LeaseholdError;
    }
  | { readonly type: 'stop.requested'; readonly at: number }
  | { readonly type: 'stopped'; readonly at: number; readonly error: unknown };

/** The `type` of an {@link ElectorEvent}. */
export type ElectorEventType = ElectorEvent['type'];

/** The parts of a machine snapshot the derivation reads. */
export interface ElectorSnapshot {
  /** XState snapshot status: `active`, `done`, `error` or `stopped`. */
  readonly status: string;
  /** XState state value, e.g. `'follower'` or `{ leader: 'renewing' }`. */
  readonly value: unknown;
  readonly error?: unknown;
  readonly context: Pick<
    ElectionContext,
    | 'config'
    | 'view'
    | 'term'
    | 'deadline'
    | 'termEnd'
    | 'error'
    | 'acquireFailures'
    | 'pendingCreate'
    | 'stopRequested'
    | 'releaseOnExit'
  >;
}

/**
 * The machine event that produced the second snapshot: a public machine event (`watch.failed`,
 * `lease.observed`, …) or the completion of one of its effects, whose `output` is the write's
 * result (`{ outcome, sentAt? }`) or whose `error` is the failure.
 */
export interface SnapshotCause {
  readonly type: string;
  readonly error?: unknown;
  readonly output?: unknown;
}

/** The `outcome` (and `sentAt`) of a write result carried by a cause, if any. */
function writeResult(cause: SnapshotCause | undefined) {
  const output = cause?.output as { outcome?: unknown; sentAt?: unknown } | undefined;
  if (output === null || typeof output !== 'object') return null;
  return {
    outcome: typeof output.outcome === 'string' ? output.outcome : null,
    sentAt: typeof output.sentAt === 'number' ? output.sentAt : null,
  };
}

/** Top-level state name and sub-state name (if any) of a state value. */
export function stateOf(value: unknown): readonly [string, string | null] {
  if (typeof value === 'string') return [value, null];
  if (value !== null && typeof value === 'object') {
    const [key, sub] = Object.entries(value)[0] ?? ['unknown', null];
    return [key, typeof sub === 'string' ? sub : null];
  }
  return ['unknown', null];
}

/** The kind of a failure, for metrics labels. */
export function failureKind(error: unknown): FailureKind {
  return error instanceof LeaseStoreError ? error.kind : 'error';
}

/** A trimmed event without its timestamp, as {@link electorEvents} builds them. */
type Untimed<E> = E extends ElectorEvent ? Omit<E, 'at'> : never;

/**
 * What happened between two successive snapshots of one elector, in the order it happened.
 *
 * @param prev - the previous snapshot
 * @param next - the snapshot after one machine event was processed
 * @param now - the elector's clock at `next`
 * @param cause - the machine event behind `next`, if known (needed only for the watch events)
 * @param synced - how many times the watch has synced before `next` (for `reconnect`)
 */
export function electorEvents(
  prev: ElectorSnapshot,
  next: ElectorSnapshot,
  now: number,
  cause?: SnapshotCause,
  synced = 0,
): ElectorEvent[] {
  const out: Untimed<ElectorEvent>[] = [];
  const [was, wasSub] = stateOf(prev.value);
  const [is, isSub] = stateOf(next.value);
  const a = prev.context;
  const b = next.context;
  const newError = b.error !== a.error ? b.error : null;
  const result = writeResult(cause);
  const failedEffect = cause?.type.startsWith('xstate.error') ?? false;
  const observed = (): void => {
    const before = holderOf(a.view);
    const after = holderOf(b.view);
    if (b.view.synced && (before !== after || !a.view.synced)) {
      out.push({
        type: 'leader.changed',
        holder: after,
        previous: before,
        initial: !a.view.synced,
      });
    }
  };
  // What the watch saw comes before what it made the elector do; a write's own result after.
  const watchSaw = cause?.type === 'lease.observed';
  if (watchSaw) observed();

  if (cause?.type === 'watch.failed' && cause.error instanceof LeaseStoreError) {
    out.push({ type: 'watch.failed', kind: cause.error.kind, error: cause.error });
  }
  if (!a.stopRequested && b.stopRequested) out.push({ type: 'stop.requested' });

  // Acquisition: entering `candidate` sends the write; leaving it says how it went.
  const lostRace = was === 'candidate' && result?.outcome === 'lost-race';
  if (lostRace) out.push({ type: 'acquire.lost-race', holder: holderOf(b.view) });
  if (is === 'candidate' && (was !== 'candidate' || lostRace)) {
    out.push({ type: 'acquire.attempted' });
  }
  if (was === 'candidate' && is !== 'candidate' && !lostRace) {
    if (a.term === null && b.term !== null) {
      out.push({ type: 'acquire.succeeded', fencingToken: b.term.fencingToken });
    } else if (a.pendingCreate !== null) {
      out.push({ type: 'acquire.unconfirmed' });
    } else if (b.acquireFailures > a.acquireFailures) {
      // The machine gives up on an unanswered write with a delayed transition.
      const timedOut = cause?.type.startsWith('xstate.after') ?? false;
      out.push({
        type: 'acquire.failed',
        kind: timedOut ? 'timeout' : failureKind(newError),
        error: newError,
      });
    } else {
      out.push({ type: 'acquire.lost-race', holder: holderOf(b.view) });
    }
  }
  if (a.term === null && b.term !== null) {
    out.push({ type: 'term.started', fencingToken: b.term.fencingToken });
  }

  // Renewal: only while the same term goes on in `leader`.
  if (was === 'leader' && is === 'leader' && a.term !== null && a.term === b.term) {
    const margin = (a.deadline ?? now) - now;
    if (b.deadline !== null && a.deadline !== null && b.deadline > a.deadline) {
      const sentAt = result?.sentAt ?? b.deadline - b.config.renewDeadlineMs;
      out.push({ type: 'renew.succeeded', roundTripMs: now - sentAt, deadlineMarginMs: margin });
    } else if (wasSub === 'renewing' && isSub === 'retrying') {
      const error = newError;
      out.push({
        type: 'renew.failed',
        kind: error === null ? 'timeout' : failureKind(error),
        error,
        deadlineMarginMs: margin,
      });
    }
  }
  if (is === 'leader' && isSub === 'renewing' && !(was === 'leader' && wasSub === 'renewing')) {
    out.push({ type: 'renew.attempted' });
  }

  // The term ends on entering `stepping-down`; the release comes after the drain.
  if (is === 'stepping-down' && was !== 'stepping-down' && b.term !== null) {
    out.push({
      type: 'term.ended',
      fencingToken: b.term.fencingToken,
      reason: b.termEnd ?? 'stop',
    });
  }
  /** True when `[state, sub]` is the stepping-down sub-state `name`. */
  const steppingDown = (name: string, state: string, sub: string | null) =>
    state === 'stepping-down' && sub === name;
  const lapsing = (state: string, sub: string | null) => steppingDown('lapsing', state, sub);
  if (lapsing(is, isSub) && !lapsing(was, wasSub) && b.term !== null) {
    out.push({
      type: 'drain.timed-out',
      fencingToken: b.term.fencingToken,
      drainTimeoutMs: b.config.drainTimeoutMs,
    });
  }
  const releasing = (state: string, sub: string | null) => steppingDown('releasing', state, sub);
  if (releasing(is, isSub) && !releasing(was, wasSub)) out.push({ type: 'release.sent' });
  if (releasing(was, wasSub) && !releasing(is, isSub)) {
    if (result?.outcome === 'released') {
      out.push({ type: 'release.confirmed' });
    } else if (result?.outcome === 'not-held') {
      out.push({ type: 'release.failed', kind: 'not-held', error: null });
    } else if (failedEffect || newError !== null) {
      const error = newError ?? (cause?.error instanceof LeaseStoreError ? cause.error : null);
      out.push({ type: 'release.failed', kind: failureKind(cause?.error ?? error), error });
    } else {
      out.push({ type: 'release.failed', kind: 'timeout', error: null });
    }
  }

  if (!watchSaw) observed();
  if (cause?.type === 'watch.synced') out.push({ type: 'watch.synced', reconnect: synced > 0 });

  if (prev.status === 'active' && next.status !== 'active') {
    out.push({ type: 'stopped', error: next.status === 'error' ? (next.error ?? null) : null });
  }
  return out.map((event) => ({ ...event, at: now }) as ElectorEvent);
}
