/**
 * The report of a `--mode run` chaos run: what was done, every COMMAND interval, overlaps
 * (0 required), survivors (0 required), and handover times by what ended the previous
 * COMMAND's elector.
 *
 * @module
 */
import { type CommandInterval, commandOverlaps, handovers } from './intervals.js';
import type { RunChaosRecord } from './runner.js';

/** Count, median and maximum of a set of durations (ms). */
export interface Stats {
  readonly count: number;
  readonly medianMs: number | null;
  readonly maxMs: number | null;
}

function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    medianMs: sorted.length > 0 ? round(sorted[Math.floor((sorted.length - 1) / 2)]!) : null,
    maxMs: sorted.length > 0 ? round(sorted[sorted.length - 1]!) : null,
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const seconds = (ns: bigint, from: bigint) => round(Number(ns - from) / 1e6) / 1000;

/** The JSON report. */
export interface RunChaosReport {
  readonly mode: 'run';
  readonly seed: number;
  readonly profile: string;
  readonly candidates: number;
  readonly durationMs: number;
  readonly interrupted: boolean;
  readonly electorsStarted: number;
  readonly signals: Readonly<Record<string, number>>;
  readonly signalsToLeader: Readonly<Record<string, number>>;
  readonly commands: {
    readonly total: number;
    readonly stubborn: number;
    readonly ignoredSigterm: number;
    readonly ends: Readonly<Record<string, number>>;
  };
  readonly overlaps: readonly {
    first: string;
    second: string;
    overlapMs: number;
    firstEnd: string;
  }[];
  readonly survivors: readonly number[];
  /** What the guards and electors reported (deadline stops, elector gone, step-downs). */
  readonly notes: Readonly<Record<string, number>>;
  readonly unexpectedExits: readonly string[];
  /** Handover time (previous COMMAND's end → next one's start), by the previous one's cause. */
  readonly handovers: Readonly<Record<string, Stats>>;
  /** Shortest handover seen (ms): how close two COMMANDs came. */
  readonly closestMs: number | null;
  readonly intervals: readonly {
    pid: number;
    identity: string;
    token: number;
    startS: number;
    endS: number;
    end: string;
    stubborn: boolean;
  }[];
  readonly verdict: { readonly ok: boolean; readonly reasons: readonly string[] };
}

const describe = (i: CommandInterval) => `${i.identity} (pid ${i.pid}, token ${i.token})`;

/** What ended `from`'s elector's COMMAND: the last signal it got before `before`. */
function cause(record: RunChaosRecord, from: CommandInterval, before: bigint): string {
  let last: string | undefined;
  for (const action of record.actions) {
    if (action.identity === from.identity && action.at >= from.start && action.at <= before) {
      last = action.signal;
    }
  }
  return last ?? 'none (renewal trouble or exit)';
}

/** Builds the report from the record. */
export function buildRunReport(record: RunChaosRecord): RunChaosReport {
  const count = (values: readonly string[]) => {
    const counts: Record<string, number> = {};
    for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
    return counts;
  };
  const overlaps = commandOverlaps(record.intervals);
  const byCause: Record<string, number[]> = {};
  const gaps: number[] = [];
  for (const handover of handovers(record.intervals)) {
    gaps.push(handover.gapMs);
    const key = cause(record, handover.from, handover.to.start);
    byCause[key] = [...(byCause[key] ?? []), handover.gapMs];
  }
  const reasons: string[] = [];
  if (overlaps.length > 0) reasons.push(`${overlaps.length} overlapping COMMAND intervals`);
  if (record.survivors.length > 0)
    reasons.push(`${record.survivors.length} COMMANDs outlived their elector and guard`);
  if (record.unexpectedExits.length > 0)
    reasons.push(`${record.unexpectedExits.length} unexpected exits`);
  if (record.intervals.length === 0) reasons.push('no COMMAND ever ran');
  return {
    mode: 'run',
    seed: record.seed,
    profile: record.profile,
    candidates: record.candidates,
    durationMs: record.durationMs,
    interrupted: record.interrupted,
    electorsStarted: record.electors.length,
    signals: count(record.actions.map((a) => a.signal)),
    signalsToLeader: count(record.actions.filter((a) => a.toLeader).map((a) => a.signal)),
    commands: {
      total: record.intervals.length,
      stubborn: record.intervals.filter((i) => i.stubborn).length,
      ignoredSigterm: record.intervals.filter((i) => i.ignoredSigterm).length,
      ends: count(record.intervals.map((i) => i.endKind)),
    },
    overlaps: overlaps.map((o) => ({
      first: describe(o.first),
      second: describe(o.second),
      overlapMs: round(o.overlapMs),
      firstEnd: o.first.endKind,
    })),
    survivors: record.survivors,
    notes: record.notes,
    unexpectedExits: record.unexpectedExits,
    handovers: Object.fromEntries(
      Object.entries(byCause).map(([key, samples]) => [key, stats(samples)]),
    ),
    closestMs: gaps.length > 0 ? round(Math.min(...gaps)) : null,
    intervals: [...record.intervals]
      .sort((a, b) => (a.start < b.start ? -1 : 1))
      .map((i) => ({
        pid: i.pid,
        identity: i.identity,
        token: i.token,
        startS: seconds(i.start, record.startedAt),
        endS: seconds(i.end, record.startedAt),
        end: i.endKind,
        stubborn: i.stubborn,
      })),
    verdict: { ok: reasons.length === 0, reasons },
  };
}

/** The summary printed at the end. */
export function formatRunSummary(report: RunChaosReport, path: string): string[] {
  const list = (counts: Readonly<Record<string, number>>) =>
    Object.entries(counts)
      .map(([key, n]) => `${key} ${n}`)
      .join(', ') || 'none';
  const lines = [
    '',
    `chaos --mode run: seed ${report.seed}, profile ${report.profile}, ${report.candidates} × leasehold run, ${report.durationMs / 1000}s${report.interrupted ? ' (interrupted)' : ''}`,
    `  leasehold run processes started: ${report.electorsStarted}`,
    `  signals sent: ${list(report.signals)} (to the leader: ${list(report.signalsToLeader)})`,
    `  COMMAND intervals: ${report.commands.total} (stubborn: ${report.commands.stubborn}, ignored a SIGTERM: ${report.commands.ignoredSigterm}; ends: ${list(report.commands.ends)})`,
    `  guard and elector notes: ${list(report.notes)}`,
    `  overlapping COMMAND intervals: ${report.overlaps.length}`,
    `  COMMANDs outliving their elector and guard: ${report.survivors.length}`,
    `  closest handover: ${report.closestMs ?? '-'} ms`,
    '  handover (previous COMMAND end → next start) by what hit the previous leader:',
  ];
  for (const [key, s] of Object.entries(report.handovers)) {
    lines.push(
      `    ${key.padEnd(32)} ${String(s.count).padStart(4)}  median ${s.medianMs} ms  max ${s.maxMs} ms`,
    );
  }
  for (const overlap of report.overlaps) {
    lines.push(
      `  OVERLAP ${overlap.overlapMs} ms: ${overlap.first} (${overlap.firstEnd}) and ${overlap.second}`,
    );
  }
  for (const exit of report.unexpectedExits) lines.push(`  unexpected exit: ${exit}`);
  lines.push(`  report: ${path}`);
  lines.push(
    report.verdict.ok
      ? '  verdict: OK'
      : `  verdict: FAILED (${report.verdict.reasons.join('; ')})`,
  );
  return lines;
}
