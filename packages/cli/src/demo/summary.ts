/**
 * The demo's closing report: failovers by kind, intervals checked, overlaps seen.
 *
 * @module
 */
import type { ElectionTiming } from '@leasehold/election';
import { formatMs } from '../duration.js';
import { describeOverlap } from '../fleet/safety-monitor.js';
import { failoverStats, type Overlap } from '../intervals.js';
import { FAILOVER_KINDS, type FailoverSample, KIND_LABEL } from './disruptor.js';

/** Everything the summary reports. */
export interface DemoResult {
  readonly ranMs: number;
  readonly profile: string;
  readonly timing: ElectionTiming;
  readonly candidates: number;
  readonly samples: readonly FailoverSample[];
  readonly intervalsChecked: number;
  readonly overlaps: readonly Overlap[];
  /** Candidates that exited without being asked to, with how. */
  readonly unexpectedExits: readonly string[];
}

const cell = (value: number | null) => (value === null ? '-' : formatMs(value));

/** The summary as lines of text. */
export function formatSummary(result: DemoResult): string[] {
  const { timing } = result;
  const lines = [
    `Summary: ran ${formatMs(result.ranMs)} with ${result.candidates} candidates, ` +
      `${result.profile} profile (lease ${formatMs(timing.leaseDurationMs)}, ` +
      `renew deadline ${formatMs(timing.renewDeadlineMs)}, retry ${formatMs(timing.retryPeriodMs)})`,
    `  ${'failover'.padEnd(26)}${'count'.padStart(6)}${'p50'.padStart(11)}${'max'.padStart(11)}`,
  ];
  for (const kind of FAILOVER_KINDS) {
    const stats = failoverStats(result.samples.filter((s) => s.kind === kind).map((s) => s.ms));
    lines.push(
      `  ${KIND_LABEL[kind].padEnd(26)}${String(stats.count).padStart(6)}` +
        `${cell(stats.p50).padStart(11)}${cell(stats.max).padStart(11)}`,
    );
  }
  lines.push(`  leadership intervals checked: ${result.intervalsChecked}`);
  lines.push(`  overlapping leaders seen: ${result.overlaps.length}`);
  for (const overlap of result.overlaps) lines.push(`    ${describeOverlap(overlap)}`);
  if (result.unexpectedExits.length > 0) {
    lines.push(`  candidates that exited unexpectedly: ${result.unexpectedExits.length}`);
    for (const exit of result.unexpectedExits) lines.push(`    ${exit}`);
  }
  return lines;
}
