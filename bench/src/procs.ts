/**
 * Child processes of the benchmark: every one is tracked and killed when the benchmark ends,
 * however it ends (normal exit, error, Ctrl-C, SIGTERM).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Tracked {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or the signal name) when the process has exited. */
  readonly exited: Promise<number | string | null>;
  hasExited(): boolean;
  /** Stdout lines so far (only when `onLine` was not given). */
  stderrTail(): string;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

const live = new Set<Tracked>();
let netInstalled = false;

function killAllNow(): void {
  for (const t of live) {
    try {
      t.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Kills every child still running; also on process exit and on SIGINT/SIGTERM. */
export function installProcessSafetyNet(onSignal?: () => Promise<void>): void {
  if (netInstalled) return;
  netInstalled = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}: stopping every child process and apiserver\n`);
      killAllNow();
      const done = onSignal ? onSignal() : Promise.resolve();
      const exit = () => process.exit(sig === 'SIGINT' ? 130 : 143);
      done.then(exit, exit);
      // Never hang on the way out.
      setTimeout(exit, 15_000).unref();
    });
  }
}

/** Number of tracked children still running. */
export function liveChildren(): number {
  return live.size;
}

/** Kills every tracked child (SIGKILL) and waits for them. */
export async function killAll(): Promise<void> {
  const all = [...live];
  await Promise.all(all.map((t) => t.kill()));
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with every stdout line. */
  onLine?: (line: string) => void;
}

export function spawnTracked(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Tracked {
  installProcessSafetyNet();
  const child = spawn(command, [...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  if (child.pid === undefined) {
    // spawn reports a missing binary with an 'error' event on the next tick; without a listener
    // that event would crash the benchmark instead of failing this contender's preflight.
    child.once('error', () => {});
    throw new Error(`could not start ${command}`);
  }
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-8000);
  });
  if (child.stdout) {
    const rl = createInterface(child.stdout);
    rl.on('line', (line) => options.onLine?.(line));
  }
  let done = false;
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, sig) => {
      done = true;
      live.delete(tracked);
      resolve(code ?? sig);
    });
    child.once('error', (e) => {
      done = true;
      live.delete(tracked);
      stderr += `\n${e.message}`;
      resolve(null);
    });
  });
  const tracked: Tracked = {
    name,
    child,
    pid: child.pid,
    exited,
    hasExited: () => done,
    stderrTail: () => stderr,
    signal(sig) {
      if (!done) child.kill(sig);
    },
    async stop(graceMs = 10_000) {
      if (done) return;
      child.kill('SIGTERM');
      const t = sleep(graceMs, 'timeout' as const);
      if ((await Promise.race([exited, t])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
    async kill() {
      if (done) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  live.add(tracked);
  return tracked;
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function procRss(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m?.[1] ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/** User + system CPU time of a process (and its reaped children), in ms (Linux /proc). */
export function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" of the command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return ((utime + stime) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
