/**
 * The messages between `leasehold run` (the elector) and its guard process: one JSON object
 * per line, elector → guard on the guard's stdin, guard → elector on its fd 3.
 *
 * @remarks
 * Every time is on CLOCK_MONOTONIC in milliseconds (`process.hrtime`, see `monotonic.ts`),
 * which both processes read from the same kernel clock: a deadline is an absolute instant, so
 * a message that waits in the pipe (a frozen elector, a busy machine) cannot stretch it.
 *
 * @module
 */

/** Elector → guard. */
export type ToGuard =
  /** Start COMMAND for a term whose local deadline is `deadline`. */
  | {
      readonly type: 'start';
      readonly file: string;
      readonly args: readonly string[];
      readonly env: Readonly<Record<string, string>>;
      readonly deadline: number;
    }
  /** A renewal moved the term's deadline. */
  | { readonly type: 'deadline'; readonly deadline: number }
  /** The term ended: SIGTERM now, SIGKILL after the grace (never past the deadline's cut). */
  | { readonly type: 'stop' }
  /** SIGKILL the group now. */
  | { readonly type: 'kill' };

/** Why COMMAND ended, as the guard saw it. */
export type ExitCause =
  /** It exited by itself while nobody asked it to. */
  | 'exit'
  /** After a `stop` or `kill` from the elector. */
  | 'stop'
  /** The term's deadline came near without a renewal: the guard stopped it. */
  | 'deadline'
  /** The elector went away (end of the guard's stdin): the guard stopped it. */
  | 'elector-gone'
  /** It was never started: the deadline was too near already. */
  | 'too-late';

/** Guard → elector. */
export type FromGuard =
  /** Its signal handlers are in place and it reads orders. */
  | { readonly type: 'ready' }
  | { readonly type: 'started'; readonly pid: number }
  /** COMMAND has been reaped and what was left of its group SIGKILLed. */
  | {
      readonly type: 'exited';
      readonly cause: ExitCause;
      readonly code: number | null;
      readonly signal: string | null;
      /** Set when COMMAND could not be started (e.g. ENOENT). */
      readonly spawnError?: { readonly code?: string; readonly message: string };
    };

/** One message as a line. */
export function encode(message: ToGuard | FromGuard): string {
  return `${JSON.stringify(message)}\n`;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** Parses an elector → guard line; `null` for anything malformed. */
export function decodeToGuard(line: string): ToGuard | null {
  const raw = parse(line);
  switch (raw?.type) {
    case 'start': {
      const { file, args, env, deadline } = raw;
      if (!isString(file) || !Array.isArray(args) || !args.every(isString)) return null;
      if (typeof env !== 'object' || env === null || !isTime(deadline)) return null;
      const entries = Object.entries(env as Record<string, unknown>);
      if (!entries.every(([, value]) => isString(value))) return null;
      return {
        type: 'start',
        file,
        args,
        env: Object.fromEntries(entries) as Record<string, string>,
        deadline,
      };
    }
    case 'deadline':
      return isTime(raw.deadline) ? { type: 'deadline', deadline: raw.deadline } : null;
    case 'stop':
    case 'kill':
      return { type: raw.type };
    default:
      return null;
  }
}

const CAUSES: readonly string[] = ['exit', 'stop', 'deadline', 'elector-gone', 'too-late'];

/** Parses a guard → elector line; `null` for anything malformed. */
export function decodeFromGuard(line: string): FromGuard | null {
  const raw = parse(line);
  if (raw?.type === 'ready') return { type: 'ready' };
  if (raw?.type === 'started') {
    return Number.isInteger(raw.pid) ? { type: 'started', pid: raw.pid as number } : null;
  }
  if (raw?.type !== 'exited' || !isString(raw.cause) || !CAUSES.includes(raw.cause)) return null;
  const code = Number.isInteger(raw.code) ? (raw.code as number) : null;
  const signal = isString(raw.signal) ? raw.signal : null;
  const error = raw.spawnError as { code?: unknown; message?: unknown } | undefined;
  const spawnError =
    typeof error === 'object' && error !== null && isString(error.message)
      ? { message: error.message, ...(isString(error.code) && { code: error.code }) }
      : undefined;
  return {
    type: 'exited',
    cause: raw.cause as ExitCause,
    code,
    signal,
    ...(spawnError && { spawnError }),
  };
}

function parse(line: string): Record<string, unknown> | null {
  try {
    const raw: unknown = JSON.parse(line);
    return typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Splits a byte stream into lines, calling `onLine` for each complete one. */
export function lineReader(onLine: (line: string) => void): (chunk: Buffer | string) => void {
  let pending = '';
  return (chunk) => {
    pending += String(chunk);
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim() !== '') onLine(line);
      newline = pending.indexOf('\n');
    }
  };
}
