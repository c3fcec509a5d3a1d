/**
 * `leasehold run -- COMMAND`: runs a command only while this process holds the Lease.
 *
 * @remarks
 * One child per term: started when a term begins, sent SIGTERM the moment the term ends
 * (its signal aborts no later than the term's deadline), SIGKILLed after the drain timeout.
 * The elector waits for that (bounded by the same timeout) before it releases the Lease, so the
 * next leader's command does not start while this one is still stopping.
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
import { describeExit, type GroupChild, shellExitCode, spawnGroupChild } from './child-process.js';
import {
  createElectorFromFlags,
  ELECTION_OPTIONS,
  ELECTION_OPTIONS_HELP,
  electorOptionsFrom,
} from './election-options.js';
import { keepAlive } from './keep-alive.js';

export const RUN_HELP = `Usage: leasehold run --name LEASE [options] -- COMMAND [ARGS...]

Competes for the Lease and runs COMMAND while this process is the leader.

  - When a term begins, COMMAND starts with LEASEHOLD_FENCING_TOKEN (the term's fencing
    token: pass it to systems that can reject writes from older terms) and
    LEASEHOLD_IDENTITY in its environment. It runs in its own process group, stdin closed.
  - When the term ends (lost, renewal deadline passed, stop), COMMAND's process group gets
    SIGTERM, and SIGKILL after --drain-timeout; then the Lease is released. leasehold stays
    a candidate and starts COMMAND again when it next becomes leader.
  - When COMMAND exits on its own, leasehold releases the Lease and exits with its status
    (0 on success, 128+N if killed by signal N, 127 if it could not be found).
  - SIGINT or SIGTERM: stop COMMAND, release the Lease, exit 0. A second one exits at once
    (exit 1) after SIGKILLing COMMAND, without releasing: the Lease then simply expires.

A term that ends because renewals failed (API unreachable) ends at the leader's local
deadline; followers may take over (--lease-duration) − (--renew-deadline) later, so COMMAND
must stop within that margin after SIGTERM to never overlap with the next leader. And if
leasehold itself is frozen (SIGSTOP) or SIGKILLed, COMMAND is not: in a pod, make leasehold
the container's main process, so that the container ends with it.

${ELECTION_OPTIONS_HELP}
  -h, --help              show this help

Example:
  leasehold run --name my-job --kubeconfig kubeconfig.yaml -- node worker.js`;

/** Progress messages go to stderr; stdout belongs to COMMAND. */
function note(message: string): void {
  process.stderr.write(`leasehold: ${message}\n`);
}

function termEndReason(term: Term): string {
  const reason: unknown = term.signal.reason;
  return reason instanceof LeadershipLostError ? reason.reason : 'ended';
}

/** What `run` was asked to do. */
export interface RunArgs {
  /** The election flags, for {@link electorOptionsFrom}. */
  readonly election: RawValues;
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
    { ...ELECTION_OPTIONS, ...HELP_OPTION },
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
  return { election: values, file, fileArgs };
}

/** Runs the command; resolves with the exit code. */
export async function runCommand(args: readonly string[]): Promise<number> {
  const parsed = parseRunArgs(args);
  if (parsed === 'help') {
    console.log(RUN_HELP);
    return 0;
  }
  const { file, fileArgs } = parsed;
  const elector = createElectorFromFlags(
    'run',
    electorOptionsFrom('run', parsed.election, 'leasehold'),
  );
  const { identity, drainTimeoutMs } = elector.config;

  let running: GroupChild | null = null;
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

  elector.runWhileLeader(async (term) => {
    // Checked at the moment of use: the term may have ended since it was handed to us.
    if (finishing || !term.isCurrent()) return;
    note(`leading as ${identity} (fencing token ${term.fencingToken}); starting ${file}`);
    const child = spawnGroupChild(file, fileArgs, {
      ...process.env,
      LEASEHOLD_FENCING_TOKEN: String(term.fencingToken),
      LEASEHOLD_IDENTITY: identity,
    });
    running = child;
    const stopChild = (): void => {
      note(`term ended (${termEndReason(term)}); stopping ${file}`);
      void child.terminate(drainTimeoutMs);
    };
    term.signal.addEventListener('abort', stopChild, { once: true });
    const exit = await child.exited;
    term.signal.removeEventListener('abort', stopChild);
    running = null;
    if (term.signal.aborted) {
      note(`${file} stopped (${describeExit(exit)})`);
      return;
    }
    // COMMAND finished while we lead: that is the end of the run. stop() must not be awaited
    // here: it waits for this very function to return before releasing.
    child.killLeftovers();
    note(`${file} ended (${describeExit(exit)}); releasing the lease`);
    finish(shellExitCode(exit));
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
      if (!finishing) {
        note('the elector stopped unexpectedly');
        running?.signal('SIGKILL');
        resolveExit(1);
      }
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
    note(`${signal} again: exiting without releasing`);
    running?.signal('SIGKILL');
    resolveExit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const release = keepAlive();
  elector.start();
  note(`competing for lease ${elector.config.namespace}/${elector.config.name} as ${identity}`);
  const code = await exitCode;
  release();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return code;
}
