/**
 * `leasehold demo`: an embedded Lease server, a few candidate processes, and a disruption of
 * the leader every interval, with failovers timed and every leadership interval checked for
 * overlap.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { formatMs } from '../duration.js';
import { monotonicNow } from '../events.js';
import { describeExit } from '../fleet/candidates.js';
import { FleetHarness } from '../fleet/harness.js';
import { PROFILES, type ProfileName } from '../fleet/profiles.js';
import { type DemoDisplay, LiveDisplay, PlainDisplay } from './display.js';
import { Disruptor, KIND_LABEL } from './disruptor.js';
import type { DemoResult } from './summary.js';

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
  let display: DemoDisplay | undefined;
  let disruptor: Disruptor | undefined;
  const log = (message: string) => display?.log(message);
  const harness = await FleetHarness.start({
    purpose: 'demo',
    kubeconfig: options.kubeconfig,
    leaseName: LEASE_NAME,
    timing,
    settleMs: SETTLE_MS,
    log,
    logErrors: true,
    onEvent: (candidate, event) => disruptor?.onEvent(candidate, event),
    onExit: (candidate) => disruptor?.onExit(candidate),
  });
  try {
    const { fleet, monitor, target } = harness;
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
    disruptor = new Disruptor({ fleet, timing, restartDelayMs: RESTART_DELAY_MS, log });
    const active = disruptor;

    const until = options.durationMs === null ? null : startedAt + ns(options.durationMs);
    let nextActionAt = monotonicNow() + ns(options.intervalMs);
    const snapshot = () => {
      const now = monotonicNow();
      const ran = formatMs(Number(now - startedAt) / 1e6);
      const total = options.durationMs === null ? '' : ` / ${formatMs(options.durationMs)}`;
      const next = formatMs(Math.max(0, Number(nextActionAt - now) / 1e6));
      const leader = active.currentLeader();
      const leading = leader ? `${leader.identity} (token ${leader.fencingToken ?? '?'})` : 'none';
      return {
        header,
        candidates: fleet.all,
        status:
          `${ran}${total} · leader: ${leading} · next: ${KIND_LABEL[active.nextKind]} in ${next} · ` +
          `failovers ${active.samples.length} · intervals ${monitor.intervals.length} · ` +
          `overlaps ${monitor.overlaps.length}`,
      };
    };
    display = options.live
      ? new LiveDisplay(startedAt, snapshot)
      : new PlainDisplay(startedAt, snapshot);
    display.start();
    harness.spawnCandidates(options.candidates);

    while (!signal.aborted) {
      const now = monotonicNow();
      if (until !== null && now >= until) break;
      if (now >= nextActionAt) {
        const readyAt = active.readyAt();
        if (readyAt === null) {
          // No leader right now (a failover in progress): look again shortly.
          nextActionAt = now + ns(200);
        } else if (readyAt > now) {
          nextActionAt = readyAt;
        } else if (active.act()) {
          // Up to one retry period of jitter: a fixed interval would keep landing at the same
          // point of the next leader's renewal cycle (after a graceful failover, which always
          // takes about as long), and bias the crash and pause failovers.
          nextActionAt = now + ns(options.intervalMs + Math.random() * timing.retryPeriodMs);
        }
      }
      harness.checkSafety();
      await sleep(TICK_MS, undefined, { signal }).catch(() => {});
    }
    const endedAt = monotonicNow();
    const ranMs = Number(endedAt - startedAt) / 1e6;
    // What had not played out yet is reported as such, not measured during the shutdown.
    const inFlight = active.inFlight(endedAt);
    active.stop();
    display.end();
    await harness.stop(STOP_GRACE_MS);
    display.stop();
    return {
      ranMs,
      profile: options.profile,
      timing,
      candidates: options.candidates,
      samples: active.samples,
      inFlight,
      intervalsChecked: monitor.intervals.length,
      overlaps: monitor.overlaps,
      unexpectedExits: active.unexpectedExits.map(describeExit),
    };
  } finally {
    disruptor?.stop();
    display?.stop();
    await harness.close();
  }
}
