/**
 * The demo's disruptions: every interval, take leadership away from the current leader in one
 * of three ways, in turn, and time how long until another candidate leads.
 *
 * @module
 */
import type { ElectionTiming } from '@leasehold/election';
import { formatMs } from '../duration.js';
import type { CandidateEvent } from '../events.js';
import { monotonicNow } from '../events.js';
import { type Candidate, describeUnexpectedExit, type Fleet } from '../fleet/candidates.js';

/** The ways to take leadership away. */
export type FailoverKind = 'graceful' | 'crash' | 'pause';

/** Kinds in the order the demo cycles through them. */
export const FAILOVER_KINDS: readonly FailoverKind[] = ['graceful', 'crash', 'pause'];

/** How each kind is done and named. */
export const KIND_LABEL: Readonly<Record<FailoverKind, string>> = {
  graceful: 'graceful stop (SIGTERM)',
  crash: 'crash (SIGKILL)',
  pause: 'pause (SIGSTOP)',
};

const SIGNAL_OF = { graceful: 'SIGTERM', crash: 'SIGKILL', pause: 'SIGSTOP' } as const;

/** One measured failover. */
export interface FailoverSample {
  readonly kind: FailoverKind;
  readonly victim: string;
  readonly successor: string;
  readonly ms: number;
}

interface PendingFailover {
  readonly kind: FailoverKind;
  readonly victim: string;
  readonly at: bigint;
}

/** An action whose effect had not played out when the demo ended. */
export interface InFlightAction {
  readonly kind: FailoverKind;
  readonly victim: string;
  /** How long before the end the signal was sent. */
  readonly agoMs: number;
  /** No other candidate had led since the action: its failover was not measured. */
  readonly awaitingSuccessor: boolean;
  /** For a pause: the victim was still stopped (its SIGCONT not yet due). */
  readonly stillPaused: boolean;
}

/** Options of {@link Disruptor}. */
export interface DisruptorOptions {
  readonly fleet: Fleet;
  readonly timing: ElectionTiming;
  /** Wait before replacing a candidate that exited. */
  readonly restartDelayMs: number;
  readonly log: (message: string) => void;
}

/** Disrupts the leader, measures failovers, replaces exited candidates, resumes paused ones. */
export class Disruptor {
  readonly samples: FailoverSample[] = [];
  /** Candidates that exited without being asked to. */
  readonly unexpectedExits: Candidate[] = [];
  readonly #options: DisruptorOptions;
  readonly #pending: PendingFailover[] = [];
  /** Every pause sent: the victim and when. */
  readonly #pauses: { readonly victim: Candidate; readonly at: bigint }[] = [];
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #cycle = 0;
  #stopped = false;
  /** The settling point chosen for the current term (see {@link Disruptor.readyAt}). */
  #settle: { term: string; at: bigint } | undefined;

  constructor(options: DisruptorOptions) {
    this.#options = options;
  }

  /** The kind of the next action. */
  get nextKind(): FailoverKind {
    return FAILOVER_KINDS[this.#cycle % FAILOVER_KINDS.length]!;
  }

  /** The running candidate whose term has not expired, if any. */
  currentLeader(): Candidate | undefined {
    const now = monotonicNow();
    return this.#options.fleet.all.find(
      (c) => c.state === 'running' && c.deadline !== null && c.deadline > now,
    );
  }

  /**
   * When the current leader may be disrupted: one to two retry periods into its term, at a
   * random point. Acting the moment a leader appears (after a slow failover) would always hit
   * it just after the write that elected it, and every crash or pause failover would then
   * last nearly a full lease duration; a random point of a settled term gives the fair spread.
   * @returns `null` when there is no leader.
   */
  readyAt(): bigint | null {
    const leader = this.currentLeader();
    if (leader === undefined || leader.leadingSince === null) return null;
    const term = `${leader.identity}@${leader.leadingSince}`;
    if (this.#settle?.term !== term) {
      const delayMs = this.#options.timing.retryPeriodMs * (1 + Math.random());
      this.#settle = { term, at: leader.leadingSince + BigInt(Math.round(delayMs * 1e6)) };
    }
    return this.#settle.at;
  }

  /**
   * Takes leadership away from the current leader.
   * @returns false when there is no leader to act on (try again shortly).
   */
  act(): boolean {
    const leader = this.currentLeader();
    if (this.#stopped || leader === undefined) return false;
    const kind = this.nextKind;
    this.#cycle++;
    const { fleet, timing, log } = this.#options;
    const at = fleet.signal(leader, SIGNAL_OF[kind]);
    this.#pending.push({ kind, victim: leader.identity, at });
    log(`${KIND_LABEL[kind]} → ${leader.identity} (pid ${leader.pid ?? '?'})`);
    if (kind === 'pause') {
      this.#pauses.push({ victim: leader, at });
      // Resume only after its lease could have expired: it must find someone else leading
      // and step down without ever acting again as leader.
      this.#later(timing.leaseDurationMs + 1_000, () => {
        if (leader.state !== 'paused') return;
        fleet.signal(leader, 'SIGCONT');
        log(`resumed ${leader.identity} (SIGCONT)`);
      });
    }
    return true;
  }

  /**
   * What had not played out at monotonic time `now`: failovers still waiting for a successor,
   * and paused leaders not yet resumed.
   */
  inFlight(now: bigint): InFlightAction[] {
    const agoMs = (at: bigint) => Number(now - at) / 1e6;
    const actions: InFlightAction[] = this.#pending.map((p) => ({
      kind: p.kind,
      victim: p.victim,
      agoMs: agoMs(p.at),
      awaitingSuccessor: true,
      stillPaused:
        p.kind === 'pause' &&
        this.#pauses.some((q) => q.victim.identity === p.victim && q.victim.state === 'paused'),
    }));
    for (const pause of this.#pauses) {
      const { victim, at } = pause;
      if (victim.state !== 'paused' || actions.some((a) => a.victim === victim.identity)) continue;
      actions.push({
        kind: 'pause',
        victim: victim.identity,
        agoMs: agoMs(at),
        awaitingSuccessor: false,
        stillPaused: true,
      });
    }
    return actions.sort((a, b) => b.agoMs - a.agoMs);
  }

  /**
   * Feeds every event line: a `leading` from someone else completes pending failovers. After
   * {@link Disruptor.stop} nothing is measured: what was pending then stays in flight.
   */
  onEvent(candidate: Candidate, event: CandidateEvent): void {
    if (event.type !== 'leading' || this.#stopped) return;
    for (const pending of [...this.#pending]) {
      if (event.at < pending.at) continue;
      this.#pending.splice(this.#pending.indexOf(pending), 1);
      if (candidate.identity === pending.victim) {
        this.#options.log(`${pending.victim} kept leadership through ${KIND_LABEL[pending.kind]}`);
        continue;
      }
      const ms = Number(event.at - pending.at) / 1e6;
      this.samples.push({
        kind: pending.kind,
        victim: pending.victim,
        successor: candidate.identity,
        ms,
      });
      this.#options.log(
        `failover after ${KIND_LABEL[pending.kind]}: ${formatMs(ms)} → ${candidate.identity}`,
      );
    }
  }

  /** A candidate exited: report it if unexpected, and replace it after a moment. */
  onExit(candidate: Candidate): void {
    const { fleet, log, restartDelayMs } = this.#options;
    if (!candidate.exitRequested) {
      this.unexpectedExits.push(candidate);
      log(describeUnexpectedExit(candidate));
    } else {
      log(
        `${candidate.identity} ${candidate.state === 'killed' ? 'killed' : 'exited'} (${candidate.exit ?? '?'})`,
      );
    }
    if (this.#stopped) return;
    this.#later(restartDelayMs, () => {
      const replacement = fleet.spawn();
      log(
        `started ${replacement.identity} (pid ${replacement.pid ?? '?'}) to replace ${candidate.identity}`,
      );
    });
  }

  /** No more actions, restarts, resumes or measurements. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #later(delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#stopped) action();
    }, delayMs);
    this.#timers.add(timer);
  }
}
