/**
 * The three contenders, each run as its own process printing the shared JSON line protocol:
 * - leasehold: `node packages/cli/dist/bin.js candidate` (this repository's CLI);
 * - client-go: test/kube's `goelector` (k8s.io/client-go/tools/leaderelection, LeaseLock,
 *   ReleaseOnCancel);
 * - peer: `@codedependant/kubernetes-leader-election` 1.0.1 through drivers/peer-candidate.ts.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { procCpuMs, procRss, spawnTracked, type Tracked } from './procs.js';

export type ContenderId = 'leasehold' | 'client-go' | 'peer';
export const CONTENDERS: readonly ContenderId[] = ['leasehold', 'client-go', 'peer'];
export const CONTENDER_LABEL: Record<ContenderId, string> = {
  leasehold: 'leasehold',
  'client-go': 'client-go',
  peer: '@codedependant/kubernetes-leader-election',
};

/** A timing profile, in milliseconds. */
export interface Profile {
  readonly name: 'defaults' | 'fast' | 'kubelet';
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}
export const PROFILES: Record<Profile['name'], Profile> = {
  defaults: {
    name: 'defaults',
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
  },
  fast: { name: 'fast', leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 },
  /** For bulk use (many Leases in one process), like the kubelet's node Lease: 10 s renewals. */
  kubelet: {
    name: 'kubelet',
    leaseDurationMs: 40_000,
    renewDeadlineMs: 30_000,
    retryPeriodMs: 10_000,
  },
};

/**
 * How each profile is given to the peer, which has only `lease_duration_sec` and
 * `renew_interval_ms` (no renew deadline, no retry period): the lease duration as is, and the
 * retry period as its renewal interval (client-go and leasehold renew once per retry period).
 */
export function peerTiming(p: Profile): { leaseDurationSec: number; renewIntervalMs: number } {
  return { leaseDurationSec: p.leaseDurationMs / 1000, renewIntervalMs: p.retryPeriodMs };
}

/** Where candidates connect: a namespace and a kubeconfig file for it. */
export interface Target {
  readonly namespace: string;
  readonly kubeconfigPath: string;
  /**
   * The wire format client-go is told to use: unset = its default (protobuf for built-in
   * types), `json` for a server that speaks only JSON (the embedded server).
   */
  readonly clientGoContentType?: 'json';
}

/** One line printed by a candidate; `at` is CLOCK_MONOTONIC ns. */
export interface BenchEvent {
  readonly type: string;
  readonly identity: string;
  readonly at: bigint;
  readonly raw: Record<string, unknown>;
}

export function parseLine(line: string): BenchEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.type !== 'string' || typeof r.identity !== 'string' || typeof r.at !== 'string') {
    return null;
  }
  if (!/^\d+$/.test(r.at)) return null;
  return { type: r.type, identity: r.identity, at: BigInt(r.at), raw: r };
}

export interface Candidate {
  readonly contender: ContenderId;
  readonly identity: string;
  readonly proc: Tracked;
  readonly events: BenchEvent[];
  /** Raw stdout lines (for the result file when something went wrong). */
  readonly lines: string[];
  /** When this process was sent SIGKILL, monotonic ns. */
  killedAt: bigint | undefined;
  /** First event (past or future) matching; rejects after `timeoutMs`. */
  waitFor(pred: (e: BenchEvent) => boolean, timeoutMs: number): Promise<BenchEvent>;
  /** Resolves true when this follower has observed `leader` as the holder. */
  waitSettled(leader: string, timeoutMs: number): Promise<BenchEvent>;
  /** First `leading` at or after `from`, if any yet. */
  leadingSince(from: bigint): BenchEvent | undefined;
  rss(): number | null;
  cpuMs(): number | null;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const REPO_ROOT = join(HERE, '..', '..');
export const CLI_BIN = join(REPO_ROOT, 'packages/cli/dist/bin.js');
export const PEER_DRIVER = join(HERE, 'drivers', 'peer-candidate.ts');

export interface SpawnCandidateOptions {
  contender: ContenderId;
  target: Target;
  /** Overrides the target's kubeconfig (e.g. a different user for the leader). */
  kubeconfigPath?: string;
  lease: string;
  identity: string;
  profile: Profile;
  goelectorBin: string;
}

export function goDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** goelector's `--content-type` flag for a target, if it needs one. */
export function goelectorFormat(t: Target): string[] {
  return t.clientGoContentType ? [`--content-type=${t.clientGoContentType}`] : [];
}

/** Does the follower's output say it has seen `leader` hold the Lease? */
export function settledOn(contender: ContenderId, leader: string): (e: BenchEvent) => boolean {
  switch (contender) {
    case 'leasehold':
      return (e) => e.type === 'state' && e.raw.holder === leader;
    case 'client-go':
      return (e) => e.type === 'new-leader' && e.raw.leader === leader;
    case 'peer':
      return (e) => e.type === 'state' && e.raw.holder === leader;
  }
}

export function spawnCandidate(o: SpawnCandidateOptions): Candidate {
  const kubeconfig = o.kubeconfigPath ?? o.target.kubeconfigPath;
  const p = o.profile;
  let command: string;
  let args: string[];
  let env: NodeJS.ProcessEnv = { ...process.env };
  switch (o.contender) {
    case 'leasehold':
      command = process.execPath;
      args = [
        CLI_BIN,
        'candidate',
        `--name=${o.lease}`,
        `--namespace=${o.target.namespace}`,
        `--kubeconfig=${kubeconfig}`,
        `--identity=${o.identity}`,
        `--lease-duration=${goDuration(p.leaseDurationMs)}`,
        `--renew-deadline=${goDuration(p.renewDeadlineMs)}`,
        `--retry-period=${goDuration(p.retryPeriodMs)}`,
      ];
      break;
    case 'client-go':
      command = o.goelectorBin;
      args = [
        `--kubeconfig=${kubeconfig}`,
        `--namespace=${o.target.namespace}`,
        `--name=${o.lease}`,
        `--identity=${o.identity}`,
        `--lease-duration=${goDuration(p.leaseDurationMs)}`,
        `--renew-deadline=${goDuration(p.renewDeadlineMs)}`,
        `--retry-period=${goDuration(p.retryPeriodMs)}`,
        ...goelectorFormat(o.target),
      ];
      break;
    case 'peer': {
      const t = peerTiming(p);
      command = process.execPath;
      args = [
        PEER_DRIVER,
        `--name=${o.lease}`,
        `--namespace=${o.target.namespace}`,
        `--identity=${o.identity}`,
        `--lease-duration-sec=${t.leaseDurationSec}`,
        `--renew-interval-ms=${t.renewIntervalMs}`,
      ];
      // The package reads KUBECONFIG and asks the API only when it thinks it is in a cluster.
      env = { ...env, KUBECONFIG: kubeconfig, KUBERNETES_SERVICE_HOST: '127.0.0.1' };
      break;
    }
  }
  const events: BenchEvent[] = [];
  const lines: string[] = [];
  const waiters = new Set<{ pred: (e: BenchEvent) => boolean; resolve: (e: BenchEvent) => void }>();
  const proc = spawnTracked(`${o.contender}:${o.identity}`, command, args, {
    env,
    onLine(line) {
      if (lines.length < 2000) lines.push(line);
      const e = parseLine(line);
      if (e === null) return;
      events.push(e);
      for (const w of waiters) {
        if (w.pred(e)) {
          waiters.delete(w);
          w.resolve(e);
        }
      }
    },
  });
  const candidate: Candidate = {
    contender: o.contender,
    identity: o.identity,
    proc,
    events,
    lines,
    killedAt: undefined,
    waitFor(pred, timeoutMs) {
      const hit = events.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.add(w);
        const timer = setTimeout(() => {
          if (waiters.delete(w)) {
            const tail = lines.slice(-6).join('\n  ');
            reject(
              new Error(
                `${o.contender} ${o.identity}: no matching event in ${timeoutMs} ms` +
                  `${proc.hasExited() ? ' (process exited)' : ''}; last lines:\n  ${tail}\n  stderr: ${proc.stderrTail().slice(-1500)}`,
              ),
            );
          }
        }, timeoutMs);
        timer.unref();
        proc.exited.then(() => {
          // Let a line printed just before the exit arrive first.
          setTimeout(() => {
            if (waiters.has(w)) {
              clearTimeout(timer);
              waiters.delete(w);
              const tail = lines.slice(-6).join('\n  ');
              reject(
                new Error(
                  `${o.contender} ${o.identity}: exited before a matching event; last lines:\n  ${tail}\n  stderr: ${proc.stderrTail().slice(-1500)}`,
                ),
              );
            }
          }, 200).unref();
        });
      });
    },
    waitSettled(leader, timeoutMs) {
      return candidate.waitFor(settledOn(o.contender, leader), timeoutMs);
    },
    leadingSince(from) {
      return events.find((e) => e.type === 'leading' && e.at >= from);
    },
    rss: () => procRss(proc.pid),
    cpuMs: () => procCpuMs(proc.pid),
  };
  return candidate;
}
