/**
 * Runs client-go's reference elector (cmd/goelector) as a child process and parses its JSON
 * lines. Timestamps are CLOCK_MONOTONIC nanoseconds, the clock behind
 * `process.hrtime.bigint()` on Linux, so TypeScript candidates can emit the same events and
 * every interval is comparable.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export type ElectionEvent =
  | { type: 'leading'; identity: string; at: bigint }
  | { type: 'stopped-leading'; identity: string; at: bigint }
  | { type: 'new-leader'; identity: string; leader: string; at: bigint }
  | { type: 'exit'; identity: string; at: bigint }
  | { type: 'error'; identity: string; error: string; at: bigint }
  /** Just before the release write (an update emptying the holder) is sent. */
  | { type: 'releasing'; identity: string; at: bigint }
  /** The release write returned; `error` when it failed. */
  | { type: 'released'; identity: string; at: bigint; error?: string }
  /** `--candidate` mode: the LeaseCandidate informer synced, the elector starts. */
  | { type: 'candidate'; identity: string; at: bigint };

/** Parses one JSON line of the shared event format (throws on anything else). */
export function parseEventLine(line: string): ElectionEvent {
  const raw = JSON.parse(line) as Record<string, unknown>;
  const { type, identity, at } = raw;
  if (typeof type !== 'string' || typeof identity !== 'string' || typeof at !== 'string') {
    throw new Error(`not an election event: ${line}`);
  }
  const ns = BigInt(at);
  switch (type) {
    case 'leading':
    case 'stopped-leading':
    case 'exit':
    case 'releasing':
    case 'candidate':
      return { type, identity, at: ns };
    case 'released':
      return typeof raw.error === 'string'
        ? { type, identity, at: ns, error: raw.error }
        : { type, identity, at: ns };
    case 'new-leader':
      return { type, identity, leader: String(raw.leader ?? ''), at: ns };
    case 'error':
      return { type, identity, error: String(raw.error ?? ''), at: ns };
    default:
      throw new Error(`unknown event type: ${line}`);
  }
}

/** Formats an event the way goelector does (for TypeScript candidates). */
export function formatEvent(e: ElectionEvent): string {
  return JSON.stringify({ ...e, at: e.at.toString() });
}

export interface LeadershipInterval {
  identity: string;
  start: bigint;
  /** undefined: still leading at the end of the record. */
  end: bigint | undefined;
}

/**
 * Leadership intervals from events: `leading` opens one, `stopped-leading` (or `exit`)
 * closes it. Sorted by start.
 */
export function leadershipIntervals(events: readonly ElectionEvent[]): LeadershipInterval[] {
  const open = new Map<string, LeadershipInterval>();
  const out: LeadershipInterval[] = [];
  const sorted = [...events].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  for (const e of sorted) {
    if (e.type === 'leading') {
      if (!open.has(e.identity)) {
        const iv: LeadershipInterval = { identity: e.identity, start: e.at, end: undefined };
        open.set(e.identity, iv);
        out.push(iv);
      }
    } else if (e.type === 'stopped-leading' || e.type === 'exit') {
      const iv = open.get(e.identity);
      if (iv) {
        iv.end = e.at;
        open.delete(e.identity);
      }
    }
  }
  return out;
}

/** Pairs of intervals of different identities that overlap in time (should be empty). */
export function overlaps(
  intervals: readonly LeadershipInterval[],
): [LeadershipInterval, LeadershipInterval][] {
  const bad: [LeadershipInterval, LeadershipInterval][] = [];
  for (let i = 0; i < intervals.length; i++) {
    for (let j = i + 1; j < intervals.length; j++) {
      const a = intervals[i]!;
      const b = intervals[j]!;
      if (a.identity === b.identity) continue;
      const aEnd = a.end ?? BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n;
      const bEnd = b.end ?? BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n;
      if (a.start < bEnd && b.start < aEnd) bad.push([a, b]);
    }
  }
  return bad;
}

export interface GoElectorOptions {
  binDir: string;
  kubeconfig: string;
  namespace: string;
  name: string;
  identity: string;
  /** Go durations, e.g. '4s'. Defaults (in goelector): 15s / 10s / 2s. */
  leaseDuration?: string;
  renewDeadline?: string;
  retryPeriod?: string;
  /**
   * Coordinated election (`--candidate`): publish a LeaseCandidate with these versions through
   * client-go's `leaderelection.NewCandidate` and run a `Coordinated` elector.
   */
  candidate?: { binaryVersion: string; emulationVersion?: string };
}

export interface GoElector {
  identity: string;
  child: ChildProcess;
  /** Every event so far, in arrival order. */
  events: ElectionEvent[];
  /** Everything written to stderr (klog). */
  stderr: () => string;
  /** Resolves with the first event (past or future) matching, or rejects after timeoutMs. */
  waitFor(pred: (e: ElectionEvent) => boolean, timeoutMs: number): Promise<ElectionEvent>;
  exited: Promise<number | null>;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, wait for exit (SIGKILL after graceMs). */
  stop(graceMs?: number): Promise<void>;
}

// Safety net: no goelector outlives the test process.
const running = new Set<ChildProcess>();
let netInstalled = false;
function installSafetyNet(): void {
  if (netInstalled) return;
  netInstalled = true;
  process.on('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

export function startGoElector(o: GoElectorOptions): GoElector {
  const args = [
    `--kubeconfig=${o.kubeconfig}`,
    `--namespace=${o.namespace}`,
    `--name=${o.name}`,
    `--identity=${o.identity}`,
  ];
  if (o.leaseDuration) args.push(`--lease-duration=${o.leaseDuration}`);
  if (o.renewDeadline) args.push(`--renew-deadline=${o.renewDeadline}`);
  if (o.retryPeriod) args.push(`--retry-period=${o.retryPeriod}`);
  if (o.candidate) {
    args.push('--candidate', `--binary-version=${o.candidate.binaryVersion}`);
    if (o.candidate.emulationVersion) {
      args.push(`--emulation-version=${o.candidate.emulationVersion}`);
    }
  }
  const child = spawn(join(o.binDir, 'goelector'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  installSafetyNet();
  running.add(child);
  const events: ElectionEvent[] = [];
  const waiters = new Set<{
    pred: (e: ElectionEvent) => boolean;
    resolve: (e: ElectionEvent) => void;
  }>();
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr += d;
  });
  if (!child.stdout) throw new Error('goelector: no stdout');
  createInterface(child.stdout).on('line', (line) => {
    let e: ElectionEvent;
    try {
      e = parseEventLine(line);
    } catch {
      stderr += `[unparsed stdout] ${line}\n`;
      return;
    }
    events.push(e);
    for (const w of waiters) {
      if (w.pred(e)) {
        waiters.delete(w);
        w.resolve(e);
      }
    }
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      exitCode = code;
      resolve(code);
    });
    child.once('error', () => resolve(null));
  });
  const el: GoElector = {
    identity: o.identity,
    child,
    events,
    stderr: () => stderr,
    waitFor(pred, timeoutMs) {
      const hit = events.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.add(w);
        sleep(timeoutMs, undefined, { ref: false }).then(() => {
          if (waiters.delete(w)) {
            reject(
              new Error(
                `${o.identity}: no matching event in ${timeoutMs} ms; events: ${events.map(formatEvent).join(' ')}; stderr: ${stderr.slice(-2000)}`,
              ),
            );
          }
        });
      });
    },
    exited,
    signal(sig) {
      if (exitCode === undefined) child.kill(sig);
    },
    async stop(graceMs = 10_000) {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const t = sleep(graceMs).then(() => 'timeout' as const);
      if ((await Promise.race([exited, t])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  return el;
}
