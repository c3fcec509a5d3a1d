/**
 * B1 (graceful failover: the leader is sent SIGTERM and releases) and B2 (crash failover: the
 * leader is sent SIGKILL). Every trial starts fresh processes on a fresh Lease:
 *
 * 1. start candidate A and wait for its `leading` line;
 * 2. start followers B and C and wait until each has seen A as the holder;
 * 3. wait a random U(0.5 s, 0.5 s + 2.2 × retry period), so that the action falls at a random
 *    phase of pollers' retry cycles (client-go polls every retry period × U(1, 2.2));
 * 4. signal A and measure, on the machine-wide monotonic clock, the time until the first
 *    `leading` line of B or C (each contender's own "I lead now" signal).
 *
 * B2 also reads the Lease right after the kill: its `renewTime` is A's last renewal, so
 * `leading − (renewTime + lease duration)` is how late after the real expiry the takeover came.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CandidateEvent,
  type FailoverStats,
  failoverStats,
  findOverlaps,
  leadershipIntervals,
  parseEventLine,
} from '../../../packages/cli/src/intervals.js';
import type { Arena, BackendKind } from '../backends.js';
import { type Candidate, type ContenderId, type Profile, spawnCandidate } from '../contenders.js';
import {
  type LoadSample,
  type Logger,
  monoNow,
  msBetween,
  round,
  startLoadSample,
  uniform,
  wallToMono,
} from '../util.js';

export type FailoverMode = 'graceful' | 'crash';

export interface FailoverTrial {
  readonly trial: number;
  /** Wait between the followers settling and the action, ms. */
  readonly delayMs: number;
  /** How long the followers had been running when the leader was stopped, ms. */
  readonly followerAgeMs: number | null;
  /** Action → first `leading` of another candidate; null: none within the timeout. */
  readonly failoverMs: number | null;
  /** B2: failoverMs − lease duration. */
  readonly excessOverLeaseMs?: number | null;
  /** B2: `leading` − (A's last renewTime + lease duration): lateness after the real expiry. */
  readonly afterExpiryMs?: number | null;
  /** Action → A's `stopped-leading` line (client-go prints it after releasing). */
  readonly leaderStoppedMs?: number | null;
  /** B1, leasehold: action → the first follower's `state` line showing the Lease released. */
  readonly releaseSeenMs?: number | null;
  /** B1: action → A's process exit (its release included). */
  readonly leaderExitMs?: number | null;
  readonly newLeader?: string;
  /** Overlapping leadership intervals by the printed lines (see the report). */
  readonly overlaps: number;
  readonly error?: string;
}

export interface FailoverRun {
  readonly scenario: 'B1' | 'B2';
  readonly mode: FailoverMode;
  /** 'random': the protocol above; 'late': one trial acting after every retry window. */
  readonly variant: 'random' | 'late';
  readonly backend: BackendKind;
  readonly profile: Profile['name'];
  readonly contender: ContenderId;
  readonly trialsPlanned: number;
  readonly trials: FailoverTrial[];
  readonly stats: FailoverStats;
  readonly excessStats?: FailoverStats;
  readonly afterExpiryStats?: FailoverStats;
  readonly failures: number;
  readonly gaveUp?: string;
  readonly firstError?: string;
  readonly load: LoadSample;
}

export interface FailoverOptions {
  arena: Arena;
  backend: BackendKind;
  contender: ContenderId;
  profile: Profile;
  mode: FailoverMode;
  trials: number;
  variant?: 'random' | 'late';
  goelectorBin: string;
  log: Logger;
  /** Stop after this many consecutive trials without a failover. */
  maxConsecutiveFailures?: number;
  followers?: number;
}

function toCandidateEvents(c: Candidate): CandidateEvent[] {
  const out: CandidateEvent[] = [];
  for (const line of c.lines) {
    const e = parseEventLine(line);
    if (e !== null) out.push(e);
  }
  return out;
}

async function runTrial(o: FailoverOptions, trial: number): Promise<FailoverTrial> {
  const p = o.profile;
  const lease = `${o.mode === 'graceful' ? 'b1' : 'b2'}-${o.variant ?? 'random'}-${trial}`;
  const id = (s: string) => `${o.contender}-${trial}-${s}`;
  // The peer is measured as it was: creating its own Lease.
  if (o.contender !== 'peer') await o.arena.createLeases([lease]);
  const all: Candidate[] = [];
  const spawn = (identity: string, leader: boolean) => {
    const c = spawnCandidate({
      contender: o.contender,
      target: o.arena,
      kubeconfigPath: leader ? o.arena.leaderKubeconfigPath : o.arena.kubeconfigPath,
      lease,
      identity,
      profile: p,
      goelectorBin: o.goelectorBin,
    });
    all.push(c);
    return c;
  };
  let delayMs = 0;
  let followerAgeMs: number | null = null;
  try {
    const a = spawn(id('a'), true);
    await a.waitFor((e) => e.type === 'leading', 30_000);
    const followerStart = monoNow();
    const followers = Array.from({ length: o.followers ?? 2 }, (_, i) =>
      spawn(id(String.fromCharCode(98 + i)), false),
    );
    await Promise.all(followers.map((f) => f.waitSettled(a.identity, 30_000)));
    delayMs =
      o.variant === 'late'
        ? p.leaseDurationMs + 2.2 * p.retryPeriodMs + 1_000
        : uniform(500, 500 + 2.2 * p.retryPeriodMs);
    await sleep(delayMs);
    if (a.proc.hasExited()) throw new Error(`leader exited early: ${a.proc.stderrTail()}`);

    const timeoutMs =
      o.mode === 'graceful'
        ? p.leaseDurationMs + 3 * p.retryPeriodMs + 5_000
        : 2 * p.leaseDurationMs + 5_000;
    const actionAt = monoNow();
    followerAgeMs = msBetween(followerStart, actionAt);
    const leaderExitAt = a.proc.exited.then(() => monoNow());
    let renewMs: number | null = null;
    if (o.mode === 'graceful') {
      a.proc.signal('SIGTERM');
    } else {
      a.proc.signal('SIGKILL');
      a.killedAt = actionAt;
      try {
        renewMs = (await o.arena.readLease(lease))?.renewMs ?? null;
      } catch {
        renewMs = null;
      }
    }
    const next = await Promise.any(
      followers.map((f) => f.waitFor((e) => e.type === 'leading' && e.at >= actionAt, timeoutMs)),
    ).catch(() => null);
    let leaderExitMs: number | null = null;
    if (o.mode === 'graceful') {
      const exitAt = await Promise.race([leaderExitAt, sleep(10_000, null)]);
      leaderExitMs = exitAt === null ? null : msBetween(actionAt, exitAt);
    }
    const failoverMs = next ? msBetween(actionAt, next.at) : null;
    const stopped = a.events.find((e) => e.type === 'stopped-leading' && e.at >= actionAt);
    // leasehold followers print a `state` line when they see the Lease released (holder null).
    const releaseSeen = followers
      .flatMap((f) => f.events)
      .filter((e) => e.type === 'state' && e.at >= actionAt && e.raw.holder === null)
      .sort((x, y) => (x.at < y.at ? -1 : 1))[0];
    const intervals = leadershipIntervals(
      all.map((c) => ({ events: toCandidateEvents(c), killedAt: c.killedAt })),
    );
    const overlaps = findOverlaps(intervals).length;
    const base = {
      trial,
      delayMs: Math.round(delayMs),
      followerAgeMs: round(followerAgeMs, 0),
      failoverMs: round(failoverMs, 2),
      leaderStoppedMs: stopped ? round(msBetween(actionAt, stopped.at), 2) : null,
      ...(releaseSeen && { releaseSeenMs: round(msBetween(actionAt, releaseSeen.at), 2) }),
      overlaps,
      ...(next && { newLeader: next.identity }),
    };
    if (o.mode === 'crash') {
      const afterExpiry =
        next && renewMs !== null
          ? msBetween(wallToMono(renewMs), next.at) - p.leaseDurationMs
          : null;
      return {
        ...base,
        excessOverLeaseMs: failoverMs === null ? null : round(failoverMs - p.leaseDurationMs, 2),
        afterExpiryMs: round(afterExpiry, 2),
        ...(next === null && { error: `no new leader within ${timeoutMs} ms of SIGKILL` }),
      };
    }
    return {
      ...base,
      leaderExitMs: round(leaderExitMs, 1),
      ...(next === null && { error: `no new leader within ${timeoutMs} ms of SIGTERM` }),
    };
  } catch (e) {
    return {
      trial,
      delayMs: Math.round(delayMs),
      followerAgeMs: round(followerAgeMs, 0),
      failoverMs: null,
      overlaps: 0,
      error: e instanceof Error ? e.message : String(e),
    };
  } finally {
    await Promise.all(all.map((c) => c.proc.kill()));
  }
}

export async function runFailover(o: FailoverOptions): Promise<FailoverRun> {
  const load = startLoadSample();
  const trials: FailoverTrial[] = [];
  const maxFail = o.maxConsecutiveFailures ?? 3;
  let consecutive = 0;
  let gaveUp: string | undefined;
  const tag = `${o.mode === 'graceful' ? 'B1' : 'B2'}${o.variant === 'late' ? '-late' : ''} ${o.backend}/${o.profile.name}/${o.contender}`;
  for (let t = 1; t <= o.trials; t++) {
    const r = await runTrial(o, t);
    trials.push(r);
    o.log(
      `  ${tag} trial ${t}/${o.trials}: ${r.failoverMs === null ? `no failover (${(r.error ?? '').split('\n')[0]})` : `${r.failoverMs} ms`}`,
    );
    consecutive = r.failoverMs === null ? consecutive + 1 : 0;
    if (consecutive >= maxFail && t < o.trials) {
      gaveUp = `stopped after ${consecutive} consecutive trials without a failover`;
      break;
    }
    await sleep(200);
  }
  const ok = trials.flatMap((t) => (t.failoverMs === null ? [] : [t.failoverMs]));
  const firstError = trials.find((t) => t.error)?.error;
  const run: FailoverRun = {
    scenario: o.mode === 'graceful' ? 'B1' : 'B2',
    mode: o.mode,
    variant: o.variant ?? 'random',
    backend: o.backend,
    profile: o.profile.name,
    contender: o.contender,
    trialsPlanned: o.trials,
    trials,
    stats: failoverStats(ok),
    failures: trials.length - ok.length,
    load: load.end(),
    ...(gaveUp && { gaveUp }),
    ...(firstError && { firstError }),
  };
  if (o.mode === 'crash') {
    const excess = trials.flatMap((t) =>
      t.excessOverLeaseMs === null || t.excessOverLeaseMs === undefined
        ? []
        : [t.excessOverLeaseMs],
    );
    const after = trials.flatMap((t) =>
      t.afterExpiryMs === null || t.afterExpiryMs === undefined ? [] : [t.afterExpiryMs],
    );
    return { ...run, excessStats: failoverStats(excess), afterExpiryStats: failoverStats(after) };
  }
  return run;
}
