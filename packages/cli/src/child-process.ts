/**
 * A child command in its own process group, so that stopping it reaches everything it
 * started (`sh -c '…'`, npm scripts) and a Ctrl-C in the terminal reaches only leasehold,
 * which decides when and how the child stops.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** How a child ended. */
export interface ChildExit {
  /** Exit status, or `null` when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the command could not be started at all (e.g. not found). */
  readonly spawnError?: Error;
}

/** A running child command. */
export interface GroupChild {
  readonly pid: number | undefined;
  /** Resolves once, when the child has exited (or failed to start). */
  readonly exited: Promise<ChildExit>;
  /** Sends a signal to the child's whole process group; ignored after exit. */
  signal(signal: NodeJS.Signals): void;
  /**
   * SIGTERM now, SIGKILL after `graceMs` if still running; resolves when it has exited, after
   * killing whatever it left behind in its group.
   */
  terminate(graceMs: number): Promise<ChildExit>;
  /** SIGKILLs what is left of the group after the child itself exited (background jobs). */
  killLeftovers(): void;
}

/** The exit status a shell would report: the code, 128 + signal number, or 127 / 126. */
export function shellExitCode(exit: ChildExit): number {
  if (exit.spawnError) {
    return (exit.spawnError as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126;
  }
  if (exit.code !== null) return exit.code;
  const number = exit.signal ? constants.signals[exit.signal] : undefined;
  return number === undefined ? 1 : 128 + number;
}

/** Describes an exit for messages: `exit code 3`, `signal SIGTERM`. */
export function describeExit(exit: ChildExit): string {
  if (exit.spawnError) return `failed to start: ${exit.spawnError.message}`;
  return exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal ?? 'unknown'}`;
}

/** Starts `command` with `args`, stdout and stderr shared with ours, stdin closed. */
export function spawnGroupChild(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): GroupChild {
  // detached: a new process group (and session) led by the child. stdin is closed because a
  // background process group reading the terminal would be stopped by SIGTTIN.
  const child = spawn(command, args, {
    env,
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let done = false;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('error', (spawnError) => {
      // 'error' without a pid means the spawn itself failed; 'exit' will not follow.
      if (child.pid === undefined) {
        done = true;
        resolve({ code: null, signal: null, spawnError });
      }
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const signalGroup = (name: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, name);
    } catch {
      // The group is already gone (ESRCH): nothing left to signal.
    }
  };
  const signal = (name: NodeJS.Signals): void => {
    if (!done) signalGroup(name);
  };
  // Once the leader of the group exited, its group id cannot be reused while members remain,
  // so signalling it reaches only the leftovers.
  const killLeftovers = (): void => signalGroup('SIGKILL');
  const terminate = (graceMs: number): Promise<ChildExit> => {
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), graceMs);
    return exited.finally(() => {
      clearTimeout(timer);
      killLeftovers();
    });
  };
  return { pid: child.pid, exited, signal, terminate, killLeftovers };
}
