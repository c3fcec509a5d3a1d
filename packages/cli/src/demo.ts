/**
 * `leasehold demo`: an embedded Lease server, a few candidate processes, and a disruption of
 * the leader every interval, with failovers timed and every leadership interval checked for
 * overlap.
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ElectionTiming } from '@leasehold/election';
import { Chaos, KIND_LABEL } from './demo/chaos.js';
import { type DemoDisplay, LiveDisplay, PlainDisplay } from './demo/display.js';
import { Fleet } from './demo/fleet.js';
import { embeddedTarget, externalTarget, type LeaseTarget } from './demo/lease-target.js';
import { describeOverlap, SafetyMonitor } from './demo/safety-monitor.js';
import type { DemoResult } from './demo/summary.js';
import { formatMs } from './duration.js';
import { monotonicNow } from './events.js';

/** Timing profiles: `fast` to see failovers quickly, `default` as client-go ships it. */
export const PROFILES = {
  fast: { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 },
  default: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
} as const satisfies Record<string, ElectionTiming>;

export type ProfileName = keyof typeof PROFILES;

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** How long to run; `null` until the signal aborts. */
  readonly durationMs: number | null;
  readonly candidates: number;
  /** Time between disruptions of the leader. */
  readonly intervalMs: number;
  readonly profile: ProfileName;
  /** A cluster to run against instead of the embedded server. */
  readonly kubeconfig: string | null;
  /** Live table (terminal) or plain lines. */
  readonly live: boolean;
  /** Aborting it ends the demo early (Ctrl-C); the summary is still produced. */
  readonly signal: AbortSignal;
}

const LEASE_NAME = 'demo';
const TICK_MS = 100;
const RESTART_DELAY_MS = 1_000;
/** A live overlap must persist this long to count (lines arrive through separate pipes). */
const SETTLE_MS = 1_000;
/** Wait for candidates to stop (drain + release) before SIGKILL at the end. */
const STOP_GRACE_MS = 8_000;

const ns = (ms: number) => BigInt(Math.round(ms * 1e6));

/** Runs the demo; resolves with what the summary reports. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { signal } = options;
  const timing = PROFILES[options.profile];
  const startedAt = monotonicNow();
  const dir = await mkdtemp(join(tmpdir(), 'leasehold-demo-'));
  let target: LeaseTarget | undefined;
  let display: DemoDisplay | undefined;
  let fleet: Fleet | undefined;
  let chaos: Chaos | undefined;
  const killAll = () => fleet?.killAll();
  process.once('exit', killAll);
  try {
    target =
      options.kubeconfig === null ? await embeddedTarget(dir) : externalTarget(options.kubeconfig);
    const { kubeconfigPath, namespace } = target;
    const header = [
      `leasehold demo: ${options.candidates} candidates compete for Lease ${namespace}/${LEASE_NAME} on ${target.url}`,
      `  watch it:  kubectl --kubeconfig ${kubeconfigPath} -n ${namespace} get lease ${LEASE_NAME} -w`,
      `  inspect:   kubectl --kubeconfig ${kubeconfigPath} -n ${namespace} get lease ${LEASE_NAME} -o yaml`,
      `  every ${formatMs(options.intervalMs)} the leader is stopped (SIGTERM), killed (SIGKILL) or paused (SIGSTOP), in turn`,
      options.durationMs === null
        ? '  runs until Ctrl-C'
        : `  runs for ${formatMs(options.durationMs)}, or until Ctrl-C`,
    ];
    const monitor = new SafetyMonitor(SETTLE_MS);
    const log = (message: string) => display?.log(message);
    const checkSafety = (final = false) => {
      if (fleet === undefined) return;
      for (const overlap of monitor.check(fleet.all, monotonicNow(), final)) {
        log(describeOverlap(overlap));
      }
    };
    fleet = new Fleet({
      binPath: fileURLToPath(new URL('./bin.js', import.meta.url)),
      kubeconfigPath,
      leaseName: LEASE_NAME,
      namespace,
      timing,
      onEvent: (candidate, event) => {
        if (event.type === 'leading') {
          log(`${candidate.identity} leading (fencing token ${event.fencingToken ?? '?'})`);
        } else if (event.type === 'stopped-leading') {
          log(`${candidate.identity} stopped leading (${event.reason ?? 'unknown'})`);
        } else if (event.type === 'state' && event.error !== undefined) {
          log(`${candidate.identity}: ${event.error}`);
        }
        chaos?.onEvent(candidate, event);
        checkSafety();
      },
      onExit: (candidate) => chaos?.onExit(candidate),
    });
    chaos = new Chaos({ fleet, timing, restartDelayMs: RESTART_DELAY_MS, log });

    const until = options.durationMs === null ? null : startedAt + ns(options.durationMs);
    let nextActionAt = monotonicNow() + ns(options.intervalMs);
    const snapshot = () => {
      const now = monotonicNow();
      const ran = formatMs(Number(now - startedAt) / 1e6);
      const total = options.durationMs === null ? '' : ` / ${formatMs(options.durationMs)}`;
      const next = formatMs(Math.max(0, Number(nextActionAt - now) / 1e6));
      const leader = chaos?.currentLeader();
      const leading = leader ? `${leader.identity} (token ${leader.fencingToken ?? '?'})` : 'none';
      return {
        header,
        candidates: fleet?.all ?? [],
        status:
          `${ran}${total} · leader: ${leading} · next: ${KIND_LABEL[chaos?.nextKind ?? 'graceful']} in ${next} · ` +
          `failovers ${chaos?.samples.length ?? 0} · intervals ${monitor.intervals.length} · ` +
          `overlaps ${monitor.overlaps.length}`,
      };
    };
    display = options.live
      ? new LiveDisplay(startedAt, snapshot)
      : new PlainDisplay(startedAt, header);
    display.start();
    for (let i = 0; i < options.candidates; i++) {
      const candidate = fleet.spawn();
      log(`started ${candidate.identity} (pid ${candidate.pid ?? '?'})`);
    }

    while (!signal.aborted) {
      const now = monotonicNow();
      if (until !== null && now >= until) break;
      if (now >= nextActionAt) {
        const readyAt = chaos.readyAt();
        if (readyAt === null) {
          // No leader right now (a failover in progress): look again shortly.
          nextActionAt = now + ns(200);
        } else if (readyAt > now) {
          nextActionAt = readyAt;
        } else if (chaos.act()) {
          // Up to one retry period of jitter: a fixed interval would keep landing at the same
          // point of the next leader's renewal cycle (after a graceful failover, which always
          // takes about as long), and bias the crash and pause failovers.
          nextActionAt = now + ns(options.intervalMs + Math.random() * timing.retryPeriodMs);
        }
      }
      checkSafety();
      await sleep(TICK_MS, undefined, { signal }).catch(() => {});
    }
    const ranMs = Number(monotonicNow() - startedAt) / 1e6;
    log('stopping: SIGTERM to every candidate');
    chaos.stop();
    await fleet.stopAll(STOP_GRACE_MS);
    checkSafety(true);
    display.stop();
    return {
      ranMs,
      profile: options.profile,
      timing,
      candidates: options.candidates,
      samples: chaos.samples,
      intervalsChecked: monitor.intervals.length,
      overlaps: monitor.overlaps,
      unexpectedExits: chaos.unexpectedExits.map((c) =>
        `${c.identity}: ${c.exit ?? '?'} ${c.stderrTail.join(' | ')}`.trim(),
      ),
    };
  } finally {
    chaos?.stop();
    fleet?.killAll();
    display?.stop();
    process.off('exit', killAll);
    await target?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
