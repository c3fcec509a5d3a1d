/**
 * Watches the heartbeat directory of a `--mode run` chaos run: finds each COMMAND as it
 * starts, notes who runs it, and when it is seen gone (a poll of `/proc`, taking the time
 * after the look, so that a late poll only makes an interval longer).
 *
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Running (or stopped), not a zombie waiting to be reaped. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat[stat.lastIndexOf(')') + 2];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** What is known of one COMMAND. */
export interface WatchedCommand {
  readonly pid: number;
  readonly identity: string;
  stopped: boolean;
  goneAt: bigint | undefined;
}

/** Polls `dir` every `periodMs`. */
export class CommandWatch {
  readonly commands = new Map<number, WatchedCommand>();
  readonly #dir: string;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(dir: string, periodMs: number) {
    this.#dir = dir;
    this.#timer = setInterval(() => this.poll(), periodMs);
  }

  /** Looks once. */
  poll(): void {
    for (const name of readdirSync(this.#dir)) {
      const match = /^(\d+)\.log$/.exec(name);
      if (!match) continue;
      const pid = Number(match[1]);
      if (this.commands.has(pid)) continue;
      const first = readFileSync(join(this.#dir, name), 'utf8').split('\n')[0] ?? '';
      const [what, , , identity] = first.split(' ');
      if (what !== 'start' || identity === undefined) continue;
      this.commands.set(pid, { pid, identity, stopped: false, goneAt: undefined });
    }
    for (const command of this.commands.values()) {
      if (command.goneAt !== undefined) continue;
      if (!processAlive(command.pid)) command.goneAt = process.hrtime.bigint();
    }
  }

  /** The identity of the elector whose COMMAND runs now, if one does (the latest started). */
  runningFor(): string | undefined {
    let latest: WatchedCommand | undefined;
    for (const command of this.commands.values()) {
      if (command.goneAt === undefined && (latest === undefined || command.pid > latest.pid)) {
        latest = command;
      }
    }
    return latest?.identity;
  }

  /** COMMANDs not seen gone. */
  alive(): WatchedCommand[] {
    return [...this.commands.values()].filter((command) => command.goneAt === undefined);
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
