/**
 * The chaos runner's hand: at random intervals, picks one action from a seeded generator —
 * kill, pause or stop the leader, kill or pause a follower, or inject an API fault — and
 * carries it out; resumes paused processes when their pause is over and replaces exited ones
 * with new processes under new identities.
 *
 * @remarks
 * One rule keeps the leaderless time meaningful: the runner never leaves the election without
 * a healthy candidate (running, not paused, and it has read the Lease). A leader is acted on
 * only while at least one healthy follower remains, a follower only while at least two do.
 * Without it, a gap could be made by the runner itself (nobody left to take over) rather than
 * by the elector.
 *
 * @module
 */
import type { ElectionTiming } from '@leasehold/election';
import { formatMs } from '../duration.js';
import { monotonicNow } from '../events.js';
import { type Candidate, describeUnexpectedExit, type Fleet } from '../fleet/candidates.js';
import type { FaultInjector } from './fault-injector.js';
import type { Prng } from './prng.js';
import { type ActionKind, type ActionRecord, ns } from './timeline.js';

/** Relative weights of the choices; a fault's kind is then drawn uniformly. */
export const ACTION_WEIGHTS = {
  'kill-leader': 3,
  'pause-leader': 3,
  'stop-leader': 3,
  'kill-follower': 1,
  'pause-follower': 1,
  fault: 4,
  /** Only while a fault is active. */
  wait: 8,
} as const satisfies Partial<Record<ActionKind | 'fault' | 'wait', number>>;

type Choice = keyof typeof ACTION_WEIGHTS;
type ProcessAction = Exclude<Choice, 'fault' | 'wait'>;

/** What the scheduler needs. */
export interface SchedulerOptions {
  readonly fleet: Pick<Fleet, 'all' | 'spawn' | 'signal'>;
  readonly prng: Prng;
  readonly timing: ElectionTiming;
  readonly injector: FaultInjector;
  readonly log: (message: string) => void;
  /** The monotonic clock, ns. @defaultValue `process.hrtime.bigint` */
  readonly now?: () => bigint;
}

interface Task {
  readonly at: bigint;
  readonly run: (now: bigint) => void;
}

/** Whether the candidate's latest state line names a holder (it has read the Lease). */
function sawHolder(candidate: Candidate): boolean {
  for (let i = candidate.events.length - 1; i >= 0; i--) {
    const event = candidate.events[i]!;
    if (event.type === 'state') return event.holder !== null;
  }
  return false;
}

/** Decides and performs the actions; records them. */
export class ChaosScheduler {
  readonly actions: ActionRecord[] = [];
  /** Candidates that exited without being asked to. */
  readonly unexpectedExits: Candidate[] = [];
  readonly #options: SchedulerOptions;
  #tasks: Task[] = [];
  #nextAt: bigint;
  #stopped = false;
  #started = false;
  /** Whether the election in progress gets disturbed; `null` while a leader is in office. */
  #disturbElection: boolean | null = null;

  constructor(options: SchedulerOptions, now: bigint) {
    this.#options = options;
    this.#nextAt = now + ns(this.#interval());
  }

  /** The running candidate whose term has not expired on its own clock, if any. */
  currentLeader(now: bigint): Candidate | undefined {
    return this.#options.fleet.all.find(
      (c) => c.state === 'running' && c.deadline !== null && c.deadline > now,
    );
  }

  /** Running candidates that have seen the Lease and are not leading: able to take over. */
  healthyFollowers(now: bigint): Candidate[] {
    const leader = this.currentLeader(now);
    return this.#options.fleet.all.filter(
      (c) =>
        c !== leader &&
        c.state === 'running' &&
        c.role !== 'leader' &&
        c.role !== 'stopped' &&
        sawHolder(c),
    );
  }

  /** Runs what is due, and the next action when its time has come. */
  tick(now: bigint): void {
    const due = this.#tasks.filter((t) => t.at <= now);
    this.#tasks = this.#tasks.filter((t) => t.at > now);
    for (const task of due) task.run(now);
    if (this.#stopped || now < this.#nextAt) return;
    // Nothing happens before the first election: the run starts from a working system.
    this.#started ||= this.currentLeader(now) !== undefined;
    if (!this.#started) return;
    if (this.#act(now)) {
      this.#nextAt = now + ns(this.#interval());
    } else {
      this.#nextAt = now + ns(200); // nothing possible right now (an election in progress)
    }
  }

  /** A candidate exited: note it if nobody asked it to, and replace it after a moment. */
  onExit(candidate: Candidate): void {
    const { log, prng, timing } = this.#options;
    if (!candidate.exitRequested) {
      this.unexpectedExits.push(candidate);
      log(describeUnexpectedExit(candidate));
    }
    if (this.#stopped) return;
    const delayMs = prng.between(0.25, 2) * timing.retryPeriodMs;
    this.#later(ns(delayMs), (now) => {
      const replacement = this.#options.fleet.spawn();
      this.#record({ kind: 'restart', at: now, identity: replacement.identity }, candidate);
      log(
        `restart: ${replacement.identity} (pid ${replacement.pid ?? '?'}) replaces ${candidate.identity}`,
      );
    });
  }

  /** No more actions or restarts; paused processes are resumed now. */
  stop(): void {
    this.#stopped = true;
    this.#tasks = [];
    for (const candidate of this.#options.fleet.all) {
      if (candidate.state === 'paused') this.#resume(candidate);
    }
  }

  /** Time until the next action: half a retry period to half a lease duration plus one. */
  #interval(): number {
    const { prng, timing } = this.#options;
    return prng.between(
      0.5 * timing.retryPeriodMs,
      0.5 * timing.leaseDurationMs + timing.retryPeriodMs,
    );
  }

  #act(now: bigint): boolean {
    const { prng, injector } = this.#options;
    const leader = this.currentLeader(now);
    if (leader === undefined) {
      // An election is in progress. Most are left alone, so that failovers are timed without
      // a fault in the middle; a quarter of them get a fault or a follower action as well.
      this.#disturbElection ??= prng.chance(0.25);
      if (!this.#disturbElection) return false;
    } else {
      this.#disturbElection = null;
    }
    const followers = this.healthyFollowers(now);
    const leaderOk = leader !== undefined && followers.length >= 1;
    const followerOk = followers.length >= 2;
    const faults = injector.available();
    const choice = prng.weighted<Choice>({
      'kill-leader': leaderOk ? ACTION_WEIGHTS['kill-leader'] : 0,
      'pause-leader': leaderOk ? ACTION_WEIGHTS['pause-leader'] : 0,
      'stop-leader': leaderOk ? ACTION_WEIGHTS['stop-leader'] : 0,
      'kill-follower': followerOk ? ACTION_WEIGHTS['kill-follower'] : 0,
      'pause-follower': followerOk ? ACTION_WEIGHTS['pause-follower'] : 0,
      fault: faults.length > 0 ? ACTION_WEIGHTS.fault : 0,
      // While a fault is active, mostly let it play out alone.
      wait: injector.active.length > 0 ? ACTION_WEIGHTS.wait : 0,
    });
    switch (choice) {
      case undefined:
        return false;
      case 'wait':
        return true;
      case 'fault':
        injector.inject(prng.pick(faults), now);
        return true;
      case 'kill-leader':
      case 'pause-leader':
      case 'stop-leader':
        this.#signal(choice, leader!);
        return true;
      case 'kill-follower':
      case 'pause-follower':
        this.#signal(choice, prng.pick(followers));
        return true;
    }
  }

  #signal(kind: ProcessAction, victim: Candidate): void {
    const { fleet, prng, timing, log } = this.#options;
    const { leaseDurationMs: lease, renewDeadlineMs: renewDeadline } = timing;
    const role = kind.endsWith('leader') ? 'leader' : 'follower';
    const pid = `(pid ${victim.pid ?? '?'})`;
    if (kind === 'kill-leader' || kind === 'kill-follower') {
      const at = fleet.signal(victim, 'SIGKILL');
      this.#record({ kind, at, identity: victim.identity });
      log(`SIGKILL ${role} ${victim.identity} ${pid}`);
    } else if (kind === 'stop-leader') {
      const at = fleet.signal(victim, 'SIGTERM');
      this.#record({ kind, at, identity: victim.identity });
      log(`SIGTERM ${role} ${victim.identity} ${pid}: it releases the Lease`);
    } else {
      // Half the leader's pauses end before the lease could expire (some even before its
      // deadline, which it survives), half after a follower may have taken over.
      const pauseMs = Math.round(
        role === 'leader' && prng.chance(0.5)
          ? prng.between(0.25 * renewDeadline, lease)
          : prng.between(role === 'leader' ? lease : 0.25 * renewDeadline, 2 * lease),
      );
      const at = fleet.signal(victim, 'SIGSTOP');
      this.#record({ kind, at, identity: victim.identity, pauseMs });
      log(`SIGSTOP ${role} ${victim.identity} ${pid} for ${formatMs(pauseMs)}`);
      this.#later(ns(pauseMs), () => {
        if (victim.state === 'paused') this.#resume(victim);
      });
    }
  }

  #resume(candidate: Candidate): void {
    const at = this.#options.fleet.signal(candidate, 'SIGCONT');
    this.#record({ kind: 'resume', at, identity: candidate.identity });
    this.#options.log(`SIGCONT ${candidate.identity}`);
  }

  #record(action: ActionRecord, replaces?: Candidate): void {
    this.actions.push(replaces === undefined ? action : { ...action, replaces: replaces.identity });
  }

  #later(delayNs: bigint, run: (now: bigint) => void): void {
    const now = this.#options.now ?? monotonicNow;
    this.#tasks.push({ at: now() + delayNs, run });
  }
}
