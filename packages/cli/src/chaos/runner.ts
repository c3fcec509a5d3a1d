/**
 * One chaos run: the embedded Lease server, real candidate processes, the scheduler and the
 * fault injector for `durationMs`, then a drain (faults healed, paused processes resumed,
 * until a leader is back) and a clean stop. Resolves with the raw record the report is built
 * from; whatever happens, every child and the server are gone when it settles.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicNow } from '../events.js';
import { describeExit } from '../fleet/candidates.js';
import { FleetHarness } from '../fleet/harness.js';
import { type FleetRunOutline, PROFILES, type ProfileName } from '../fleet/profiles.js';
import type { ProcessRecord } from '../intervals.js';
import { FaultInjector } from './fault-injector.js';
import { Prng } from './prng.js';
import { ChaosScheduler } from './scheduler.js';
import { type ActionRecord, type FaultRecord, ns } from './timeline.js';

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  /** How long to act (the drain and the stop come after). */
  readonly durationMs: number;
  readonly candidates: number;
  readonly seed: number;
  readonly profile: ProfileName;
  /** Aborting it ends the run early: no drain, a clean stop, a report of what happened. */
  readonly signal: AbortSignal;
  /** One line per event, already timestamped. */
  readonly log: (line: string) => void;
}

/** Everything that happened, on the machine-wide monotonic clock. */
export interface ChaosRecord extends FleetRunOutline {
  readonly seed: number;
  readonly durationMs: number;
  readonly startedAt: bigint;
  /** When the actions stopped. */
  readonly chaosEndedAt: bigint;
  /** End of the window in which gaps and failovers are judged (after the drain). */
  readonly observedUntil: bigint;
  readonly finishedAt: bigint;
  readonly interrupted: boolean;
  /** Every candidate process, with its event lines and its kill time. */
  readonly processes: readonly ProcessRecord[];
  readonly actions: readonly ActionRecord[];
  readonly faults: readonly FaultRecord[];
}

export const LEASE_NAME = 'chaos';
const TICK_MS = 100;
/** A live overlap must persist this long to be reported while running (pipes race). */
const SETTLE_MS = 1_000;
/** SIGTERM, then SIGKILL after this, at the very end. */
const STOP_GRACE_MS = 8_000;

/** Runs the chaos; see the module comment. */
export async function runChaos(options: ChaosOptions): Promise<ChaosRecord> {
  const { signal } = options;
  const timing = PROFILES[options.profile];
  const startedAt = monotonicNow();
  const stamp = (message: string) =>
    options.log(
      `[${(Number(monotonicNow() - startedAt) / 1e9).toFixed(3).padStart(8)}s] ${message}`,
    );
  let scheduler: ChaosScheduler | undefined;
  const harness = await FleetHarness.start({
    purpose: 'chaos',
    kubeconfig: null,
    leaseName: LEASE_NAME,
    timing,
    settleMs: SETTLE_MS,
    log: stamp,
    onExit: (candidate) => scheduler?.onExit(candidate),
  });
  try {
    const { fleet, target } = harness;
    const server = target.server;
    if (server === null) throw new Error('chaos needs the embedded server for its faults');
    stamp(
      `leasehold chaos: seed ${options.seed}, ${options.candidates} candidates, ${options.profile} profile, ` +
        `Lease default/${LEASE_NAME} on ${server.url}`,
    );
    const prng = new Prng(options.seed);
    const injector = new FaultInjector({
      faults: server.faults,
      prng,
      timing,
      candidates: () => fleet.all.filter((c) => c.state === 'running').length,
      log: stamp,
    });
    scheduler = new ChaosScheduler({ fleet, prng, timing, injector, log: stamp }, startedAt);
    harness.spawnCandidates(options.candidates);

    const until = startedAt + ns(options.durationMs);
    for (let now = monotonicNow(); now < until && !signal.aborted; now = monotonicNow()) {
      injector.tick(now);
      scheduler.tick(now);
      harness.checkSafety();
      await sleep(TICK_MS, undefined, { signal }).catch(() => {});
    }
    const chaosEndedAt = monotonicNow();
    stamp('chaos over: faults healed, paused candidates resumed; waiting for a leader');
    scheduler.stop();
    injector.healAll(chaosEndedAt);

    // Drain: let the last election finish, so that its gap is measured to its end. Past
    // twice the bound, give up: the open gap is then reported as it stands.
    const drainUntil =
      chaosEndedAt + 2n * ns(timing.leaseDurationMs + timing.retryPeriodMs) + ns(1_000);
    while (!signal.aborted && scheduler.currentLeader(monotonicNow()) === undefined) {
      if (monotonicNow() >= drainUntil) {
        stamp('no leader after the drain: stopping anyway');
        break;
      }
      harness.checkSafety();
      await sleep(TICK_MS, undefined, { signal }).catch(() => {});
    }
    const observedUntil = monotonicNow();
    await harness.stop(STOP_GRACE_MS);
    return {
      seed: options.seed,
      profile: options.profile,
      timing,
      candidates: options.candidates,
      durationMs: options.durationMs,
      startedAt,
      chaosEndedAt,
      observedUntil,
      finishedAt: monotonicNow(),
      interrupted: signal.aborted,
      processes: fleet.all,
      actions: scheduler.actions,
      faults: injector.records,
      unexpectedExits: scheduler.unexpectedExits.map(describeExit),
    };
  } finally {
    scheduler?.stop();
    await harness.close();
  }
}
