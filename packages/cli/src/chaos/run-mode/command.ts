/**
 * `leasehold chaos --mode run`: runs {@link runRunChaos}, writes the JSON report, prints the
 * summary; exit status 1 unless the verdict is OK.
 *
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { buildRunReport, formatRunSummary } from './report.js';
import { RUN_PROFILES, runRunChaos } from './runner.js';

/** The help text's paragraph on this mode. */
export const RUN_MODE_HELP = `With --mode run, the processes are \`leasehold run\`, their COMMAND a heartbeat
recorder (30 % of them ignore SIGTERM); the actions are SIGKILL, SIGSTOP (SIGCONT later),
SIGHUP and SIGTERM of the leasehold run processes, mostly of the leader's; exited ones are
replaced. Every COMMAND's interval (start to its stop record, or to when it was seen gone)
is checked against all others: exit status 1 on any overlap, on any COMMAND that outlived
its leasehold run, or on an unexpected exit.`;

/** What the mode needs from `chaos`'s arguments. */
export interface RunModeArgs {
  readonly durationMs: number;
  readonly candidates: number;
  readonly seed: number;
  readonly profile: string;
  readonly reportPath: string;
}

/** Runs the mode; resolves with the exit code. */
export async function chaosRunMode(args: RunModeArgs, signal: AbortSignal): Promise<number> {
  const profile =
    args.profile in RUN_PROFILES ? (args.profile as keyof typeof RUN_PROFILES) : 'fast';
  console.log(`chaos --mode run: seed ${args.seed}`);
  const record = await runRunChaos({
    durationMs: args.durationMs,
    candidates: args.candidates,
    seed: args.seed,
    profile,
    stubbornProbability: 0.3,
    signal,
    log: (line) => console.log(line),
  });
  const report = buildRunReport(record);
  await writeFile(args.reportPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatRunSummary(report, args.reportPath).join('\n'));
  return report.verdict.ok ? 0 : 1;
}
