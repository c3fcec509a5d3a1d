/**
 * How the demo shows itself: a live table redrawn a few times per second on a terminal, plain
 * timestamped lines otherwise (pipes, CI, tests).
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
  /** Restores the terminal; what follows (the summary) is printed normally. */
  stop(): void;
}

const REDRAW_MS = 250;
const LOG_LINES = 12;
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

/** Plain lines: `[   12.345s] message`, one per event. */
export class PlainDisplay implements DemoDisplay {
  readonly #startedAt: bigint;
  readonly #header: readonly string[];

  constructor(startedAt: bigint, header: readonly string[]) {
    this.#startedAt = startedAt;
    this.#header = header;
  }

  start(): void {
    for (const line of this.#header) console.log(line);
  }

  log(message: string): void {
    console.log(`[${elapsed(this.#startedAt, monotonicNow())}] ${message}`);
  }

  stop(): void {}
}

/** The live table on the terminal's alternate screen, with a rolling event log. */
export class LiveDisplay implements DemoDisplay {
  readonly #startedAt: bigint;
  readonly #snapshot: () => DemoSnapshot;
  readonly #log: string[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(startedAt: bigint, snapshot: () => DemoSnapshot) {
    this.#startedAt = startedAt;
    this.#snapshot = snapshot;
  }

  start(): void {
    // Alternate screen, hidden cursor: the table redraws in place and the user's scrollback
    // is intact afterwards.
    process.stdout.write(`${ESC}?1049h${ESC}?25l`);
    this.#timer = setInterval(() => this.#render(), REDRAW_MS);
    this.#render();
  }

  log(message: string): void {
    this.#log.push(`${style.dim(elapsed(this.#startedAt, monotonicNow()))} ${message}`);
    if (this.#log.length > LOG_LINES) this.#log.shift();
  }

  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    process.stdout.write(`${ESC}?25h${ESC}?1049l`);
  }

  #render(): void {
    const now = monotonicNow();
    const { header, candidates, status } = this.#snapshot();
    const shown = candidates.filter(
      (c) => c.exitedAt === undefined || Number(now - c.exitedAt) / 1e6 < EXITED_ROW_MS,
    );
    const rows = tableRows(shown, now);
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    const table = rows.map((row, index) => {
      const text = row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
      if (index === 0) return style.bold(text);
      const candidate = shown[index - 1]!;
      if (candidate.state === 'killed' || candidate.state === 'exited') return style.red(text);
      if (candidate.state === 'paused') return style.yellow(text);
      return candidate.deadline !== null && candidate.deadline > now ? style.green(text) : text;
    });
    const lines = [...header, '', ...table, '', status, '', style.bold('Events'), ...this.#log];
    const width = process.stdout.columns ?? 120;
    const clipped = lines.map((line) =>
      visibleLength(line) > width ? `${line.slice(0, width)}${ESC}0m` : line,
    );
    process.stdout.write(`${ESC}H${clipped.map((line) => `${line}${ESC}K`).join('\n')}\n${ESC}J`);
  }
}

/** Length without ANSI escapes. */
function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes on purpose
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').length;
}
