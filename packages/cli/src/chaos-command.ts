/**
 * `leasehold chaos`: arguments, Ctrl-C handling, the report file, the summary and the exit code.
 *
 * @module
 */
import { randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { choiceValue, HELP_OPTION, integerValue, parseCommandArgs, stringValue } from './args.js';
import { MAX_SEED } from './chaos/prng.js';
import { buildReport, GAP_TOLERANCE_MS } from './chaos/report.js';
import { RUN_MODE_HELP } from './chaos/run-mode/command.js';
import { runChaos } from './chaos/runner.js';
import { formatChaosSummary } from './chaos/summary.js';
import { FLEET_OPTIONS, fleetArgs, type ProfileName } from './fleet/profiles.js';
import { onInterrupt } from './interrupts.js';

export const CHAOS_HELP = `Usage: leasehold chaos [options]

Starts an embedded Lease API server and --candidates real candidate processes
(leasehold candidate), then for --duration does, at random times chosen by a seeded
generator, one of:
  kill the leader (SIGKILL), or sometimes a follower
  pause the leader (SIGSTOP) for less or more than the lease duration, or a follower;
  it is resumed (SIGCONT) when the pause is over
  stop the leader gracefully (SIGTERM: it releases the Lease)
  inject an API fault: latency, a burst of 500 / 503 / 429, a partition of the whole API,
  dropped or stalled watches, a forced 410 Gone after compaction
Killed and stopped candidates are replaced by new processes with new identities. At least
one healthy follower is always left to take over.

Then faults are healed, paused candidates resumed, and once a leader is back every candidate
is stopped. Every leadership interval (from the candidates' JSON lines, on the machine's
monotonic clock) is checked against all others for overlap; leaderless gaps are measured and
put down to the faults active at the time; failovers are timed by cause. A JSON report is
written and a summary printed.

Exit status 1 if two leaders overlapped, if a gap had a stretch longer than
lease duration + retry period + ${GAP_TOLERANCE_MS / 1000} s with no fault active, or if a candidate exited
on its own; else 0.

Options:
  --duration D       how long to inject chaos (default 60s)
  --candidates N     candidate processes at a time, 2 to 10 (default 5)
  --seed N           seed of the decisions, 0 to ${MAX_SEED} (default: random, printed)
  --profile P        fast: lease 4s, renew deadline 3s, retry 1s (default)
                     default: lease 15s, renew deadline 10s, retry 2s (client-go's)
  --report PATH      where to write the JSON report (default chaos-report.json)
  --mode M           candidates: leasehold candidate processes, API faults (default)
                     run: leasehold run processes, signals only (see below)
  -h, --help         show this help
Durations: 500ms, 15s, 1m, 1m30s. The seed reproduces the decisions, not the timing of the
processes, so two runs with one seed are alike but not identical.

${RUN_MODE_HELP}`;

/** What `chaos` was asked to do. */
export interface ChaosArgs {
  readonly durationMs: number;
  readonly candidates: number;
  readonly seed: number;
  readonly profile: ProfileName;
  readonly reportPath: string;
  readonly mode: 'candidates' | 'run';
}

/**
 * Parses `chaos`'s arguments and applies the defaults (a random seed when none is given).
 * @returns `'help'` for `--help`.
 * @throws {@link UsageError}
 */
export function parseChaosArgs(args: readonly string[]): ChaosArgs | 'help' {
  const { values } = parseCommandArgs('chaos', args, {
    ...FLEET_OPTIONS,
    seed: { type: 'string' },
    report: { type: 'string' },
    mode: { type: 'string' },
    ...HELP_OPTION,
  });
  if (values.help === true) return 'help';
  return {
    ...fleetArgs('chaos', values, { durationMs: 60_000, candidates: 5 }),
    seed: integerValue('chaos', values, 'seed', 0, MAX_SEED) ?? randomInt(2 ** 31),
    reportPath: resolve(stringValue(values, 'report') ?? 'chaos-report.json'),
    mode: choiceValue('chaos', values, 'mode', ['candidates', 'run'] as const) ?? 'candidates',
  };
}

/** Runs the command; resolves with the exit code. */
export async function chaosCommand(args: readonly string[]): Promise<number> {
  const parsed = parseChaosArgs(args);
  if (parsed === 'help') {
    console.log(CHAOS_HELP);
    return 0;
  }
  const interrupt = onInterrupt(['SIGINT', 'SIGTERM', 'SIGHUP']);
  try {
    if (parsed.mode === 'run') {
      const { chaosRunMode } = await import('./chaos/run-mode/command.js');
      return await chaosRunMode(parsed, interrupt.signal);
    }
    const record = await runChaos({
      ...parsed,
      signal: interrupt.signal,
      log: (line) => console.log(line),
    });
    const report = buildReport(record);
    await writeFile(parsed.reportPath, `${JSON.stringify(report, null, 2)}\n`);
    console.log(formatChaosSummary(report, parsed.reportPath).join('\n'));
    return report.verdict.ok ? 0 : 1;
  } finally {
    interrupt.dispose();
  }
}
