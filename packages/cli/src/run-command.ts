/**
 * `leasehold run -- COMMAND`: runs a command only while this process holds the Lease.
 *
 * @remarks
 * One COMMAND per term, started by a guard process (`guard/`) that is its parent and kills
 * its process group by the term's local deadline unless renewals keep moving it, or at once
 * when this process dies: COMMAND is dead before any other candidate can lead, whatever
 * happens here (SIGKILL, SIGSTOP, a crash), with the library's clock-rate tolerance. A term
 * that ends otherwise stops COMMAND with SIGTERM, then SIGKILL after the drain timeout; the
 * Lease is released only once the guard reports COMMAND reaped, and not at all if that report
 * does not come within the elector's drain bound (`run-timing.ts`): the Lease then runs out.
 *
 * @module
 */
import { LeadershipLostError, type Term } from '@leasehold/election';
import {
  HELP_OPTION,
  parseCommandArgs,
  type RawValues,
  requiredString,
  splitAtDoubleDash,
  UsageError,
} from './args.js';
import { type ChildExit, describeExit, shellExitCode } from './child-process.js';
import {
  createElectorFromFlags,
  ELECTION_OPTIONS,
  ELECTION_OPTIONS_HELP,
  electorOptionsFrom,
} from './election-options.js';
import { type GuardedExit, spawnGuard } from './guard/guard-client.js';
import { keepAlive } from './keep-alive.js';
import {
  OBSERVABILITY_OPTIONS,
  OBSERVABILITY_OPTIONS_HELP,
  type ObservabilityConfig,
  observabilityFrom,
  serveObservability,
} from './observability-server.js';
import { runTiming } from './run-timing.js';

export const RUN_HELP = `Usage: leasehold run --name LEASE [options] -- COMMAND [ARGS...]

Competes for the Lease and runs COMMAND while this process is the leader.

  - When a term begins, COMMAND starts with LEASEHOLD_FENCING_TOKEN (the term's fencing
    token: pass it to systems that can reject writes from older terms) and
    LEASEHOLD_IDENTITY in its environment. It runs in its own process group, stdin closed.
  - COMMAND is dead before any other candidate can lead, whatever happens to leasehold:
    a guard process, COMMAND's parent, kills COMMAND's group by the term's local deadline
    (renew deadline after the last successful renewal was sent) unless a renewal moves it,
    and at once if leasehold dies. Without renewals, COMMAND gets SIGKILL a kill margin
    (renew deadline / 20, 50 ms to 500 ms) before the deadline, and SIGTERM
    min(--drain-timeout, about half the renew deadline) before that; leasehold then steps
    down.
  - When the term ends otherwise (lost, stop), COMMAND's process group gets SIGTERM, and
    SIGKILL after --drain-timeout (never past the deadline); the Lease is released only once
    COMMAND has been reaped. If the guard cannot report the reap within a second of that
    SIGKILL, the Lease is not released: it runs out (a lease duration) instead. leasehold
    stays a candidate and starts COMMAND again when it next becomes leader.
  - When COMMAND exits on its own, leasehold releases the Lease and exits with its status
    (0 on success, 128+N if killed by signal N, 127 if it could not be found).
  - SIGINT, SIGTERM or SIGHUP: stop COMMAND, release the Lease, exit 0. A second one exits at
    once (exit 1) after SIGKILLing COMMAND, without releasing: the Lease then simply expires.
  - If leasehold is SIGKILLed, crashes or is frozen, the guard stops COMMAND; if the guard
    dies, leasehold SIGKILLs COMMAND's group and exits 1 without releasing.

Not covered: processes COMMAND moves out of its process group (setsid), and leasehold and
the guard both frozen or killed at once. In a container run leasehold under an init that
reaps orphans (docker run --init, tini); see docs/run.md.

${ELECTION_OPTIONS_HELP}

${OBSERVABILITY_OPTIONS_HELP}
  -h, --help              show this help

Example:
  leasehold run --name my-job --kubeconfig kubeconfig.yaml --health-port 8081 \\
    --metrics-port 9090 -- node worker.js`;

/** Progress messages go to stderr; stdout belongs to COMMAND. A failed note is dropped. */
function note(message: string): void {
  try {
    process.stderr.write(`leasehold: ${message}\n`);
  } catch {
    // Nowhere to say it.
  }
}

/** A closed stdout or stderr (EPIPE) must never end the run, which would orphan COMMAND. */
function ignoreStdioErrors(): void {
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
}

/** The guard's report as a {@link ChildExit}, for the exit status and messages. */
function childExit(exit: GuardedExit): ChildExit {
  const spawnError = exit.spawnError
    ? Object.assign(new Error(exit.spawnError.message), { code: exit.spawnError.code })
    : undefined;
  return {
    code: exit.code,
    signal: exit.signal as NodeJS.Signals | null,
    ...(spawnError && { spawnError }),
  };
}

function termEndReason(term: Term): string {
  const reason: unknown = term.signal.reason;
  return reason instanceof LeadershipLostError ? reason.reason : 'ended';
}

/** What `run` was asked to do. */
export interface RunArgs {
  /** The election flags, for {@link electorOptionsFrom}. */
  readonly election: RawValues;
  /** The health and metrics endpoints to serve. */
  readonly observability: ObservabilityConfig;
  readonly file: string;
  readonly fileArgs: readonly string[];
}

/**
 * Parses `run`'s arguments: options before `--`, COMMAND after it.
 * @returns `'help'` for `--help`.
 * @throws {@link UsageError}
 */
export function parseRunArgs(args: readonly string[]): RunArgs | 'help' {
  const { options, command } = splitAtDoubleDash(args);
  const { values, positionals } = parseCommandArgs(
    'run',
    options,
    { ...ELECTION_OPTIONS, ...OBSERVABILITY_OPTIONS, ...HELP_OPTION },
    true,
  );
  if (values.help === true) return 'help';
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}": put COMMAND after --`, 'run');
  }
  requiredString('run', values, 'name');
  const [file, ...fileArgs] = command ?? [];
  if (file === undefined || file === '') {
    throw new UsageError('missing COMMAND: leasehold run [options] -- COMMAND [ARGS...]', 'run');
  }
  return { election: values, observability: observabilityFrom('run', values), file, fileArgs };
}

/** Runs the command; resolves with the exit code. */
export async function runCommand(args: readonly string[]): Promise<number> {
  const parsed = parseRunArgs(args);
  if (parsed === 'help') {
    console.log(RUN_HELP);
    return 0;
  }
  ignoreStdioErrors();
  const { file, fileArgs } = parsed;
  const options = electorOptionsFrom('run', parsed.election, 'leasehold');
  // --drain-timeout is COMMAND's grace; the elector's own bound comes after its SIGKILL and
  // the reap report, so that a graceful hand-over still releases (see run-timing.ts).
  const timing = runTiming(options);
  const elector = createElectorFromFlags('run', {
    ...options,
    drainTimeoutMs: timing.electorDrainTimeoutMs,
  });
  const { identity } = elector.config;
  let endpoints: { close(): Promise<void> };
  try {
    endpoints = await serveObservability(elector, parsed.observability);
  } catch (error) {
    note(`cannot serve the health or metrics endpoint: ${String(error)}`);
    return 1;
  }
  if (process.pid === 1) {
    note('warning: running as PID 1, which does not reap orphaned processes; use an init (tini)');
  }
  const guard = spawnGuard(timing.guard);

  let finishing = false;
  let resolveExit: (code: number) => void = () => {};
  const exitCode = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  /** Stops the elector (which stops COMMAND and releases), then exits with `code`. */
  const finish = (code: number): void => {
    if (finishing) return;
    finishing = true;
    elector.stop().then(
      () => resolveExit(code),
      (error: unknown) => {
        note(`stopping failed: ${String(error)}`);
        resolveExit(1);
      },
    );
  };
  /** Kills COMMAND and exits without releasing: the Lease runs out on its own. */
  const abandon = (why: string): void => {
    finishing = true;
    guard.killNow();
    note(`${why}: COMMAND killed; exiting without releasing the lease`);
    resolveExit(1);
  };

  /** The previous term's COMMAND, reaped before the next one starts. */
  let previous: Promise<unknown> = Promise.resolve();
  elector.runWhileLeader(async (term) => {
    await previous;
    // Checked at the moment of use: the term may have ended since it was handed to us.
    if (finishing || !term.isCurrent()) return;
    note(`leading as ${identity} (fencing token ${term.fencingToken}); starting ${file}`);
    const command = guard.start(
      file,
      fileArgs,
      {
        ...(process.env as Record<string, string>),
        LEASEHOLD_FENCING_TOKEN: String(term.fencingToken),
        LEASEHOLD_IDENTITY: identity,
      },
      term.deadline,
    );
    previous = command.exited;
    // Every renewal moves the guard's deadline; nothing else does.
    const renewals = elector.state$.subscribe((state) => {
      if (state.term === term && state.deadline !== null) guard.extend(state.deadline);
    });
    const stopCommand = (): void => {
      note(`term ended (${termEndReason(term)}); stopping ${file}`);
      guard.stop();
    };
    term.signal.addEventListener('abort', stopCommand, { once: true });
    const exit = await command.exited;
    renewals.unsubscribe();
    term.signal.removeEventListener('abort', stopCommand);
    if (term.signal.aborted) {
      note(`${file} stopped (${describeExit(childExit(exit))})`);
      return;
    }
    if (exit.cause === 'deadline' || exit.cause === 'too-late') {
      // The guard stopped COMMAND as the deadline came near; the term is not worth keeping
      // without it. Not awaited: stepping down waits for this very function.
      note(`${file} stopped: no renewal before the term's deadline; stepping down`);
      void elector.stepDown();
      return;
    }
    // COMMAND finished while we lead: that is the end of the run. stop() must not be awaited
    // here: it waits for this very function to return before releasing.
    note(`${file} ended (${describeExit(childExit(exit))}); releasing the lease`);
    finish(shellExitCode(childExit(exit)));
  });

  void guard.died.then(({ code, signal }) => {
    if (!finishing || signal !== null || code !== 0) {
      abandon(`the guard process died (${signal ?? `exit code ${code}`})`);
    }
  });

  let lastError: string | undefined;
  elector.state$.subscribe({
    next: (state) => {
      const message = state.error?.message;
      if (message !== undefined && message !== lastError) note(`warning: ${message}`);
      lastError = message;
    },
    complete: () => {
      // Completes after stop(), or on its own if the elector died of an internal error.
      if (!finishing) abandon('the elector stopped unexpectedly');
    },
  });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      note(`${signal}: stopping`);
      finish(0);
      return;
    }
    abandon(`${signal} again`);
  };
  const onCrash = (error: Error): void => {
    // Kill first: the guard would too once we are gone, but only after a grace.
    guard.killNow();
    note(`internal error, COMMAND killed: ${error.stack ?? error.message}`);
    process.exit(70);
  };
  const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('uncaughtException', onCrash);
  const release = keepAlive();
  elector.start();
  note(`competing for lease ${elector.config.namespace}/${elector.config.name} as ${identity}`);
  const code = await exitCode;
  await endpoints.close();
  release();
  guard.close();
  for (const signal of SIGNALS) process.off(signal, onSignal);
  process.off('uncaughtException', onCrash);
  return code;
}
