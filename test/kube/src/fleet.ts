/**
 * Mixed fleets: TypeScript candidates (`leasehold candidate`, the built CLI) and client-go
 * candidates (`goelector`) as child processes on one Lease, with their event lines parsed into
 * the CLI's `CandidateEvent`s so that `packages/cli/src/intervals.ts` checks them all alike.
 *
 * How each kind's leadership interval is bounded (see intervals.ts for the general rules):
 * - TypeScript: `leading` … the earliest of `stopped-leading` (printed when the term's signal
 *   aborts, before any release write), the last reported `deadline`, and SIGKILL.
 * - client-go: `leading` (printed from the goroutine client-go starts after its acquiring
 *   write) … the earliest of `releasing` (printed by goelector's lock wrapper just before the
 *   release write is sent), `stopped-leading`, `exit`, and SIGKILL. client-go's own
 *   `OnStoppedLeading` fires only after the release write returned, so `stopped-leading` alone
 *   would make the interval end a round trip late, after a watching follower may already have
 *   taken over. Ending it at `releasing` is exact for a leader stopped by a signal (its leader
 *   context is cancelled before the release); a client-go leader that loses its lease by
 *   timing out would keep its leader context until after the release (a known client-go
 *   weakness) — the cases here never do that.
 *
 * Every process is killed on teardown: `stop()` (SIGTERM, then SIGKILL), plus a
 * `process.on('exit')` safety net; TypeScript candidates also run with `--exit-with-stdin`, so
 * they exit if the test process dies without cleaning up.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CandidateEvent,
  monotonicNow,
  type ProcessRecord,
  parseEventLine,
} from '../../../packages/cli/src/intervals.js';

export type CandidateKind = 'ts' | 'go';

export interface CandidateOptions {
  kind: CandidateKind;
  identity: string;
  kubeconfig: string;
  namespace: string;
  name: string;
  /** Go-style durations, e.g. '4s'. Defaults: each program's own (15s / 10s / 2s). */
  leaseDuration?: string;
  renewDeadline?: string;
  retryPeriod?: string;
  /** Directory with goelector (for kind 'go'). */
  binDir: string;
  /** The built CLI, packages/cli/dist/bin.js (for kind 'ts'). */
  cliBin: string;
}

export interface CandidateProcess {
  readonly kind: CandidateKind;
  readonly identity: string;
  /**
   * Events as the interval checker should see them: for client-go, `releasing` becomes a
   * `stopped-leading` with reason `releasing` (its own late `stopped-leading` follows).
   */
  readonly events: CandidateEvent[];
  /** Every stdout line, parsed as JSON (or `{ unparsed: line }`). */
  readonly lines: Record<string, unknown>[];
  stderr(): string;
  /** The first event (past or future) matching, or a rejection after `timeoutMs`. */
  waitFor(pred: (e: CandidateEvent) => boolean, timeoutMs: number): Promise<CandidateEvent>;
  /** Events and the SIGKILL time, for `leadershipIntervals`. */
  record(): ProcessRecord;
  /** Sends a signal; for SIGKILL records the kill time (machine-wide monotonic ns) first. */
  signal(sig: NodeJS.Signals): bigint;
  readonly killedAt: bigint | undefined;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
let netInstalled = false;
function installSafetyNet(): void {
  if (netInstalled) return;
  netInstalled = true;
  process.on('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

function argsFor(o: CandidateOptions): { command: string; args: string[] } {
  const common = [
    `--kubeconfig=${o.kubeconfig}`,
    `--namespace=${o.namespace}`,
    `--name=${o.name}`,
    `--identity=${o.identity}`,
    ...(o.leaseDuration ? [`--lease-duration=${o.leaseDuration}`] : []),
    ...(o.renewDeadline ? [`--renew-deadline=${o.renewDeadline}`] : []),
    ...(o.retryPeriod ? [`--retry-period=${o.retryPeriod}`] : []),
  ];
  return o.kind === 'go'
    ? { command: join(o.binDir, 'goelector'), args: common }
    : { command: process.execPath, args: [o.cliBin, 'candidate', ...common, '--exit-with-stdin'] };
}

/** Starts one candidate process. */
export function startCandidate(o: CandidateOptions): CandidateProcess {
  const { command, args } = argsFor(o);
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  installSafetyNet();
  running.add(child);
  const events: CandidateEvent[] = [];
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<{
    pred: (e: CandidateEvent) => boolean;
    resolve: (e: CandidateEvent) => void;
  }>();
  let stderr = '';
  let killedAt: bigint | undefined;
  let exitCode: number | null | undefined;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr += d;
  });
  const push = (e: CandidateEvent) => {
    events.push(e);
    for (const w of waiters) {
      if (w.pred(e)) {
        waiters.delete(w);
        w.resolve(e);
      }
    }
  };
  if (!child.stdout) throw new Error(`${o.identity}: no stdout`);
  createInterface(child.stdout).on('line', (line) => {
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      lines.push({ unparsed: line });
      return;
    }
    lines.push(raw);
    if (o.kind === 'go' && raw.type === 'releasing' && typeof raw.at === 'string') {
      push({
        type: 'stopped-leading',
        identity: o.identity,
        at: BigInt(raw.at),
        reason: 'releasing',
      });
      return;
    }
    const e = parseEventLine(line);
    if (e !== null) push(e);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      exitCode = code;
      resolve(code);
    });
    child.once('error', () => {
      running.delete(child);
      exitCode = null;
      resolve(null);
    });
  });
  return {
    kind: o.kind,
    identity: o.identity,
    events,
    lines,
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
                `${o.identity}: no matching event in ${timeoutMs} ms; lines: ${JSON.stringify(lines).slice(-3000)}; stderr: ${stderr.slice(-2000)}`,
              ),
            );
          }
        });
      });
    },
    record: () => ({ events, killedAt }),
    signal(sig) {
      const at = monotonicNow();
      if (exitCode !== undefined) return at;
      if (sig === 'SIGKILL') killedAt = at;
      child.kill(sig);
      return at;
    },
    get killedAt() {
      return killedAt;
    },
    exited,
    async stop(graceMs = 10_000) {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const t = sleep(graceMs, undefined, { ref: false }).then(() => 'timeout' as const);
      if ((await Promise.race([exited, t])) === 'timeout') {
        killedAt ??= monotonicNow();
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** The `leading` events of a fleet, in time order. */
export function leadingEvents(fleet: readonly CandidateProcess[]) {
  return fleet
    .flatMap((c) => c.events.filter((e) => e.type === 'leading'))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** Milliseconds between two monotonic ns instants. */
export const msBetween = (from: bigint, to: bigint) => Number(to - from) / 1e6;
