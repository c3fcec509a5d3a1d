/**
 * The guard process of `leasehold run`: the parent of COMMAND, which it starts in its own
 * process group and kills by the term's deadline, whatever happens to the elector.
 *
 * @remarks
 * `leasehold run` spawns this script once, with `[pipe, inherit, inherit, pipe]` as stdio: it
 * reads orders on stdin and reports on fd 3 (see `protocol.ts`). It obeys nothing else:
 * SIGINT, SIGTERM, SIGHUP and the terminal's stop signals are ignored, so a Ctrl-C or a
 * Ctrl-Z meant for the elector does not take the guard down with it. It stops COMMAND's group
 * - at the deadline's cut (`schedule.ts`), if no renewal moved it: this covers an elector that
 *   is frozen (SIGSTOP) or too busy to renew;
 * - at the end of its stdin, which is the elector's death (SIGKILL, OOM, a crash): SIGTERM,
 *   then SIGKILL after the grace, never past the cut;
 * - when told to.
 * It reports COMMAND's end only after reaping it and SIGKILLing whatever was left in its
 * group, and exits once its stdin has ended and no COMMAND runs.
 *
 * @module
 */
import { Socket } from 'node:net';
import { type GroupChild, spawnGroupChild } from '../child-process.js';
import { monotonicMs } from './monotonic.js';
import { decodeToGuard, type ExitCause, encode, type FromGuard, lineReader } from './protocol.js';
import { type GuardTiming, killPlan } from './schedule.js';

const timing = JSON.parse(process.argv[2] ?? '{}') as GuardTiming;

// Notes must never kill the guard: its stderr may be a pipe nobody reads any more.
process.stderr.on('error', () => {});
const note = (message: string): void => {
  try {
    process.stderr.write(`leasehold guard: ${message}\n`);
  } catch {
    // Nowhere to say it.
  }
};

// Asynchronous writes: a frozen elector that stops reading must never block the guard.
const reports = new Socket({ fd: 3, readable: false, writable: true });
reports.on('error', () => {});
const report = (message: FromGuard): void => {
  if (!reports.destroyed) reports.write(encode(message));
};

interface Running {
  readonly child: GroupChild;
  deadline: number;
  stopAt: number | null;
  /** Why it is being stopped, once SIGTERM or SIGKILL has been sent. */
  cause: ExitCause | null;
  termSent: boolean;
  killSent: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  stopCause: ExitCause;
}

let running: Running | null = null;
let electorGone = false;

/** Signals what the plan says is due, and sleeps until the next step. */
function enforce(): void {
  const r = running;
  if (r === null) return;
  clearTimeout(r.timer);
  const plan = killPlan({ deadline: r.deadline, stopAt: r.stopAt }, timing);
  const now = monotonicMs();
  const causeNow = (): ExitCause =>
    r.stopAt !== null && r.stopAt <= now ? r.stopCause : 'deadline';
  if (!r.killSent && now >= plan.killAt) {
    r.cause ??= causeNow();
    r.killSent = true;
    r.termSent = true;
    r.child.signal('SIGKILL');
    if (r.cause === 'deadline') note(`the term's deadline is near: COMMAND killed`);
  } else if (!r.termSent && now >= plan.termAt) {
    r.cause ??= causeNow();
    r.termSent = true;
    r.child.signal('SIGTERM');
    if (r.cause === 'deadline')
      note(`no renewal and the term's deadline is near: stopping COMMAND`);
  }
  const next = !r.termSent ? plan.termAt : !r.killSent ? plan.killAt : null;
  if (next !== null) r.timer = setTimeout(enforce, Math.max(0, Math.floor(next - monotonicMs())));
}

function start(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
  deadline: number,
): void {
  if (running !== null) {
    note('asked to start COMMAND while one runs: ignored');
    return;
  }
  if (monotonicMs() >= killPlan({ deadline, stopAt: null }, timing).termAt) {
    report({ type: 'exited', cause: 'too-late', code: null, signal: null });
    return;
  }
  const child = spawnGroupChild(file, args, env);
  const r: Running = {
    child,
    deadline,
    stopAt: null,
    cause: null,
    termSent: false,
    killSent: false,
    timer: undefined,
    stopCause: 'stop',
  };
  running = r;
  if (child.pid !== undefined) report({ type: 'started', pid: child.pid });
  void child.exited.then((exit) => {
    clearTimeout(r.timer);
    child.killLeftovers();
    running = null;
    const error = exit.spawnError as NodeJS.ErrnoException | undefined;
    report({
      type: 'exited',
      cause: r.cause ?? 'exit',
      code: exit.code,
      signal: exit.signal,
      ...(error && {
        spawnError: { message: error.message, ...(error.code && { code: error.code }) },
      }),
    });
    if (electorGone) process.exit(0);
  });
  enforce();
}

function stop(cause: ExitCause): void {
  const r = running;
  if (r === null) return;
  r.stopAt = Math.min(r.stopAt ?? Number.POSITIVE_INFINITY, monotonicMs());
  r.stopCause = cause;
  enforce();
}

process.stdin.on(
  'data',
  lineReader((line) => {
    const message = decodeToGuard(line);
    if (message === null) {
      note(`ignored a malformed order: ${line.slice(0, 80)}`);
      return;
    }
    switch (message.type) {
      case 'start':
        start(message.file, message.args, { ...message.env }, message.deadline);
        break;
      case 'deadline':
        if (running !== null) {
          running.deadline = message.deadline;
          enforce();
        }
        break;
      case 'stop':
        stop('stop');
        break;
      case 'kill':
        if (running !== null) {
          running.cause ??= 'stop';
          running.killSent = running.termSent = true;
          running.child.signal('SIGKILL');
        }
        break;
    }
  }),
);

const onElectorGone = (): void => {
  if (electorGone) return;
  electorGone = true;
  if (running === null) process.exit(0);
  note(`leasehold is gone (pid ${process.ppid}): stopping COMMAND (pid ${running.child.pid})`);
  stop('elector-gone');
};
process.stdin.on('end', onElectorGone);
process.stdin.on('error', onElectorGone);

// Only the elector (through the pipe) and SIGKILL stop the guard.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'] as const) {
  process.on(signal, () => {});
}
report({ type: 'ready' });
process.on('uncaughtException', (error) => {
  if (running?.child.pid !== undefined) {
    try {
      process.kill(-running.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  note(`internal error, COMMAND killed: ${error.stack ?? error.message}`);
  process.exit(70);
});
