/**
 * A fleet's candidate processes: spawning them, reading their event lines, signalling them,
 * and remembering what happened to each (the safety checker needs kill times).
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ElectionTiming } from '@leasehold/election';
import { type CandidateEvent, monotonicNow, parseEventLine } from '../events.js';
import type { ProcessRecord } from '../intervals.js';

/** What the harness did to a process, or what it did by itself. */
export type ProcessState = 'running' | 'paused' | 'stopping' | 'killed' | 'exited';

/** One candidate process as the harness sees it. */
export interface Candidate extends ProcessRecord {
  readonly identity: string;
  readonly pid: number | undefined;
  state: ProcessState;
  /** From its lines: role, observed holder and fencing token. */
  role: string;
  fencingToken: number | null;
  /** While it leads: its term's deadline (monotonic ns). */
  deadline: bigint | null;
  /** While it leads: when its term began (monotonic ns). */
  leadingSince: bigint | null;
  /** While it follows: when it may take over (monotonic ns). */
  leaseExpiresAt: bigint | null;
  readonly events: CandidateEvent[];
  killedAt: bigint | undefined;
  exitedAt: bigint | undefined;
  /** Exit status, once exited: code or signal. */
  exit: string | undefined;
  /** The harness sent the signal that ended it (SIGTERM or SIGKILL). */
  exitRequested: boolean;
  /** The last lines it wrote to stderr, for when it dies unexpectedly. */
  readonly stderrTail: string[];
}

/** How to start candidates. */
export interface FleetOptions {
  /** `dist/bin.js` of this package. */
  readonly binPath: string;
  readonly kubeconfigPath: string;
  readonly leaseName: string;
  readonly namespace: string;
  readonly timing: ElectionTiming;
  readonly onEvent: (candidate: Candidate, event: CandidateEvent) => void;
  readonly onExit: (candidate: Candidate) => void;
}

const STDERR_TAIL_LINES = 5;

/** Starts, signals and tracks candidate processes. Identities are never reused. */
export class Fleet {
  readonly #options: FleetOptions;
  readonly #children = new Map<Candidate, ChildProcess>();
  readonly #all: Candidate[] = [];
  #next = 1;

  constructor(options: FleetOptions) {
    this.#options = options;
  }

  /** Every candidate ever started, oldest first. */
  get all(): readonly Candidate[] {
    return this.#all;
  }

  /** Starts a candidate with a fresh identity. */
  spawn(): Candidate {
    const { binPath, kubeconfigPath, leaseName, namespace, timing } = this.#options;
    const identity = `candidate-${this.#next++}`;
    // Own process group: a Ctrl-C in the terminal reaches only demo or chaos, which stop the
    // candidates in order. stdin is a pipe that closes when that process dies, whatever kills it.
    const child = spawn(
      process.execPath,
      [
        binPath,
        'candidate',
        '--exit-with-stdin',
        `--name=${leaseName}`,
        `--namespace=${namespace}`,
        `--kubeconfig=${kubeconfigPath}`,
        `--identity=${identity}`,
        `--lease-duration=${timing.leaseDurationMs}ms`,
        `--renew-deadline=${timing.renewDeadlineMs}ms`,
        `--retry-period=${timing.retryPeriodMs}ms`,
      ],
      { detached: true, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const candidate = candidateRecord(identity, child.pid);
    this.#all.push(candidate);
    this.#children.set(candidate, child);
    createInterface({ input: child.stdout! }).on('line', (line) => this.#onLine(candidate, line));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      candidate.stderrTail.push(line);
      if (candidate.stderrTail.length > STDERR_TAIL_LINES) candidate.stderrTail.shift();
    });
    child.once('error', (error) => {
      candidate.stderrTail.push(String(error));
    });
    child.once('close', (code, signal) => {
      candidate.exitedAt = monotonicNow();
      candidate.exit = code !== null ? `exit code ${code}` : `signal ${signal ?? '?'}`;
      if (candidate.state !== 'killed') candidate.state = 'exited';
      candidate.deadline = null;
      this.#children.delete(candidate);
      this.#options.onExit(candidate);
    });
    return candidate;
  }

  /**
   * Sends `signal` and records its effect. SIGKILL's time is what the safety checker uses as
   * the end of a term that the process never reported ending.
   * @returns the monotonic time just before the signal was sent.
   */
  signal(candidate: Candidate, signal: 'SIGTERM' | 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): bigint {
    const child = this.#children.get(candidate);
    const at = monotonicNow();
    if (child === undefined) return at;
    if (signal === 'SIGKILL') {
      candidate.killedAt = at;
      candidate.state = 'killed';
      candidate.exitRequested = true;
    } else if (signal === 'SIGTERM') {
      candidate.state = 'stopping';
      candidate.exitRequested = true;
    } else {
      candidate.state = signal === 'SIGSTOP' ? 'paused' : 'running';
    }
    child.kill(signal);
    return at;
  }

  /**
   * Stops every live candidate: resumes the paused, SIGTERMs all (they release), and
   * SIGKILLs whatever is still running after `graceMs`.
   */
  async stopAll(graceMs: number): Promise<void> {
    const live = [...this.#children.entries()];
    const closed = live.map(([, child]) =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => child.once('close', () => resolve())),
    );
    for (const [candidate] of live) {
      if (candidate.state === 'paused') this.signal(candidate, 'SIGCONT');
      if (candidate.state !== 'killed') this.signal(candidate, 'SIGTERM');
    }
    const timer = setTimeout(() => {
      for (const [candidate] of this.#children) this.signal(candidate, 'SIGKILL');
    }, graceMs);
    await Promise.all(closed);
    clearTimeout(timer);
  }

  /** Last resort on an error path: SIGKILL everything, synchronously. */
  killAll(): void {
    for (const [candidate, child] of this.#children) {
      if (candidate.state === 'paused') child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  }

  #onLine(candidate: Candidate, line: string): void {
    const event = parseEventLine(line);
    if (event === null) return;
    candidate.events.push(event);
    switch (event.type) {
      case 'leading':
        candidate.role = 'leader';
        candidate.deadline = event.deadline ?? null;
        candidate.leadingSince = event.at;
        candidate.fencingToken = event.fencingToken ?? candidate.fencingToken;
        break;
      case 'renewed':
        candidate.deadline = event.deadline;
        break;
      case 'stopped-leading':
        candidate.deadline = null;
        candidate.leadingSince = null;
        break;
      case 'state':
        candidate.role = event.role;
        candidate.fencingToken = event.fencingToken;
        candidate.leaseExpiresAt = event.leaseExpiresAt ?? null;
        break;
      default:
        break;
    }
    this.#options.onEvent(candidate, event);
  }
}

/** A just-started candidate: running, a follower, nothing seen yet. */
export function candidateRecord(identity: string, pid: number | undefined): Candidate {
  return {
    identity,
    pid,
    state: 'running',
    role: 'follower',
    fencingToken: null,
    deadline: null,
    leadingSince: null,
    leaseExpiresAt: null,
    events: [],
    killedAt: undefined,
    exitedAt: undefined,
    exit: undefined,
    exitRequested: false,
    stderrTail: [],
  };
}

/** How a candidate ended, with its last stderr lines: `candidate-3: exit code 1 | …`. */
export function describeExit(candidate: Candidate): string {
  return `${candidate.identity}: ${candidate.exit ?? '?'} ${candidate.stderrTail.join(' | ')}`.trim();
}

/** The log line of a candidate that exited without being asked to. */
export function describeUnexpectedExit(candidate: Candidate): string {
  const tail = candidate.stderrTail.length > 0 ? `: ${candidate.stderrTail.join(' | ')}` : '';
  return `${candidate.identity} exited unexpectedly (${candidate.exit ?? '?'})${tail}`;
}
