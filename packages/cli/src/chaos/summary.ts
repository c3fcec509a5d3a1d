/**
 * The few lines `leasehold chaos` prints at the end; the JSON report has the rest.
 *
 * @module
 */
import { formatMs } from '../duration.js';
import type { FailoverKind } from './analysis.js';
import type { ChaosReport, GapEntry } from './report.js';

const LABEL: Readonly<Record<FailoverKind, string>> = {
  graceful: 'graceful (SIGTERM)',
  kill: 'kill (SIGKILL)',
  pause: 'pause (SIGSTOP)',
  fault: 'fault-induced',
  unprovoked: 'no known cause',
};

const cell = (value: number | null) => (value === null ? '-' : formatMs(value));

function nonZero(byKind: Readonly<Record<string, number>>): string {
  const parts = Object.entries(byKind)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function describeGap(gap: GapEntry): string {
  const where = `at ${formatMs(gap.startMs)}${gap.open ? ', still open at the end' : ''}`;
  const after =
    gap.after === null
      ? ''
      : `, after ${gap.after.identity}'s term (${gap.after.cause ?? gap.after.endedBy ?? '?'})`;
  const faults =
    gap.explainedBy.length === 0
      ? ''
      : `; faults: ${[...new Set(gap.explainedBy.map((f) => f.kind))].join(', ')}`;
  return `${formatMs(gap.ms)} ${where}${after}${faults}`;
}

/** The human summary. */
export function formatChaosSummary(report: ChaosReport, reportPath: string): string[] {
  const p = report.parameters;
  const { gaps, failovers } = report;
  const lines = [
    `Summary: seed ${report.seed}, chaos for ${formatMs(report.run.chaosMs)} with ${p.candidates} candidates ` +
      `(${report.run.processesStarted} processes in all), ${p.profile} profile ` +
      `(lease ${formatMs(p.leaseDurationMs)}, renew deadline ${formatMs(p.renewDeadlineMs)}, retry ${formatMs(p.retryPeriodMs)})` +
      (report.run.interrupted ? ' — interrupted' : ''),
    `  actions: ${report.actions.total} (${nonZero(report.actions.byKind)})`,
    `  faults:  ${report.faults.total} (${nonZero(report.faults.byKind)})`,
    `  leadership intervals checked: ${report.safety.intervalsChecked}, overlaps: ${report.safety.overlaps}`,
  ];
  for (const o of report.safety.overlapDetails) {
    lines.push(`    OVERLAP: ${o.first} and ${o.second} from ${formatMs(o.fromMs)}`);
  }
  lines.push(
    `  leaderless gaps: ${gaps.count}; bound lease + retry = ${formatMs(gaps.boundMs)}, ` +
      `fails past ${formatMs(gaps.limitMs)} with no fault active`,
    `    longest:               ${gaps.longest === null ? '-' : describeGap(gaps.longest)}`,
    `    longest no fault explains: ${gaps.longestUnexplained === null ? '-' : describeGap(gaps.longestUnexplained)}`,
    `    longest fault-free stretch of any gap: ${formatMs(gaps.maxUnexplainedMs)}`,
    `  ${'failover'.padEnd(22)}${'count'.padStart(6)}${'p50'.padStart(10)}${'p95'.padStart(10)}${'max'.padStart(10)}   during faults`,
  );
  for (const kind of ['graceful', 'kill', 'pause', 'fault', 'unprovoked'] as const) {
    const s = failovers[kind];
    if (kind === 'unprovoked' && s.count === 0) continue;
    lines.push(
      `  ${LABEL[kind].padEnd(22)}${String(s.count).padStart(6)}${cell(s.p50).padStart(10)}` +
        `${cell(s.p95).padStart(10)}${cell(s.max).padStart(10)}   ${s.duringFaults}`,
    );
  }
  lines.push(`  paused leaders that kept their term: ${failovers.survivedPauses}`);
  if (report.unexpectedExits.length > 0) {
    lines.push(`  candidates that exited on their own: ${report.unexpectedExits.length}`);
    for (const exit of report.unexpectedExits) lines.push(`    ${exit}`);
  }
  lines.push(`  report: ${reportPath}`);
  lines.push(report.verdict.ok ? 'PASS' : `FAIL: ${report.verdict.failures.join('; ')}`);
  return lines;
}
