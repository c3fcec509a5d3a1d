/**
 * One chaos run: the embedded Lease server, real candidate processes, the scheduler and the
 * fault injector for `durationMs`, then a drain (faults healed, paused processes resumed,
 * until a leader is back) and a clean stop. Resolves with the raw record the report is built
 * from; whatever happens, every child and the server are gone when it settles.
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ElectionTiming } from '@leasehold/election';
import { type LeaseServer, startLeaseServer } from '@leasehold/testing';
import { Fleet } from '../demo/fleet.js';
import { describeOverlap, SafetyMonitor } from '../demo/safety-monitor.js';
import { PROFILES, type ProfileName } from '../demo.js';
import { monotonicNow } from '../events.js';
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
export interface ChaosRecord {
  readonly seed: number;
  readonly profile: ProfileName;
  readonly timing: ElectionTiming;
  readonly candidates: number;
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
  readonly unexpectedExits: readonly string[];
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
  const dir = await mkdtemp(join(tmpdir(), 'leasehold-chaos-'));
  let fleet: Fleet | undefined;
  let scheduler: ChaosScheduler | undefined;
  let server: LeaseServer | undefined;
  const killAll = () => fleet?.killAll();
  process.once('exit', killAll);
  try {
    server = await startLeaseServer();
    const kubeconfigPath = await server.writeKubeconfig(join(dir, 'kubeconfig.yaml'));
    stamp(
      `leasehold chaos: seed ${options.seed}, ${options.candidates} candidates, ${options.profile} profile, ` +
        `Lease default/${LEASE_NAME} on ${server.url}`,
    );
    const monitor = new SafetyMonitor(SETTLE_MS);
    const checkSafety = (final = false) => {
      if (fleet === undefined) return;
      for (const overlap of monitor.check(fleet.all, monotonicNow(), final)) {
        stamp(describeOverlap(overlap));
      }
    };
    fleet = new Fleet({
      binPath: fileURLToPath(new URL('../bin.js', import.meta.url)),
      kubeconfigPath,
      leaseName: LEASE_NAME,
      namespace: 'default',
      timing,
      onEvent: (candidate, event) => {
        if (event.type === 'leading') {
          stamp(`${candidate.identity} leading (fencing token ${event.fencingToken ?? '?'})`);
        } else if (event.type === 'stopped-leading') {
          stamp(`${candidate.identity} stopped leading (${event.reason ?? 'unknown'})`);
        }
      },
      onExit: (candidate) => scheduler?.onExit(candidate),
    });
    const prng = new Prng(options.seed);
    const live = fleet;
    const injector = new FaultInjector({
      faults: server.faults,
      prng,
      timing,
      candidates: () => live.all.filter((c) => c.state === 'running').length,
      log: stamp,
    });
    scheduler = new ChaosScheduler({ fleet, prng, timing, injector, log: stamp }, startedAt);
    for (let i = 0; i < options.candidates; i++) {
      const candidate = fleet.spawn();
      stamp(`started ${candidate.identity} (pid ${candidate.pid ?? '?'})`);
    }

    const until = startedAt + ns(options.durationMs);
    for (let now = monotonicNow(); now < until && !signal.aborted; now = monotonicNow()) {
      injector.tick(now);
      scheduler.tick(now);
      checkSafety();
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
      checkSafety();
      await sleep(TICK_MS, undefined, { signal }).catch(() => {});
    }
    const observedUntil = monotonicNow();
    stamp('stopping: SIGTERM to every candidate');
    await fleet.stopAll(STOP_GRACE_MS);
    checkSafety(true);
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
      unexpectedExits: scheduler.unexpectedExits.map((c) =>
        `${c.identity}: ${c.exit ?? '?'} ${c.stderrTail.join(' | ')}`.trim(),
      ),
    };
  } finally {
    scheduler?.stop();
    fleet?.killAll();
    process.off('exit', killAll);
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
