/**
 * One fleet of candidate processes around one Lease, with everything `demo` and `chaos` need
 * around it: a temporary directory, the API server (the embedded one, or a cluster the user
 * names) and its kubeconfig, the candidates, continuous overlap checking, a SIGKILL of every
 * candidate if this process exits without stopping them, and a teardown that removes it all.
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ElectionTiming } from '@leasehold/election';
import type { CandidateEvent } from '../events.js';
import { monotonicNow } from '../events.js';
import { type Candidate, Fleet } from './candidates.js';
import { embeddedTarget, externalTarget, type LeaseTarget } from './lease-target.js';
import { describeOverlap, SafetyMonitor } from './safety-monitor.js';

/** Options of {@link FleetHarness.start}. */
export interface FleetHarnessOptions {
  /** Names the temporary directory (`leasehold-<purpose>-…`). */
  readonly purpose: string;
  /** A kubeconfig of a cluster to use; `null` starts the embedded server. */
  readonly kubeconfig: string | null;
  readonly leaseName: string;
  readonly timing: ElectionTiming;
  /** A live overlap must persist this long to count (lines arrive through separate pipes). */
  readonly settleMs: number;
  /** Where the harness's own lines go: starts, leadership changes, overlaps. */
  readonly log: (message: string) => void;
  /** Also log each candidate's error states. */
  readonly logErrors?: boolean;
  /** Every event line of every candidate, after the harness has logged it. */
  readonly onEvent?: (candidate: Candidate, event: CandidateEvent) => void;
  readonly onExit?: (candidate: Candidate) => void;
}

/** A running fleet; {@link FleetHarness.close} (or `await using`) tears it down. */
export class FleetHarness implements AsyncDisposable {
  readonly target: LeaseTarget;
  readonly fleet: Fleet;
  readonly monitor: SafetyMonitor;
  readonly #dir: string;
  readonly #log: (message: string) => void;
  readonly #killOnExit = () => this.fleet.killAll();

  private constructor(options: FleetHarnessOptions, dir: string, target: LeaseTarget) {
    this.#dir = dir;
    this.target = target;
    this.#log = options.log;
    this.monitor = new SafetyMonitor(options.settleMs);
    this.fleet = new Fleet({
      binPath: fileURLToPath(new URL('../bin.js', import.meta.url)),
      kubeconfigPath: target.kubeconfigPath,
      leaseName: options.leaseName,
      namespace: target.namespace,
      timing: options.timing,
      onEvent: (candidate, event) => {
        const line = describeEvent(candidate, event, options.logErrors === true);
        if (line !== undefined) this.#log(line);
        options.onEvent?.(candidate, event);
        this.checkSafety();
      },
      onExit: (candidate) => options.onExit?.(candidate),
    });
    process.once('exit', this.#killOnExit);
  }

  /** Creates the directory, starts or names the server, and prepares the (empty) fleet. */
  static async start(options: FleetHarnessOptions): Promise<FleetHarness> {
    const dir = await mkdtemp(join(tmpdir(), `leasehold-${options.purpose}-`));
    try {
      const target =
        options.kubeconfig === null
          ? await embeddedTarget(dir, options.leaseName)
          : externalTarget(options.kubeconfig);
      return new FleetHarness(options, dir, target);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Starts `count` candidates, logging each. */
  spawnCandidates(count: number): void {
    for (let i = 0; i < count; i++) {
      const candidate = this.fleet.spawn();
      this.#log(`started ${candidate.identity} (pid ${candidate.pid ?? '?'})`);
    }
  }

  /**
   * Re-checks every leadership interval for overlap and logs newly confirmed overlaps.
   * @param final every candidate has exited and all its lines were read.
   */
  checkSafety(final = false): void {
    for (const overlap of this.monitor.check(this.fleet.all, monotonicNow(), final)) {
      this.#log(describeOverlap(overlap));
    }
  }

  /** Stops every candidate (SIGTERM, SIGKILL after `graceMs`), then makes the final check. */
  async stop(graceMs: number): Promise<void> {
    this.#log('stopping: SIGTERM to every candidate');
    await this.fleet.stopAll(graceMs);
    this.checkSafety(true);
  }

  /** SIGKILLs whatever still runs, stops the server and removes the directory. */
  async close(): Promise<void> {
    this.fleet.killAll();
    process.off('exit', this.#killOnExit);
    try {
      await this.target.close();
    } finally {
      await rm(this.#dir, { recursive: true, force: true });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The log line of a candidate's event, if it is one the harness reports. */
function describeEvent(
  candidate: Candidate,
  event: CandidateEvent,
  errors: boolean,
): string | undefined {
  switch (event.type) {
    case 'leading':
      return `${candidate.identity} leading (fencing token ${event.fencingToken ?? '?'})`;
    case 'stopped-leading':
      return `${candidate.identity} stopped leading (${event.reason ?? 'unknown'})`;
    case 'state':
      return errors && event.error !== undefined
        ? `${candidate.identity}: ${event.error}`
        : undefined;
    default:
      return undefined;
  }
}
