/**
 * `leasehold demo`: arguments, Ctrl-C handling, summary and exit code.
 *
 * @module
 */
import { durationValue, HELP_OPTION, parseCommandArgs, stringValue } from '../args.js';
import { FLEET_OPTIONS, fleetArgs, type ProfileName } from '../fleet/profiles.js';
import { onInterrupt } from '../interrupts.js';
import { runDemo } from './run-demo.js';
import { formatSummary } from './summary.js';

export const DEMO_HELP = `Usage: leasehold demo [options]

Starts an embedded Lease API server and several candidate processes competing for the Lease
"demo", then takes leadership away from the leader every --interval, in turn:
  graceful stop   SIGTERM: the leader releases the Lease; a follower sees it on its watch
  crash           SIGKILL: followers take over when the lease expires
  pause           SIGSTOP: the leader freezes with its term running; its own view of the
                  term expires at its deadline, before any follower may take over; it is
                  resumed (SIGCONT) after the lease duration + 1 s and must step down
Stopped and killed candidates are replaced by new ones, with new identities.

Each failover is timed from the action to the next candidate's "leading" line, and every
leadership interval is checked against all others for overlap. On a terminal it shows a live
table; otherwise one timestamped line per event. At the end it prints a summary and exits 1
if two leaders overlapped (or a candidate died unexpectedly), else 0.

Options:
  --duration D        how long to run (default 30s; "forever" runs until Ctrl-C)
  --candidates N      number of candidate processes, 2 to 10 (default 3)
  --interval D        time between disruptions (default 6s)
  --profile P         fast: lease 4s, renew deadline 3s, retry 1s (default)
                      default: lease 15s, renew deadline 10s, retry 2s (client-go's)
  --plain             plain lines even on a terminal
  --kubeconfig PATH   run against that cluster (Lease "demo" in the context's namespace)
                      instead of the embedded server
  -h, --help          show this help
Durations: 500ms, 15s, 1m, 1m30s.`;

/** What `demo` was asked to do. */
export interface DemoArgs {
  /** `null`: until Ctrl-C. */
  readonly durationMs: number | null;
  readonly candidates: number;
  readonly intervalMs: number;
  readonly profile: ProfileName;
  readonly plain: boolean;
  /** `null`: the embedded server. */
  readonly kubeconfig: string | null;
}

/**
 * Parses `demo`'s arguments and applies the defaults.
 * @returns `'help'` for `--help`.
 * @throws {@link UsageError}
 */
export function parseDemoArgs(args: readonly string[]): DemoArgs | 'help' {
  const { values } = parseCommandArgs('demo', args, {
    ...FLEET_OPTIONS,
    interval: { type: 'string' },
    plain: { type: 'boolean' },
    kubeconfig: { type: 'string' },
    ...HELP_OPTION,
  });
  if (values.help === true) return 'help';
  const forever = stringValue(values, 'duration') === 'forever';
  const sized = fleetArgs('demo', forever ? { ...values, duration: undefined } : values, {
    durationMs: 30_000,
    candidates: 3,
  });
  return {
    ...sized,
    durationMs: forever ? null : sized.durationMs,
    intervalMs: durationValue('demo', values, 'interval') ?? 6_000,
    plain: values.plain === true,
    kubeconfig: stringValue(values, 'kubeconfig') ?? null,
  };
}

/** Runs the command; resolves with the exit code. */
export async function demoCommand(args: readonly string[]): Promise<number> {
  const parsed = parseDemoArgs(args);
  if (parsed === 'help') {
    console.log(DEMO_HELP);
    return 0;
  }
  const interrupt = onInterrupt();
  try {
    const result = await runDemo({
      ...parsed,
      live: process.stdout.isTTY === true && !parsed.plain,
      signal: interrupt.signal,
    });
    console.log(formatSummary(result).join('\n'));
    return result.overlaps.length > 0 || result.unexpectedExits.length > 0 ? 1 : 0;
  } finally {
    interrupt.dispose();
  }
}
