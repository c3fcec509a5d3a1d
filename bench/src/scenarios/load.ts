/**
 * B3: API load of N candidates on one Lease in steady state, counted by the server.
 *
 * A lane starts the leader (as the leader user on the apiserver), then N − 1 followers, waits
 * until every follower has seen the leader, then lets them run for a warm-up of at least one
 * lease duration (so that start-up traffic and retry windows are over). The orchestrator then
 * opens the counting window of every lane of a group at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Arena, BackendKind, WindowCounts } from '../backends.js';
import { type Candidate, type ContenderId, type Profile, spawnCandidate } from '../contenders.js';
import { type LoadSample, type Logger, round, startLoadSample } from '../util.js';

export interface LoadRun {
  readonly scenario: 'B3';
  readonly backend: BackendKind;
  readonly profile: Profile['name'];
  readonly contender: ContenderId;
  readonly n: number;
  readonly windowMs: number;
  readonly counts?: WindowCounts;
  /** Requests per minute, by verb and in total. */
  readonly perMinute?: {
    readonly total: number;
    readonly verbs: Record<string, number>;
    readonly leader?: number;
    readonly followers?: number;
    readonly perFollower?: number;
    readonly followersByVerb?: Record<string, number>;
  };
  readonly openWatches?: number;
  /** Leadership stayed with the first candidate for the whole window. */
  readonly stable?: boolean;
  /** Sum of the candidates' RSS at the end of the window, MB. */
  readonly totalRssMb?: number;
  readonly error?: string;
  readonly load?: LoadSample;
}

export interface LoadLaneOptions {
  arena: Arena;
  backend: BackendKind;
  contender: ContenderId;
  profile: Profile;
  n: number;
  goelectorBin: string;
  log: Logger;
}

export interface PreparedLane {
  readonly options: LoadLaneOptions;
  readonly candidates: Candidate[];
  readonly error?: string;
}

export async function prepareLane(o: LoadLaneOptions): Promise<PreparedLane> {
  const p = o.profile;
  const lease = `b3-${o.n}`;
  // The peer is measured as it was: creating its own Lease.
  if (o.contender !== 'peer') await o.arena.createLeases([lease]);
  const candidates: Candidate[] = [];
  const spawn = (i: number) => {
    const c = spawnCandidate({
      contender: o.contender,
      target: o.arena,
      kubeconfigPath: i === 0 ? o.arena.leaderKubeconfigPath : o.arena.kubeconfigPath,
      lease,
      identity: `${o.contender}-${o.n}-${i}`,
      profile: p,
      goelectorBin: o.goelectorBin,
    });
    candidates.push(c);
    return c;
  };
  try {
    const leader = spawn(0);
    await leader.waitFor((e) => e.type === 'leading', 60_000);
    // Start followers in batches, so that 50 Node.js start-ups do not starve everything else.
    for (let i = 1; i < o.n; i += 10) {
      const batch: Candidate[] = [];
      for (let j = i; j < Math.min(o.n, i + 10); j++) batch.push(spawn(j));
      await Promise.all(batch.map((c) => c.waitSettled(leader.identity, 120_000)));
    }
    await sleep(Math.max(5_000, p.leaseDurationMs + p.retryPeriodMs));
    return { options: o, candidates };
  } catch (e) {
    return { options: o, candidates, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Runs the counting window of every prepared lane at once, then stops their candidates. */
export async function measureLanes(
  lanes: PreparedLane[],
  windowMs: number,
  /** Runs right after the window, before the candidates are stopped (e.g. a metrics scrape). */
  afterWindow?: () => Promise<void>,
): Promise<LoadRun[]> {
  const load = startLoadSample();
  const ready = lanes.filter((l) => l.error === undefined);
  const windows = ready.map((l) => l.options.arena.window());
  await sleep(windowMs);
  const counts = await Promise.all(windows.map((w) => w.end()));
  const sample = load.end();
  await afterWindow?.();
  const runs: LoadRun[] = [];
  for (const lane of lanes) {
    const o = lane.options;
    const base = {
      scenario: 'B3' as const,
      backend: o.backend,
      profile: o.profile.name,
      contender: o.contender,
      n: o.n,
      windowMs,
    };
    const i = ready.indexOf(lane);
    const c = i >= 0 ? counts[i] : undefined;
    if (lane.error !== undefined || c === undefined) {
      runs.push({ ...base, error: lane.error ?? 'no counts', load: sample });
      continue;
    }
    const perMin = (x: number) => round((x * 60_000) / c.windowMs, 1) ?? 0;
    const verbs = Object.fromEntries(Object.entries(c.verbs).map(([k, v]) => [k, perMin(v)]));
    const leaderId = lane.candidates[0]?.identity;
    const stable = lane.candidates.every(
      (cand) =>
        !cand.proc.hasExited() &&
        !cand.events.some(
          (e) =>
            (e.type === 'leading' && cand.identity !== leaderId) || e.type === 'stopped-leading',
        ),
    );
    const rss = lane.candidates.reduce((s, cand) => s + (cand.rss() ?? 0), 0);
    runs.push({
      ...base,
      windowMs: c.windowMs,
      counts: c,
      perMinute: {
        total: perMin(c.total),
        verbs,
        ...(c.leader && { leader: perMin(c.leader.total) }),
        ...(c.followers && {
          followers: perMin(c.followers.total),
          perFollower: round(perMin(c.followers.total) / Math.max(1, o.n - 1), 2) ?? 0,
          followersByVerb: Object.fromEntries(
            Object.entries(c.followers.verbs).map(([k, v]) => [k, perMin(v)]),
          ),
        }),
      },
      openWatches: c.openWatches,
      stable,
      totalRssMb: round(rss / 2 ** 20, 0) ?? 0,
      load: sample,
    });
  }
  await Promise.all(lanes.flatMap((l) => l.candidates.map((c) => c.proc.kill())));
  return runs;
}
