/**
 * `leasehold chaos` end to end, with the built binary: a short run checks what the report
 * concludes (no overlap, several kinds of action) and that no candidate outlives it; Ctrl-C
 * ends a run early, still cleanly and still with a report. No timing is asserted: the machine
 * may be loaded.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosReport } from '../src/chaos/report.js';
import { buildCli } from './build-cli.js';
import { isAlive, leasehold, started, waitFor } from './cli-harness.js';

let dir: string;

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'leasehold-chaos-e2e-'));
}, 120_000);

afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const pidsOf = (output: string) =>
  [...output.matchAll(/(?:started|restart:) candidate-\d+ \(pid (\d+)\)/g)].map((m) =>
    Number(m[1]),
  );

const readReport = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ChaosReport;

describe('leasehold chaos', () => {
  it('disrupts leaders and the API for 15 s; the report finds no overlap', async () => {
    const reportPath = join(dir, 'short.json');
    const run = leasehold([
      'chaos',
      '--duration=15s',
      '--profile=fast',
      '--seed=3',
      `--report=${reportPath}`,
    ]);
    const code = await run.exited;
    const output = run.output();
    const report = readReport(reportPath);

    expect(report.seed).toBe(3);
    expect(report.parameters).toMatchObject({ durationMs: 15_000, candidates: 5, profile: 'fast' });
    expect(report.safety.overlaps, output).toBe(0);
    expect(report.safety.intervalsChecked).toBeGreaterThan(0);
    const kinds = [
      ...Object.entries(report.actions.byKind),
      ...Object.entries(report.faults.byKind),
    ].filter(([, n]) => n > 0);
    expect(kinds.length, output).toBeGreaterThanOrEqual(3);
    expect(report.unexpectedExits).toEqual([]);
    expect(output).toMatch(/^ {2}leadership intervals checked: \d+, overlaps: 0$/m);
    expect(output).toMatch(/^(PASS|FAIL: .*)$/m);
    // Pass or fail is the report's verdict (a gap may be long on a loaded machine).
    expect(code, output).toBe(report.verdict.ok ? 0 : 1);
    const pids = pidsOf(output);
    expect(pids.length).toBeGreaterThanOrEqual(5);
    expect(pids.filter(isAlive)).toEqual([]);
  }, 90_000);

  it('Ctrl-C ends the run early: candidates stopped, report written', async () => {
    const reportPath = join(dir, 'interrupted.json');
    const run = leasehold(['chaos', '--duration=5m', '--candidates=3', `--report=${reportPath}`]);
    await waitFor(
      'a leader',
      () => (/candidate-\d+ leading/.test(run.output()) ? true : undefined),
      30_000,
    );
    run.child.kill('SIGINT');
    const code = await run.exited;
    const output = run.output();
    expect(existsSync(reportPath), output).toBe(true);
    const report = readReport(reportPath);
    expect(report.run.interrupted).toBe(true);
    expect(report.safety.overlaps).toBe(0);
    expect(code, output).toBe(report.verdict.ok ? 0 : 1);
    expect(pidsOf(output).filter(isAlive)).toEqual([]);
  }, 60_000);
});
