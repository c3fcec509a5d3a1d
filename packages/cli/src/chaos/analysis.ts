/**
 * What the chaos runner concludes from the record: leaderless gaps and which injected faults
 * explain them, and what ended each term (an action, a fault, or nothing known) with the time
 * until the next term began. Pure functions of the intervals and the timeline.
 *
 * @remarks
 * A gap is a stretch of the observed window that no leadership interval covers. Intervals end
 * at the earliest of `stopped-leading`, the last reported deadline and the kill time (see
 * `intervals.ts`), so a gap starts when the old leader could no longer act, not when it said so.
 *
 * A gap is *explained* when some fault was active in it, or in the `lookback` before it (a
 * fault that made the leader miss its renewals has often ended by the time its term does; the
 * report looks back only when no action ended that term).
 * Whatever the labels, each gap also gets `unexplainedNs`: its longest stretch during which no
 * fault was active. That is what is held against `leaseDuration + retryPeriod`: a partition
 * explains the time it lasted, not an election that drags on long after it healed.
 *
 * @module
 */
import type { LeadershipInterval } from '../intervals.js';
import type { ActionRecord, FaultRecord } from './timeline.js';

const byStart = (a: { start: bigint }, b: { start: bigint }) =>
  a.start < b.start ? -1 : a.start > b.start ? 1 : 0;

const isEmpty = (i: LeadershipInterval) => i.end !== null && i.end <= i.start;

/** A stretch with no leader. */
export interface GapSpan {
  readonly start: bigint;
  readonly end: bigint;
  /** Still leaderless when the observed window closed. */
  readonly open: boolean;
  /** The term whose end started the gap (`null` before the first leader). */
  readonly after: LeadershipInterval | null;
}

/**
 * Gaps between leadership intervals within `[from, to)`.
 * @param from usually the start of the first term: the first election is not a gap.
 */
export function leaderlessGaps(
  intervals: readonly LeadershipInterval[],
  from: bigint,
  to: bigint,
): GapSpan[] {
  const gaps: GapSpan[] = [];
  let coveredUntil: bigint | null = from; // null: an open interval covers the rest
  let last: LeadershipInterval | null = null;
  for (const interval of [...intervals].sort(byStart)) {
    if (coveredUntil === null || interval.start >= to) break;
    if (isEmpty(interval)) continue;
    if (interval.start > coveredUntil) {
      gaps.push({ start: coveredUntil, end: interval.start, open: false, after: last });
    }
    if (interval.end === null) {
      coveredUntil = null;
      last = interval;
    } else if (interval.end > coveredUntil) {
      coveredUntil = interval.end;
      last = interval;
    }
  }
  if (coveredUntil !== null && coveredUntil < to) {
    gaps.push({ start: coveredUntil, end: to, open: true, after: last });
  }
  return gaps;
}

/** Whether a fault was active at some point of `[from, to]`. */
export function faultTouches(fault: FaultRecord, from: bigint, to: bigint): boolean {
  return fault.start <= to && (fault.end === null || fault.end >= from);
}

/** The longest part of `[from, to]` during which none of `faults` was active. */
export function longestFaultFreeStretch(
  from: bigint,
  to: bigint,
  faults: readonly FaultRecord[],
): bigint {
  const windows = faults
    .filter((f) => faultTouches(f, from, to))
    .map((f) => ({ start: f.start < from ? from : f.start, end: f.end ?? to }))
    .sort(byStart);
  let longest = 0n;
  let cursor = from;
  for (const window of windows) {
    if (window.start > cursor && window.start - cursor > longest) longest = window.start - cursor;
    if (window.end > cursor) cursor = window.end;
  }
  if (to > cursor && to - cursor > longest) longest = to - cursor;
  return longest;
}

/** A gap with the faults that explain it. */
export interface ClassifiedGap extends GapSpan {
  /** Faults active during the gap or in the lookback before it. Empty: unexplained. */
  readonly explainedBy: readonly FaultRecord[];
  /** Its longest stretch with no fault active (the whole gap when nothing explains it). */
  readonly unexplainedNs: bigint;
}

/** Labels a gap with the faults that explain it. */
export function classifyGap(
  gap: GapSpan,
  faults: readonly FaultRecord[],
  lookbackNs: bigint,
): ClassifiedGap {
  const explainedBy = faults.filter((f) => faultTouches(f, gap.start - lookbackNs, gap.end));
  return {
    ...gap,
    explainedBy,
    unexplainedNs: longestFaultFreeStretch(gap.start, gap.end, faults),
  };
}

/** What ended a term. */
export type FailoverKind = 'graceful' | 'kill' | 'pause' | 'fault' | 'unprovoked';

export const FAILOVER_KINDS: readonly FailoverKind[] = [
  'graceful',
  'kill',
  'pause',
  'fault',
  'unprovoked',
];

/** One term that ended during the observed window, and what came next. */
export interface FailoverSample {
  readonly kind: FailoverKind;
  readonly victim: string;
  readonly term: LeadershipInterval;
  /** The action that ended it, for graceful / kill / pause. */
  readonly action: ActionRecord | null;
  /** The action's time, or the term's end when no action ended it. */
  readonly from: bigint;
  /** When the next term began (any identity: a resumed or partitioned leader may win again). */
  readonly to: bigint | null;
  readonly successor: string | null;
  /** Faults active between `from` and `to` (or, for `fault`, that ended the term). */
  readonly faults: readonly FaultRecord[];
}

/** Timing the attribution needs. */
export interface AttributionTiming {
  readonly renewDeadlineNs: bigint;
  readonly leaseDurationNs: bigint;
  /** How long before a term's end a fault may have caused it. */
  readonly lookbackNs: bigint;
}

const SLACK_NS = 1_000_000_000n;

const KIND_OF_ACTION: Partial<Record<ActionRecord['kind'], FailoverKind>> = {
  'kill-leader': 'kill',
  'kill-follower': 'kill',
  'pause-leader': 'pause',
  'pause-follower': 'pause',
  'stop-leader': 'graceful',
};

/**
 * How long after an action a term can end because of it. A kill ends it at once (the kill
 * time is one of its bounds). A paused leader's term ends at its deadline, at most the renew
 * deadline after the pause began, or while it is still paused; a little slack covers the
 * resumed process noticing. A stopped leader releases within its drain.
 */
function effectWindowNs(action: ActionRecord, timing: AttributionTiming): bigint | null {
  switch (KIND_OF_ACTION[action.kind]) {
    case 'kill':
      return 0n;
    case 'pause': {
      const pauseNs = BigInt(Math.round((action.pauseMs ?? 0) * 1e6));
      return (pauseNs > timing.renewDeadlineNs ? pauseNs : timing.renewDeadlineNs) + SLACK_NS;
    }
    case 'graceful':
      return timing.leaseDurationNs;
    default:
      return null;
  }
}

/** The latest action on the term's process that can have ended it. */
export function causingAction(
  term: LeadershipInterval,
  actions: readonly ActionRecord[],
  timing: AttributionTiming,
): ActionRecord | null {
  if (term.end === null) return null;
  let cause: ActionRecord | null = null;
  for (const action of actions) {
    if (action.identity !== term.identity) continue;
    const window = effectWindowNs(action, timing);
    if (window === null || action.at < term.start || action.at > term.end) continue;
    if (term.end > action.at + window) continue;
    if (cause === null || action.at > cause.at) cause = action;
  }
  return cause;
}

/**
 * A sample for every term that ended before `until` (the end of the observed window): what
 * ended it, and how long until the next term began.
 */
export function failoverSamples(
  intervals: readonly LeadershipInterval[],
  actions: readonly ActionRecord[],
  faults: readonly FaultRecord[],
  timing: AttributionTiming,
  until: bigint,
): FailoverSample[] {
  const sorted = [...intervals].filter((i) => !isEmpty(i)).sort(byStart);
  const samples: FailoverSample[] = [];
  for (const term of sorted) {
    if (term.end === null || term.end >= until) continue;
    const action = causingAction(term, actions, timing);
    const from = action?.at ?? term.end;
    const next = sorted.find((other) => other !== term && other.start >= from);
    const to = next?.start ?? null;
    let kind: FailoverKind;
    let touching: FaultRecord[];
    if (action !== null) {
      kind = KIND_OF_ACTION[action.kind]!;
      touching = faults.filter((f) => faultTouches(f, from, to ?? until));
    } else {
      const since = term.end - timing.lookbackNs;
      kind = faults.some((f) => faultTouches(f, since, term.end!)) ? 'fault' : 'unprovoked';
      touching = faults.filter((f) => faultTouches(f, since, to ?? until));
    }
    samples.push({
      kind,
      victim: term.identity,
      term,
      action,
      from,
      to,
      successor: next?.identity ?? null,
      faults: touching,
    });
  }
  return samples;
}

/**
 * Pauses of a process that was leading when it was stopped, whose term went on after it was
 * resumed (a pause shorter than the renew deadline can be survived).
 */
export function survivedPauses(
  intervals: readonly LeadershipInterval[],
  actions: readonly ActionRecord[],
  samples: readonly FailoverSample[],
): ActionRecord[] {
  const causes = new Set(samples.map((s) => s.action));
  return actions.filter((action) => {
    if (KIND_OF_ACTION[action.kind] !== 'pause' || causes.has(action)) return false;
    return intervals.some(
      (i) =>
        i.identity === action.identity &&
        i.start <= action.at &&
        (i.end === null || i.end > action.at),
    );
  });
}
