/**
 * The demo's closing report: failovers by kind, what was still in flight at the end,
 * intervals checked, overlaps seen, and where to read on.
 *
 * @module
 */
import { formatMs } from '../duration.js';
import type { FleetRunOutline } from '../fleet/profiles.js';
import { describeOverlap } from '../fleet/safety-monitor.js';
import { failoverStats, type Overlap } from '../intervals.js';
import {
  FAILOVER_KINDS,
  type FailoverSample,
  type InFlightAction,
  KIND_LABEL,
} from './disruptor.js';

/** Everything the summary reports. */
export interface DemoResult extends FleetRunOutline {
  readonly ranMs: number;
  readonly samples: readonly FailoverSample[];
  /** Actions whose effect had not played out when the run ended. */
  readonly inFlight: readonly InFlightAction[];
  readonly intervalsChecked: number;
  readonly overlaps: readonly Overlap[];
}

const cell = (value: number | null) => (value === null ? '-' : formatMs(value));

/** The summary as lines of text. */
export function formatSummary(result: DemoResult): string[] {
  const { timing } = result;
  const lines = [
    `Summary: ran ${formatMs(result.ranMs)} with ${result.candidates} candidates, ` +
      `${result.profile} profile (lease ${formatMs(timing.leaseDurationMs)}, ` +
      `renew deadline ${formatMs(timing.renewDeadlineMs)}, retry ${formatMs(timing.retryPeriodMs)})`,
    `  ${'failover'.padEnd(26)}${'count'.padStart(6)}${'p50'.padStart(11)}${'max'.padStart(11)}` +
      `${'in flight'.padStart(11)}`,
  ];
  for (const kind of FAILOVER_KINDS) {
    const stats = failoverStats(result.samples.filter((s) => s.kind === kind).map((s) => s.ms));
    const pending = result.inFlight.filter((a) => a.kind === kind && a.awaitingSuccessor).length;
    lines.push(
      `  ${KIND_LABEL[kind].padEnd(26)}${String(stats.count).padStart(6)}` +
        `${cell(stats.p50).padStart(11)}${cell(stats.max).padStart(11)}${String(pending).padStart(11)}`,
    );
  }
  if (result.inFlight.length === 0) {
    lines.push('  still in flight at the end: none');
  } else {
    lines.push(`  still in flight at the end: ${result.inFlight.length} (not counted above)`);
    for (const action of result.inFlight) lines.push(`    ${describeInFlight(action)}`);
  }
  lines.push(`  leadership intervals checked: ${result.intervalsChecked}`);
  lines.push(`  overlapping leaders seen: ${result.overlaps.length}`);
  for (const overlap of result.overlaps) lines.push(`    ${describeOverlap(overlap)}`);
  if (result.unexpectedExits.length > 0) {
    lines.push(`  candidates that exited unexpectedly: ${result.unexpectedExits.length}`);
    for (const exit of result.unexpectedExits) lines.push(`    ${exit}`);
  }
  lines.push(...READ_NEXT);
  return lines;
}

/** Where the story continues, in the repository's docs. */
const READ_NEXT = [
  'Read next (in the leasehold repository):',
  '  docs/demo.md             what each column, line and failover time above means',
  '  docs/safety.md           why two leaders never overlap, and the assumptions that takes',
  '  docs/guide.md            leader election in your own code',
  '  packages/cli/README.md   leasehold run: a command that runs only while it leads',
];

/** One in-flight action, for the summary. */
export function describeInFlight(action: InFlightAction): string {
  const what = `${KIND_LABEL[action.kind]} → ${action.victim}, sent ${formatMs(action.agoMs)} before the end`;
  const states = [
    ...(action.awaitingSuccessor ? ['no other candidate had taken over yet'] : []),
    ...(action.stillPaused ? ['still paused, not yet resumed'] : []),
  ];
  return `${what}: ${states.join('; ')}`;
}
