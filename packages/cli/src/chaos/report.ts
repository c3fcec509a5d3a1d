/**
 * The chaos report: built from the raw record by pure functions, written as JSON, summarised
 * for people. See docs/chaos.md for how to read it.
 *
 * @module
 */

import {
  failoverStats,
  findOverlaps,
  type LeadershipInterval,
  leadershipIntervals,
} from '../intervals.js';
import {
  type AttributionTiming,
  type ClassifiedGap,
  classifyGap,
  FAILOVER_KINDS,
  type FailoverKind,
  type FailoverSample,
  failoverSamples,
  leaderlessGaps,
  survivedPauses,
} from './analysis.js';
import type { ChaosRecord } from './runner.js';
import {
  ACTION_KINDS,
  type ActionKind,
  type ActionRecord,
  FAULT_KINDS,
  type FaultKind,
  type FaultRecord,
  ns,
} from './timeline.js';

/** Slack on top of `leaseDuration + retryPeriod` for process start-up and scheduling. */
export const GAP_TOLERANCE_MS = 1_000;

/** What the report is built from (what `runChaos` resolves with). */
/** What a chaos run recorded, as the report reads it. */
export type ReportInput = ChaosRecord;

/** A fault as the report shows it. */
export interface FaultEntry {
  readonly kind: FaultKind;
  readonly startMs: number;
  /** `null`: still active when the run ended. */
  readonly endMs: number | null;
  readonly detail: string;
}

/** A leaderless gap as the report shows it. */
export interface GapEntry {
  readonly startMs: number;
  readonly endMs: number;
  readonly ms: number;
  /** Still leaderless when the observed window closed. */
  readonly open: boolean;
  /** Its longest stretch with no fault active: what is held against the limit. */
  readonly unexplainedMs: number;
  /**
   * Faults active during it, or in the lease duration before it when no action ended the term
   * before it (they may have made the leader lose it); empty: unexplained.
   */
  readonly explainedBy: readonly FaultEntry[];
  /** The term whose end opened it, and what ended that term. */
  readonly after: {
    readonly identity: string;
    readonly endedBy: string | null;
    readonly cause: FailoverKind | null;
  } | null;
}

/** Failovers of one kind. */
export interface KindStats {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly max: number | null;
  /** How many of them had a fault active while they lasted. */
  readonly duringFaults: number;
  /** The same figures over the samples with no fault active. */
  readonly clean: {
    readonly count: number;
    readonly p50: number | null;
    readonly p95: number | null;
    readonly max: number | null;
  };
}

/** One leadership interval as the report shows it. */
export interface IntervalEntry {
  readonly identity: string;
  readonly fencingToken: number | null;
  readonly startMs: number;
  /** `null`: still open (the process never stopped leading, which a clean run never leaves). */
  readonly endMs: number | null;
  readonly endedBy: string | null;
}

/** One failover as the report shows it. */
export interface FailoverEntry {
  readonly kind: FailoverKind;
  readonly victim: string;
  readonly successor: string | null;
  readonly fromMs: number;
  readonly toMs: number | null;
  readonly ms: number | null;
  readonly faults: readonly FaultKind[];
}

/** The JSON report. */
export interface ChaosReport {
  readonly tool: 'leasehold chaos';
  readonly seed: number;
  readonly parameters: {
    readonly durationMs: number;
    readonly candidates: number;
    readonly profile: string;
    readonly leaseDurationMs: number;
    readonly renewDeadlineMs: number;
    readonly retryPeriodMs: number;
  };
  readonly run: {
    readonly chaosMs: number;
    /** Until the last election after the chaos finished (the window gaps are judged in). */
    readonly observedMs: number;
    readonly totalMs: number;
    readonly interrupted: boolean;
    readonly processesStarted: number;
  };
  readonly actions: { readonly total: number; readonly byKind: Record<ActionKind, number> };
  readonly faults: { readonly total: number; readonly byKind: Record<FaultKind, number> };
  readonly safety: {
    readonly intervalsChecked: number;
    readonly overlaps: number;
    readonly overlapDetails: readonly {
      readonly first: string;
      readonly second: string;
      readonly fromMs: number;
      readonly toMs: number | null;
    }[];
  };
  readonly gaps: {
    /** `leaseDuration + retryPeriod`. */
    readonly boundMs: number;
    readonly toleranceMs: number;
    /** `boundMs + toleranceMs`: a fault-free stretch of a gap longer than this fails the run. */
    readonly limitMs: number;
    readonly count: number;
    /** From the start to the first leader (not counted as a gap). */
    readonly firstElectionMs: number | null;
    readonly longest: GapEntry | null;
    readonly longestExplained: GapEntry | null;
    /** The longest gap that no fault explains. */
    readonly longestUnexplained: GapEntry | null;
    /** The longest fault-free stretch of any gap. */
    readonly maxUnexplainedMs: number;
    readonly overLimit: readonly GapEntry[];
  };
  readonly failovers: Record<FailoverKind, KindStats> & {
    /** Leaders paused and resumed whose term went on. */
    readonly survivedPauses: number;
    /** Terms that ended with no next term before the end of the run. */
    readonly unresolved: number;
  };
  readonly unexpectedExits: readonly string[];
  readonly verdict: { readonly ok: boolean; readonly failures: readonly string[] };
  readonly timeline: {
    readonly actions: readonly (Omit<ActionRecord, 'at'> & { readonly atMs: number })[];
    readonly faults: readonly FaultEntry[];
    /** Every leadership interval, as checked. */
    readonly intervals: readonly IntervalEntry[];
    readonly gaps: readonly GapEntry[];
    readonly failovers: readonly FailoverEntry[];
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function counts<K extends string>(
  keys: readonly K[],
  items: readonly { kind: K }[],
): Record<K, number> {
  const result = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const item of items) result[item.kind] += 1;
  return result;
}

function kindStats(samples: readonly FailoverSample[]): KindStats {
  const msOf = (s: FailoverSample) => (s.to === null ? Number.NaN : Number(s.to - s.from) / 1e6);
  const pick = (list: readonly FailoverSample[]) => {
    const stats = failoverStats(list.map(msOf));
    const r = (v: number | null) => (v === null ? null : round(v));
    return { count: stats.count, p50: r(stats.p50), p95: r(stats.p95), max: r(stats.max) };
  };
  const resolved = samples.filter((s) => s.to !== null);
  return {
    ...pick(resolved),
    duringFaults: resolved.filter((s) => s.faults.length > 0).length,
    clean: pick(resolved.filter((s) => s.faults.length === 0)),
  };
}

/** Builds the report; pure. */
export function buildReport(input: ReportInput): ChaosReport {
  const { timing, startedAt } = input;
  const rel = (t: bigint) => round(Number(t - startedAt) / 1e6);
  const faultEntry = (f: FaultRecord): FaultEntry => ({
    kind: f.kind,
    startMs: rel(f.start),
    endMs: f.end === null ? null : rel(f.end),
    detail: f.detail,
  });
  const intervals = leadershipIntervals(input.processes);
  const overlaps = findOverlaps(intervals);
  const attribution: AttributionTiming = {
    renewDeadlineNs: ns(timing.renewDeadlineMs),
    leaseDurationNs: ns(timing.leaseDurationMs),
    lookbackNs: ns(timing.leaseDurationMs),
  };
  const samples = failoverSamples(
    intervals,
    input.actions,
    input.faults,
    attribution,
    input.observedUntil,
  );
  const causeOf = new Map<LeadershipInterval, FailoverKind>(samples.map((s) => [s.term, s.kind]));
  const first = intervals.find((i) => i.end === null || i.end > i.start);
  const gaps: ClassifiedGap[] =
    first === undefined
      ? []
      : leaderlessGaps(intervals, first.start, input.observedUntil).map((g) => {
          // Faults before the gap can explain it only if they, not an action, ended the term.
          const cause = g.after === null ? null : causeOf.get(g.after);
          const byAction = cause === 'graceful' || cause === 'kill' || cause === 'pause';
          return classifyGap(g, input.faults, byAction ? 0n : attribution.lookbackNs);
        });
  const gapEntry = (g: ClassifiedGap): GapEntry => ({
    startMs: rel(g.start),
    endMs: rel(g.end),
    ms: round(Number(g.end - g.start) / 1e6),
    open: g.open,
    unexplainedMs: round(Number(g.unexplainedNs) / 1e6),
    explainedBy: g.explainedBy.map(faultEntry),
    after:
      g.after === null
        ? null
        : {
            identity: g.after.identity,
            endedBy: g.after.endedBy,
            cause: causeOf.get(g.after) ?? null,
          },
  });
  const entries = gaps.map(gapEntry);
  const longestOf = (list: readonly GapEntry[]) =>
    list.reduce<GapEntry | null>((best, g) => (best === null || g.ms > best.ms ? g : best), null);
  const boundMs = timing.leaseDurationMs + timing.retryPeriodMs;
  const limitMs = boundMs + GAP_TOLERANCE_MS;
  const overLimit = entries.filter((g) => g.unexplainedMs > limitMs);

  const failures: string[] = [];
  if (overlaps.length > 0) failures.push(`${overlaps.length} overlapping leadership intervals`);
  if (first === undefined) failures.push('no candidate ever led');
  for (const g of overLimit) {
    failures.push(
      `leaderless for ${g.unexplainedMs} ms with no fault active (from ${g.startMs} ms; limit ${limitMs} ms)`,
    );
  }
  if (input.unexpectedExits.length > 0) {
    failures.push(`${input.unexpectedExits.length} candidates exited on their own`);
  }

  const byKind = Object.fromEntries(
    FAILOVER_KINDS.map((kind) => [kind, kindStats(samples.filter((s) => s.kind === kind))]),
  ) as Record<FailoverKind, KindStats>;
  return {
    tool: 'leasehold chaos',
    seed: input.seed,
    parameters: {
      durationMs: input.durationMs,
      candidates: input.candidates,
      profile: input.profile,
      leaseDurationMs: timing.leaseDurationMs,
      renewDeadlineMs: timing.renewDeadlineMs,
      retryPeriodMs: timing.retryPeriodMs,
    },
    run: {
      chaosMs: rel(input.chaosEndedAt),
      observedMs: rel(input.observedUntil),
      totalMs: rel(input.finishedAt),
      interrupted: input.interrupted,
      processesStarted: input.processes.length,
    },
    actions: { total: input.actions.length, byKind: counts(ACTION_KINDS, input.actions) },
    faults: { total: input.faults.length, byKind: counts(FAULT_KINDS, input.faults) },
    safety: {
      intervalsChecked: intervals.length,
      overlaps: overlaps.length,
      overlapDetails: overlaps.map((o) => ({
        first: `${o.first.identity} (token ${o.first.fencingToken ?? '?'})`,
        second: `${o.second.identity} (token ${o.second.fencingToken ?? '?'})`,
        fromMs: rel(o.from),
        toMs: o.to === null ? null : rel(o.to),
      })),
    },
    gaps: {
      boundMs,
      toleranceMs: GAP_TOLERANCE_MS,
      limitMs,
      count: entries.length,
      firstElectionMs: first === undefined ? null : rel(first.start),
      longest: longestOf(entries),
      longestExplained: longestOf(entries.filter((g) => g.explainedBy.length > 0)),
      longestUnexplained: longestOf(entries.filter((g) => g.explainedBy.length === 0)),
      maxUnexplainedMs: entries.reduce((max, g) => Math.max(max, g.unexplainedMs), 0),
      overLimit,
    },
    failovers: {
      ...byKind,
      survivedPauses: survivedPauses(intervals, input.actions, samples).length,
      unresolved: samples.filter((s) => s.to === null).length,
    },
    unexpectedExits: input.unexpectedExits,
    verdict: { ok: failures.length === 0, failures },
    timeline: {
      actions: input.actions.map(({ at, ...rest }) => ({ atMs: rel(at), ...rest })),
      faults: input.faults.map(faultEntry),
      intervals: intervals.map((i) => ({
        identity: i.identity,
        fencingToken: i.fencingToken,
        startMs: rel(i.start),
        endMs: i.end === null ? null : rel(i.end),
        endedBy: i.endedBy,
      })),
      gaps: entries,
      failovers: samples.map((s) => ({
        kind: s.kind,
        victim: s.victim,
        successor: s.successor,
        fromMs: rel(s.from),
        toMs: s.to === null ? null : rel(s.to),
        ms: s.to === null ? null : round(Number(s.to - s.from) / 1e6),
        faults: s.faults.map((f) => f.kind),
      })),
    },
  };
}
