/**
 * How the demo shows itself: a live table redrawn a few times per second on a terminal, plain
 * timestamped lines otherwise (pipes, CI, tests). Either way the run ends with a record on the
 * normal screen: the live table lives on the alternate screen, which vanishes at exit, so its
 * last frame (with the kubectl commands) and the tail of the event log are printed again.
 *
 * @module
 */
import { formatMs } from '../duration.js';
import { monotonicNow } from '../events.js';
import type { Candidate } from '../fleet/candidates.js';

/** What the live table shows, read at each redraw. */
export interface DemoSnapshot {
  /** Lines above the table (lease, server, how to watch it). */
  readonly header: readonly string[];
  readonly candidates: readonly Candidate[];
  /** One line under the table: time, next action, failovers, overlaps. */
  readonly status: string;
}

/** The demo's output. */
export interface DemoDisplay {
  start(): void;
  /** One event, as it happens. */
  log(message: string): void;
  /** The run is over (candidates are about to be stopped): what shows now is the final state. */
  end(): void;
  /** Restores the terminal and leaves the record; what follows (the summary) is printed normally. */
  stop(): void;
}

/** Where a display writes (the terminal, or a test's buffer), and how wide it is. */
export interface DisplayOutput {
  write(text: string): void;
  readonly columns: number | undefined;
}

const stdoutOutput: DisplayOutput = {
  write: (text) => process.stdout.write(text),
  get columns() {
    return process.stdout.columns;
  },
};

const REDRAW_MS = 250;
const LOG_LINES = 12;
/** Event-log lines repeated in the record at exit (the shutdown adds a few). */
const RECORD_LOG_LINES = 20;
/** How long an exited candidate stays in the table. */
const EXITED_ROW_MS = 3_000;

const ESC = '\u001b[';
const style = {
  bold: (s: string) => `${ESC}1m${s}${ESC}0m`,
  dim: (s: string) => `${ESC}2m${s}${ESC}0m`,
  green: (s: string) => `${ESC}32;1m${s}${ESC}0m`,
  yellow: (s: string) => `${ESC}33m${s}${ESC}0m`,
  red: (s: string) => `${ESC}31m${s}${ESC}0m`,
};

function elapsed(since: bigint, now: bigint): string {
  return `${(Number(now - since) / 1e9).toFixed(3).padStart(8)}s`;
}

/** Time left on a leader's term, or on the Lease as a follower sees it. */
export function timeLeft(candidate: Candidate, now: bigint): string {
  if (candidate.state === 'killed' || candidate.state === 'exited') return '';
  const left = (at: bigint) => Number(at - now) / 1e6;
  if (candidate.deadline !== null) {
    const ms = left(candidate.deadline);
    return ms > 0 ? `term ${formatMs(ms)}` : 'term expired';
  }
  if (candidate.leaseExpiresAt !== null) {
    const ms = left(candidate.leaseExpiresAt);
    return ms > 0 ? `lease ${formatMs(ms)}` : 'lease expired';
  }
  return '';
}

/** Table rows: a header and one line per candidate (plain text, padded). */
export function tableRows(candidates: readonly Candidate[], now: bigint): string[][] {
  const rows = [['CANDIDATE', 'PID', 'PROCESS', 'ROLE', 'TOKEN', 'TIME LEFT']];
  for (const c of candidates) {
    const gone = c.state === 'killed' || c.state === 'exited';
    rows.push([
      c.identity,
      String(c.pid ?? '-'),
      c.state,
      gone ? '-' : c.role,
      c.fencingToken === null ? '-' : String(c.fencingToken),
      timeLeft(c, now),
    ]);
  }
  return rows;
}

/** The table as aligned lines, styled by process state (leader green, paused yellow, gone red). */
function tableLines(candidates: readonly Candidate[], now: bigint, styled: boolean): string[] {
  const rows = tableRows(candidates, now);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((row, index) => {
    const text = row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
    if (!styled) return text;
    if (index === 0) return style.bold(text);
    const candidate = candidates[index - 1]!;
    if (candidate.state === 'killed' || candidate.state === 'exited') return style.red(text);
    if (candidate.state === 'paused') return style.yellow(text);
    return candidate.deadline !== null && candidate.deadline > now ? style.green(text) : text;
  });
}

/** Plain lines: `[   12.345s] message`, one per event; the final table when the run ends. */
export class PlainDisplay implements DemoDisplay {
  readonly #startedAt: bigint;
  readonly #snapshot: () => DemoSnapshot;
  readonly #out: DisplayOutput;

  constructor(startedAt: bigint, snapshot: () => DemoSnapshot, out = stdoutOutput) {
    this.#startedAt = startedAt;
    this.#snapshot = snapshot;
    this.#out = out;
  }

  start(): void {
    this.#out.write(`${this.#snapshot().header.join('\n')}\n`);
  }

  log(message: string): void {
    this.#out.write(`[${elapsed(this.#startedAt, monotonicNow())}] ${message}\n`);
  }

  end(): void {
    const { candidates, status } = this.#snapshot();
    const lines = ['Final state:', ...tableLines(candidates, monotonicNow(), false), status];
    this.#out.write(`${lines.join('\n')}\n`);
  }

  stop(): void {}
}

/** The live table on the terminal's alternate screen, with a rolling event log. */
export class LiveDisplay implements DemoDisplay {
  readonly #startedAt: bigint;
  readonly #snapshot: () => DemoSnapshot;
  readonly #out: DisplayOutput;
  readonly #log: string[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The frame shown when the run ended, printed again at exit. */
  #final: string[] | undefined;

  constructor(startedAt: bigint, snapshot: () => DemoSnapshot, out = stdoutOutput) {
    this.#startedAt = startedAt;
    this.#snapshot = snapshot;
    this.#out = out;
  }

  start(): void {
    // Alternate screen, hidden cursor: the table redraws in place and the user's scrollback
    // is intact afterwards.
    this.#out.write(`${ESC}?1049h${ESC}?25l`);
    this.#timer = setInterval(() => this.#render(), REDRAW_MS);
    this.#render();
  }

  log(message: string): void {
    this.#log.push(`${style.dim(elapsed(this.#startedAt, monotonicNow()))} ${message}`);
    if (this.#log.length > RECORD_LOG_LINES) this.#log.shift();
  }

  end(): void {
    if (this.#final !== undefined) return;
    const now = monotonicNow();
    const { header, candidates, status } = this.#snapshot();
    this.#final = [
      ...header,
      '',
      ...tableLines(this.#shown(candidates, now), now, true),
      '',
      status,
    ];
  }

  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#out.write(`${ESC}?25h${ESC}?1049l`);
    // Back on the normal screen: leave what the alternate screen showed, so that the story
    // (the table at the end, the last events, how to inspect the Lease) survives the exit.
    this.end();
    const record = [
      style.bold('When the run ended:'),
      ...(this.#final ?? []),
      '',
      style.bold(`Events (last ${this.#log.length})`),
      ...this.#log,
      '',
    ];
    this.#out.write(`${record.join('\n')}\n`);
  }

  /** Live candidates, and the gone ones for a few seconds. */
  #shown(candidates: readonly Candidate[], now: bigint): Candidate[] {
    return candidates.filter(
      (c) => c.exitedAt === undefined || Number(now - c.exitedAt) / 1e6 < EXITED_ROW_MS,
    );
  }

  #render(): void {
    const now = monotonicNow();
    const { header, candidates, status } = this.#snapshot();
    const table = tableLines(this.#shown(candidates, now), now, true);
    const lines = [
      ...header,
      '',
      ...table,
      '',
      status,
      '',
      style.bold('Events'),
      ...this.#log.slice(-LOG_LINES),
    ];
    const width = this.#out.columns ?? 120;
    const clipped = lines.map((line) =>
      visibleLength(line) > width ? `${line.slice(0, width)}${ESC}0m` : line,
    );
    this.#out.write(`${ESC}H${clipped.map((line) => `${line}${ESC}K`).join('\n')}\n${ESC}J`);
  }
}

/** Length without ANSI escapes. */
function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes on purpose
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').length;
}
