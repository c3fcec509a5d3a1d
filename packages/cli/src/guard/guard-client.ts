/**
 * The elector's side of the guard: spawns the guard process, hands it COMMAND and every new
 * deadline, and waits for its report that COMMAND has been reaped.
 *
 * @remarks
 * A second line of defence runs here too: a timer at the deadline's cut SIGKILLs COMMAND's
 * group should the guard not have reported its end by then (the guard frozen or dead), and
 * the guard's death while COMMAND may run SIGKILLs the group at once. Either process alone
 * thus keeps the bound; only both frozen or killed together leave COMMAND running (see
 * docs/run.md).
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { fromPerformanceMs } from './monotonic.js';
import { decodeFromGuard, encode, type FromGuard, lineReader, type ToGuard } from './protocol.js';
import type { GuardTiming } from './schedule.js';

const GUARD_SCRIPT = fileURLToPath(new URL('./guard-main.js', import.meta.url));

/** How a guarded COMMAND ended (the guard's report). */
export type GuardedExit = Extract<FromGuard, { type: 'exited' }>;

/** One COMMAND handed to the guard. */
export interface GuardedCommand {
  /** Its pid, once the guard has started it (`undefined` if it could not be). */
  readonly pid: Promise<number | undefined>;
  /** Resolves once COMMAND has been reaped and its group emptied. */
  readonly exited: Promise<GuardedExit>;
}

/** The guard process, from the elector's side. */
export interface CommandGuard {
  /** Starts COMMAND for a term with the given deadline (the elector's clock, ms). */
  start(
    file: string,
    args: readonly string[],
    env: Readonly<Record<string, string>>,
    deadline: number,
  ): GuardedCommand;
  /** A renewal moved the deadline (the elector's clock, ms). */
  extend(deadline: number): void;
  /** The term ended: SIGTERM, then SIGKILL after the grace. */
  stop(): void;
  /** SIGKILLs COMMAND's group now, directly and through the guard. */
  killNow(): void;
  /** Ends the guard's stdin: it exits once no COMMAND runs. */
  close(): void;
  /** Resolves if the guard dies while not being closed. */
  readonly died: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** True if `pid` runs and leads its process group (with `parent` as its parent, if given). */
function isGroupLeader(pid: number, parent: number | undefined): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ')'.
    const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(pgrp) === pid && (parent === undefined || Number(ppid) === parent);
  } catch {
    return false;
  }
}

/** Spawns the guard process. */
export function spawnGuard(timing: GuardTiming): CommandGuard {
  const guard: ChildProcess = spawn(process.execPath, [GUARD_SCRIPT, JSON.stringify(timing)], {
    stdio: ['pipe', 'inherit', 'inherit', 'pipe'],
  });
  const orders = guard.stdin as Writable;
  orders.on('error', () => {});
  const send = (message: ToGuard): void => {
    if (!orders.destroyed && orders.writable) orders.write(encode(message));
  };

  let closing = false;
  let guardAlive = true;
  let current: {
    pid: number | undefined;
    resolvePid: (pid: number | undefined) => void;
    resolveExit: (exit: GuardedExit) => void;
    backstop: ReturnType<typeof setTimeout> | undefined;
  } | null = null;

  /**
   * SIGKILLs COMMAND's group by number. To not hit a stranger that reused the number, only
   * while COMMAND still leads its group, and (when the guard lives) is still the guard's child.
   */
  const killGroup = (): void => {
    const pid = current?.pid;
    if (pid === undefined || !isGroupLeader(pid, guardAlive ? guard.pid : undefined)) {
      return;
    }
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  };
  const armBackstop = (deadline: number): void => {
    if (current === null) return;
    clearTimeout(current.backstop);
    const cut = deadline - timing.killMarginMs;
    current.backstop = setTimeout(killGroup, Math.max(0, cut - performance.now()));
  };

  const reports = guard.stdio[3] as Readable;
  reports.on('error', () => {});
  reports.on(
    'data',
    lineReader((line) => {
      const message = decodeFromGuard(line);
      if (message === null || message.type === 'ready' || current === null) return;
      if (message.type === 'started') {
        current.pid = message.pid;
        current.resolvePid(message.pid);
        return;
      }
      clearTimeout(current.backstop);
      current.resolvePid(undefined);
      const { resolveExit } = current;
      current = null;
      resolveExit(message);
    }),
  );

  const died = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    guard.once('exit', (code, signal) => {
      guardAlive = false;
      if (closing && current === null) return;
      // Whatever the guard was doing is undone: nobody bounds COMMAND but us now.
      killGroup();
      resolve({ code, signal });
    });
    guard.once('error', () => {
      guardAlive = false;
      killGroup();
      resolve({ code: null, signal: null });
    });
  });

  return {
    start(file, args, env, deadline) {
      let resolvePid: (pid: number | undefined) => void = () => {};
      let resolveExit: (exit: GuardedExit) => void = () => {};
      const pid = new Promise<number | undefined>((resolve) => {
        resolvePid = resolve;
      });
      const exited = new Promise<GuardedExit>((resolve) => {
        resolveExit = resolve;
      });
      current = { pid: undefined, resolvePid, resolveExit, backstop: undefined };
      armBackstop(deadline);
      send({ type: 'start', file, args, env, deadline: fromPerformanceMs(deadline) });
      return { pid, exited };
    },
    extend(deadline) {
      if (current === null) return;
      armBackstop(deadline);
      send({ type: 'deadline', deadline: fromPerformanceMs(deadline) });
    },
    stop: () => send({ type: 'stop' }),
    killNow() {
      killGroup();
      send({ type: 'kill' });
    },
    close() {
      closing = true;
      orders.end();
    },
    died,
  };
}
