/**
 * `leasehold chaos --mode run`: real `leasehold run` processes against the embedded Lease
 * server, their COMMAND a heartbeat recorder; random SIGKILL, SIGSTOP (then SIGCONT),
 * SIGHUP and SIGTERM of the `leasehold run` processes (mostly the leader's), exited ones
 * replaced; at the end every COMMAND's interval is checked against all others.
 *
 * @module
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LeaseServer, startLeaseServer } from '@leasehold/testing';
import { Prng } from '../prng.js';
import { CommandWatch } from './command-watch.js';
import { type Elector, RunFleet } from './fleet.js';
import { type CommandInterval, commandOverlaps, parseHeartbeats } from './intervals.js';

/** The timings `--profile` selects (whole seconds of lease, as the validator wants). */
export const RUN_PROFILES = {
  fast: { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 },
  default: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
} as const;

/** Options of {@link runRunChaos}. */
export interface RunChaosOptions {
  readonly durationMs: number;
  readonly candidates: number;
  readonly seed: number;
  readonly profile: keyof typeof RUN_PROFILES;
  /** Chance that a COMMAND ignores SIGTERM (and must be SIGKILLed by the guard). */
  readonly stubbornProbability: number;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/** One signal the runner sent. */
export interface RunAction {
  readonly at: bigint;
  readonly identity: string;
  readonly signal: NodeJS.Signals;
  /** Whether its COMMAND was running at the time. */
  readonly toLeader: boolean;
}

/** Everything the report is built from. */
export interface RunChaosRecord {
  readonly seed: number;
  readonly profile: keyof typeof RUN_PROFILES;
  readonly candidates: number;
  readonly durationMs: number;
  readonly startedAt: bigint;
  readonly finishedAt: bigint;
  readonly interrupted: boolean;
  readonly electors: readonly {
    identity: string;
    signals: readonly string[];
    exit: { code: number | null; signal: string | null } | null;
  }[];
  readonly actions: readonly RunAction[];
  readonly intervals: readonly CommandInterval[];
  /** COMMAND pids still alive after every elector was gone (each one a failure). */
  readonly survivors: readonly number[];
  /** Electors that exited without a signal from us, or with a status we did not expect. */
  readonly unexpectedExits: readonly string[];
  /** How often the guard and the electors said what (see `NOTES`). */
  readonly notes: Readonly<Record<string, number>>;
}

const LEASE = 'chaos-run';
const POLL_MS = 5;
/** At the end: SIGTERM, then SIGKILL after this. */
const STOP_GRACE_MS = 20_000;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGKILL', 'SIGSTOP', 'SIGHUP', 'SIGTERM'];

/** Was this exit what the signals we sent would give? */
function expectedExit(elector: Elector): boolean {
  const exit = elector.exit;
  if (exit === undefined) return true;
  // Killed by the very signal we sent: SIGKILL, or SIGTERM/SIGHUP before it had installed its
  // handlers (a process still starting up).
  if (exit.signal !== null) return elector.signals.includes(exit.signal);
  const graceful = elector.signals.some((s) => s === 'SIGTERM' || s === 'SIGHUP');
  return exit.code === 0 && graceful;
}

/** Runs it; whatever happens, every process and the server are gone when it settles. */
export async function runRunChaos(options: RunChaosOptions): Promise<RunChaosRecord> {
  const timing = RUN_PROFILES[options.profile];
  const prng = new Prng(options.seed);
  const startedAt = process.hrtime.bigint();
  const stamp = (message: string) =>
    options.log(
      `[${(Number(process.hrtime.bigint() - startedAt) / 1e9).toFixed(3).padStart(8)}s] ${message}`,
    );
  const dir = await mkdtemp(join(tmpdir(), 'leasehold-chaos-run-'));
  let server: LeaseServer | undefined;
  let watch: CommandWatch | undefined;
  let fleet: RunFleet | undefined;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };
  const actions: RunAction[] = [];
  const unexpectedExits: string[] = [];
  let acting = true;
  let survivors: number[] = [];
  try {
    server = await startLeaseServer();
    const kubeconfig = await server.writeKubeconfig(join(dir, 'kubeconfig.yaml'));
    watch = new CommandWatch(dir, POLL_MS);
    const timingFlags = [
      `--lease-duration=${timing.leaseDurationMs}ms`,
      `--renew-deadline=${timing.renewDeadlineMs}ms`,
      `--retry-period=${timing.retryPeriodMs}ms`,
    ];
    const runFleet = new RunFleet({
      dir,
      kubeconfig,
      lease: LEASE,
      timingFlags,
      onExit: (elector) => {
        const { code, signal } = elector.exit!;
        stamp(`${elector.identity} exited (${signal ?? `code ${code}`})`);
        if (!expectedExit(elector)) {
          unexpectedExits.push(
            `${elector.identity}: ${signal ?? `code ${code}`} after ${elector.signals.join(',') || 'no signal'}`,
          );
        }
        if (acting)
          later(
            200,
            () =>
              acting &&
              stamp(`started ${runFleet.spawn(prng.chance(options.stubbornProbability)).identity}`),
          );
      },
    });
    fleet = runFleet;
    for (let i = 0; i < options.candidates; i++)
      stamp(`started ${runFleet.spawn(prng.chance(options.stubbornProbability)).identity}`);

    const end = Date.now() + options.durationMs;
    while (Date.now() < end && !options.signal.aborted) {
      const wait = prng.between(0.5, 1.5) * timing.leaseDurationMs;
      await sleep(Math.min(wait, Math.max(0, end - Date.now())), undefined, {
        signal: options.signal,
      }).catch(() => {});
      if (Date.now() >= end || options.signal.aborted) break;
      const live = runFleet.ready();
      const leader = watch.runningFor();
      const leaderElector = live.find((e) => e.identity === leader);
      const target =
        leaderElector && prng.chance(0.8)
          ? leaderElector
          : live.length > 0
            ? prng.pick(live)
            : undefined;
      if (target === undefined) continue;
      // A paused process keeps SIGTERM and SIGHUP pending; pausing it twice means nothing.
      const signal = target.paused ? 'SIGKILL' : prng.pick(SIGNALS);
      actions.push({
        at: process.hrtime.bigint(),
        identity: target.identity,
        signal,
        toLeader: target === leaderElector,
      });
      stamp(`${signal} ${target.identity}${target === leaderElector ? ' (leader)' : ''}`);
      runFleet.signal(target, signal);
      if (signal === 'SIGSTOP') {
        const pauseMs = prng.between(0.3, 2) * timing.leaseDurationMs;
        later(pauseMs, () => {
          if (target.exit === undefined) {
            stamp(`SIGCONT ${target.identity}`);
            runFleet.signal(target, 'SIGCONT');
          }
        });
      }
    }
  } finally {
    acting = false;
    for (const timer of timers) clearTimeout(timer);
    if (fleet) await stopAll(fleet, stamp);
    if (watch) survivors = await settle(watch);
    await server?.close();
  }
  const finishedAt = process.hrtime.bigint();
  const intervals = await readIntervals(dir, watch, finishedAt);
  const failed =
    survivors.length > 0 || unexpectedExits.length > 0 || commandOverlaps(intervals).length > 0;
  const notes = await countNotes(dir);
  if (failed || process.env.LEASEHOLD_CHAOS_KEEP === '1') {
    stamp(`kept the heartbeat files and stderr logs in ${dir}`);
  } else await rm(dir, { recursive: true, force: true });
  return {
    seed: options.seed,
    profile: options.profile,
    candidates: options.candidates,
    durationMs: options.durationMs,
    startedAt,
    finishedAt,
    interrupted: options.signal.aborted,
    electors: (fleet?.electors ?? []).map((e) => ({
      identity: e.identity,
      signals: [...e.signals],
      exit: e.exit ? { code: e.exit.code, signal: e.exit.signal } : null,
    })),
    actions,
    intervals,
    survivors,
    unexpectedExits,
    notes,
  };
}

/** Notes of the electors and guards worth counting, from their stderr logs. */
const NOTES = {
  /** The guard stopped COMMAND as the deadline came near without a renewal. */
  guardDeadlineStops: /leasehold guard: no renewal and the term's deadline is near/,
  guardDeadlineKills: /leasehold guard: the term's deadline is near: COMMAND killed/,
  /** The guard stopped COMMAND because its elector was gone. */
  guardElectorGone: /leasehold guard: leasehold is gone/,
  /** A term whose COMMAND could not be started in time, or was stopped by the guard. */
  stepDowns: /no renewal before the term's deadline; stepping down/,
} as const;

async function countNotes(dir: string): Promise<Record<keyof typeof NOTES, number>> {
  const counts = Object.fromEntries(Object.keys(NOTES).map((key) => [key, 0])) as Record<
    keyof typeof NOTES,
    number
  >;
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.stderr')) continue;
    for (const line of (await readFile(join(dir, name), 'utf8')).split('\n')) {
      for (const [key, pattern] of Object.entries(NOTES)) {
        if (pattern.test(line)) counts[key as keyof typeof NOTES]++;
      }
    }
  }
  return counts;
}

/** SIGCONT the paused, SIGTERM everyone, SIGKILL whoever is left after a while. */
async function stopAll(fleet: RunFleet, stamp: (message: string) => void): Promise<void> {
  for (const elector of fleet.live()) if (elector.paused) fleet.signal(elector, 'SIGCONT');
  for (const elector of fleet.live()) fleet.signal(elector, 'SIGTERM');
  const until = Date.now() + STOP_GRACE_MS;
  while (fleet.live().length > 0 && Date.now() < until) await sleep(50);
  for (const elector of fleet.live()) {
    stamp(`${elector.identity} did not stop: SIGKILL`);
    fleet.signal(elector, 'SIGKILL');
  }
  while (fleet.live().length > 0) await sleep(50);
}

/**
 * Waits (a while) for every COMMAND to be gone; every elector is, so any COMMAND still alive
 * outlived its guard and its elector. Those are killed, and returned.
 */
async function settle(watch: CommandWatch): Promise<number[]> {
  const until = Date.now() + 10_000;
  while (watch.alive().length > 0 && Date.now() < until) {
    watch.poll();
    await sleep(50);
  }
  watch.poll();
  watch.close();
  const survivors = watch.alive().map((command) => command.pid);
  for (const pid of survivors) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone now.
    }
  }
  return survivors;
}

/** Every COMMAND's interval, from its heartbeat file and when the watch saw it gone. */
async function readIntervals(
  dir: string,
  watch: CommandWatch | undefined,
  runEnd: bigint,
): Promise<CommandInterval[]> {
  const intervals: CommandInterval[] = [];
  for (const name of await readdir(dir)) {
    const match = /^(\d+)\.log$/.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    const text = await readFile(join(dir, name), 'utf8');
    const interval = parseHeartbeats(pid, text, watch?.commands.get(pid)?.goneAt, runEnd);
    if (interval) intervals.push(interval);
  }
  return intervals;
}
