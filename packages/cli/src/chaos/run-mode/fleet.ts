/**
 * The `leasehold run` processes of a `--mode run` chaos run: spawned with the heartbeat as
 * COMMAND, signalled, replaced when they exit. Each one's stderr goes to its own file.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin.js', import.meta.url));
const HEARTBEAT = fileURLToPath(new URL('./heartbeat.js', import.meta.url));

/** One `leasehold run` process. */
export interface Elector {
  readonly identity: string;
  readonly stubborn: boolean;
  readonly child: ChildProcess;
  readonly startedAt: bigint;
  paused: boolean;
  /** It has said it competes. */
  ready: boolean;
  /** Signals sent to it, in order. */
  readonly signals: NodeJS.Signals[];
  exit: { code: number | null; signal: NodeJS.Signals | null; at: bigint } | undefined;
}

/** What every elector of the run shares. */
export interface FleetOptions {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly lease: string;
  readonly timingFlags: readonly string[];
  readonly onExit: (elector: Elector) => void;
}

export class RunFleet {
  readonly electors: Elector[] = [];
  readonly #options: FleetOptions;

  constructor(options: FleetOptions) {
    this.#options = options;
  }

  /** Starts one more `leasehold run`; a stubborn one's COMMANDs ignore SIGTERM. */
  spawn(stubborn: boolean): Elector {
    const { dir, kubeconfig, lease, timingFlags } = this.#options;
    const identity = `run-${this.electors.length + 1}`;
    const log = openSync(join(dir, `${identity}.stderr`), 'a');
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        `--name=${lease}`,
        `--kubeconfig=${kubeconfig}`,
        `--identity=${identity}`,
        ...timingFlags,
        '--',
        process.execPath,
        HEARTBEAT,
        dir,
        stubborn ? '1' : '0',
      ],
      { stdio: ['ignore', 'ignore', log] },
    );
    closeSync(log);
    const elector: Elector = {
      identity,
      stubborn,
      child,
      startedAt: process.hrtime.bigint(),
      paused: false,
      ready: false,
      signals: [],
      exit: undefined,
    };
    child.once('exit', (code, signal) => {
      elector.exit = { code, signal, at: process.hrtime.bigint() };
      this.#options.onExit(elector);
    });
    this.electors.push(elector);
    return elector;
  }

  /** Electors that have not exited. */
  live(): Elector[] {
    return this.electors.filter((elector) => elector.exit === undefined);
  }

  /**
   * Live electors that have started competing (said so on stderr): a signal to a process
   * still loading its modules tests nothing but Node's default signal actions.
   */
  ready(): Elector[] {
    return this.live().filter((elector) => {
      if (!elector.ready) {
        const log = join(this.#options.dir, `${elector.identity}.stderr`);
        elector.ready = readFileSync(log, 'utf8').includes('competing for lease');
      }
      return elector.ready;
    });
  }

  /** Sends `signal`, recording it; a no-op for an elector that is gone. */
  signal(elector: Elector, signal: NodeJS.Signals): void {
    if (elector.exit !== undefined) return;
    elector.signals.push(signal);
    if (signal === 'SIGSTOP') elector.paused = true;
    if (signal === 'SIGCONT') elector.paused = false;
    try {
      process.kill(elector.child.pid!, signal);
    } catch {
      // It exited just now.
    }
  }
}
