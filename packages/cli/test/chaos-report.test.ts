/**
 * The chaos report built from a hand-written record: counts, the safety verdict, gaps held
 * against `leaseDuration + retryPeriod + 1 s` unless a fault covers them, failovers by kind,
 * and the human summary.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportInput } from '../src/chaos/report.js';
import { formatChaosSummary } from '../src/chaos/summary.js';
import type { ActionRecord, FaultRecord } from '../src/chaos/timeline.js';
import { exit, leading, renewed, s, stopped } from './interval-fixtures.js';

/** The fast profile: lease 4 s + retry 1 s = 5 s bound, 6 s limit. */
const TIMING = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 };

/**
 * a leads 1–10 and is stopped gracefully (release at 10.05); b leads from 10.2, is killed at
 * 20; c leads from `cLeadsAt` until the end (stopped at 40, after the observed window).
 */
function input(
  cLeadsAt: number,
  faults: FaultRecord[] = [],
  extra: Partial<ReportInput> = {},
): ReportInput {
  const actions: ActionRecord[] = [
    { kind: 'stop-leader', at: s(10), identity: 'a' },
    { kind: 'kill-leader', at: s(20), identity: 'b' },
    { kind: 'restart', at: s(21), identity: 'd', replaces: 'b' },
  ];
  return {
    seed: 7,
    profile: 'fast',
    timing: TIMING,
    candidates: 3,
    durationMs: 30_000,
    startedAt: 0n,
    chaosEndedAt: s(30),
    observedUntil: s(35),
    finishedAt: s(41),
    interrupted: false,
    processes: [
      {
        events: [leading('a', 1, 4, 0), renewed('a', 9, 12), stopped('a', 10.05), exit('a', 10.1)],
      },
      { events: [leading('b', 10.2, 13, 1), renewed('b', 19.5, 22.5)], killedAt: s(20) },
      { events: [leading('c', cLeadsAt, cLeadsAt + 3, 2), renewed('c', 39, 42), stopped('c', 40)] },
      { events: [] },
    ],
    actions,
    faults,
    unexpectedExits: [],
    ...extra,
  };
}

const partition = (start: number, end: number): FaultRecord => ({
  kind: 'partition',
  start: s(start),
  end: s(end),
  detail: 'whole API unreachable',
});

describe('buildReport', () => {
  it('counts, checks and times a clean run', () => {
    const report = buildReport(input(23.5));
    expect(report.seed).toBe(7);
    expect(report.parameters).toEqual({
      durationMs: 30_000,
      candidates: 3,
      profile: 'fast',
      ...TIMING,
    });
    expect(report.run).toMatchObject({ chaosMs: 30_000, observedMs: 35_000, processesStarted: 4 });
    expect(report.actions.total).toBe(3);
    expect(report.actions.byKind).toMatchObject({
      'stop-leader': 1,
      'kill-leader': 1,
      restart: 1,
      resume: 0,
    });
    expect(report.faults.total).toBe(0);
    expect(report.safety).toEqual({ intervalsChecked: 3, overlaps: 0, overlapDetails: [] });
    expect(report.gaps).toMatchObject({
      boundMs: 5_000,
      toleranceMs: 1_000,
      limitMs: 6_000,
      count: 2,
      firstElectionMs: 1_000,
    });
    expect(report.gaps.longest).toMatchObject({
      startMs: 20_000,
      endMs: 23_500,
      ms: 3_500,
      unexplainedMs: 3_500,
      explainedBy: [],
      after: { identity: 'b', endedBy: 'killed', cause: 'kill' },
    });
    expect(report.gaps.longestUnexplained).toEqual(report.gaps.longest);
    expect(report.gaps.longestExplained).toBeNull();
    expect(report.failovers.graceful).toMatchObject({
      count: 1,
      p50: 200,
      max: 200,
      duringFaults: 0,
    });
    expect(report.failovers.kill).toMatchObject({ count: 1, p50: 3_500, p95: 3_500, max: 3_500 });
    expect(report.failovers.pause.count).toBe(0);
    expect(report.verdict).toEqual({ ok: true, failures: [] });
    expect(report.timeline.actions[2]).toEqual({
      atMs: 21_000,
      kind: 'restart',
      identity: 'd',
      replaces: 'b',
    });
    // Bigints never reach the JSON.
    expect(() => JSON.stringify(report)).not.toThrow();
  });

  it('fails on overlapping leaders', () => {
    const report = buildReport(input(19));
    expect(report.safety.overlaps).toBe(1);
    expect(report.safety.overlapDetails[0]).toEqual({
      first: 'b (token 1)',
      second: 'c (token 2)',
      fromMs: 19_000,
      toMs: 20_000,
    });
    expect(report.verdict.ok).toBe(false);
    expect(report.verdict.failures).toEqual(['1 overlapping leadership intervals']);
  });

  it('fails on a gap past the limit that no fault explains', () => {
    const report = buildReport(input(26.5));
    expect(report.gaps.longestUnexplained).toMatchObject({ ms: 6_500, unexplainedMs: 6_500 });
    expect(report.gaps.overLimit).toHaveLength(1);
    expect(report.verdict.failures).toEqual([
      'leaderless for 6500 ms with no fault active (from 20000 ms; limit 6000 ms)',
    ]);
  });

  it('a partition explains the gap it covers; the time after it heals is still held against the limit', () => {
    const covered = buildReport(input(26.5, [partition(19, 25)]));
    // Only the graceful handover's 150 ms has no fault to explain it.
    expect(covered.gaps.longestUnexplained).toMatchObject({ ms: 150 });
    expect(covered.gaps.longestExplained).toMatchObject({ ms: 6_500, unexplainedMs: 1_500 });
    expect(covered.gaps.longestExplained?.explainedBy.map((f) => f.kind)).toEqual(['partition']);
    expect(covered.failovers.kill.duringFaults).toBe(1);
    expect(covered.failovers.kill.clean.count).toBe(0);
    expect(covered.verdict.ok).toBe(true);

    const tooSlowAfterHeal = buildReport(input(33, [partition(19, 25)]));
    expect(tooSlowAfterHeal.gaps.maxUnexplainedMs).toBe(8_000);
    expect(tooSlowAfterHeal.verdict.ok).toBe(false);
  });

  it('a fault over before an action ended the term does not explain the gap that follows', () => {
    const report = buildReport(input(23.5, [partition(16, 18)]));
    expect(report.gaps.longestExplained).toBeNull();
    expect(report.gaps.longestUnexplained).toMatchObject({ startMs: 20_000, ms: 3_500 });
  });

  it('a gap still open when the window closes is reported as open', () => {
    const report = buildReport(input(36));
    expect(report.gaps.longest).toMatchObject({ startMs: 20_000, endMs: 35_000, open: true });
    expect(report.failovers.kill).toMatchObject({ count: 1, p50: 16_000 });
    expect(report.verdict.ok).toBe(false);
  });

  it('fails when nobody ever led, or a candidate died on its own', () => {
    const nobody = buildReport({ ...input(23.5), processes: [{ events: [] }] });
    expect(nobody.verdict.failures).toEqual(['no candidate ever led']);
    const died = buildReport(input(23.5, [], { unexpectedExits: ['d: exit code 1'] }));
    expect(died.verdict.failures).toEqual(['1 candidates exited on their own']);
  });
});

describe('formatChaosSummary', () => {
  it('says what ran, what was checked, the gaps and the failovers, and the verdict', () => {
    const text = formatChaosSummary(buildReport(input(23.5)), '/tmp/r.json').join('\n');
    expect(text).toContain(
      'Summary: seed 7, chaos for 30 s with 3 candidates (4 processes in all), fast profile',
    );
    expect(text).toContain('actions: 3 (kill-leader 1, stop-leader 1, restart 1)');
    expect(text).toContain('faults:  0 (none)');
    expect(text).toContain('leadership intervals checked: 3, overlaps: 0');
    expect(text).toMatch(/longest: +3\.5 s at 20 s, after b's term \(kill\)/);
    expect(text).toMatch(/^ {2}kill \(SIGKILL\) +1 +3\.5 s +3\.5 s +3\.5 s +0$/m);
    expect(text).toContain('report: /tmp/r.json');
    expect(text.endsWith('PASS')).toBe(true);
    const failed = formatChaosSummary(buildReport(input(19)), 'r.json').join('\n');
    expect(failed).toContain('OVERLAP: b (token 1) and c (token 2) from 19 s');
    expect(failed).toMatch(/FAIL: 1 overlapping leadership intervals$/);
  });
});
