/**
 * Liveness and readiness of an elector, with client-go `HealthzAdaptor` semantics.
 *
 * @remarks
 * Liveness exists to restart a process that is stuck, not one whose API server is down: if an
 * outage failed liveness, every replica would be restarted at once and none could lead when the
 * server came back. So liveness fails only when
 *
 * - this process still acts as leader later than its renewals allow: past `leaseDurationMs`
 *   after it sent its last successful write (when other candidates may have taken over), plus
 *   a tolerance — which happens when the event loop was blocked past the term's deadline, the
 *   situation kubernetes#70819 describes;
 * - stepping down has lasted longer than its bound (drain bound + release write bound);
 * - `stop()` has not settled within its bound;
 * - an internal error stopped the elector (it will never compete again).
 *
 * Readiness is separate: ready once the Lease has been listed (the elector knows who leads).
 *
 * @module
 */
import { type ElectorSnapshot, stateOf } from './elector-events.js';

/** Result of a health probe. */
export interface HealthStatus {
  readonly ok: boolean;
  /** What the probe saw, for logs and the probe's response body. */
  readonly reason: string;
}

/** Options of `elector.health()`. */
export interface HealthOptions {
  /**
   * Grace added to every bound before failing, as `HealthzAdaptor`'s timeout.
   * @defaultValue 20_000 (what kube-controller-manager and kube-scheduler use)
   */
  readonly toleranceMs?: number;
}

/** Default tolerance, as kube-controller-manager's and kube-scheduler's adaptor. */
export const DEFAULT_HEALTH_TOLERANCE_MS = 20_000;

/** Moments the elector's event feed remembers for the health probes. */
export interface HealthMarks {
  /** Local time the current step-down began, `null` when not stepping down. */
  readonly steppingDownSince: number | null;
  /** Local time `stop()` was first seen, `null` when not requested. */
  readonly stopRequestedAt: number | null;
  /** Set when the elector stopped on its own because of an internal error. */
  readonly failed: { readonly error: unknown } | null;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Liveness of an elector; see the module documentation for when it fails.
 *
 * @param snapshot - the machine's current snapshot (`null` before the elector started)
 */
export function assessLiveness(
  snapshot: ElectorSnapshot | null,
  marks: HealthMarks,
  now: number,
  options: HealthOptions = {},
): HealthStatus {
  if (marks.failed !== null) {
    return {
      ok: false,
      reason: `elector stopped by an internal error: ${String(marks.failed.error)}`,
    };
  }
  if (snapshot === null) return { ok: true, reason: 'not started' };
  const tolerance = options.toleranceMs ?? DEFAULT_HEALTH_TOLERANCE_MS;
  const { config, term, deadline } = snapshot.context;
  const lease = `${config.namespace}/${config.name}`;
  const [state] = stateOf(snapshot.value);
  const active = snapshot.status === 'active';

  if (active && marks.stopRequestedAt !== null) {
    // A candidate's write is bounded by the renew deadline; then stepping down is bounded.
    const bound = 2 * config.renewDeadlineMs + config.drainTimeoutMs + tolerance;
    const waited = now - marks.stopRequestedAt;
    if (waited > bound) {
      return {
        ok: false,
        reason: `stop() has not settled after ${seconds(waited)} (bound ${seconds(bound)})`,
      };
    }
  }
  if (active && state === 'leader' && term !== null && deadline !== null) {
    const lastWrite = deadline - config.renewDeadlineMs;
    const since = now - lastWrite;
    if (since > config.leaseDurationMs + tolerance) {
      return {
        ok: false,
        reason:
          `failed election to renew leadership on lease ${lease}: still acting as leader ` +
          `${seconds(since)} after the last successful renewal was sent`,
      };
    }
    return { ok: true, reason: `leading ${lease}; last renewal sent ${seconds(since)} ago` };
  }
  if (active && state === 'stepping-down' && marks.steppingDownSince !== null) {
    const bound = config.drainTimeoutMs + config.renewDeadlineMs + tolerance;
    const waited = now - marks.steppingDownSince;
    if (waited > bound) {
      return {
        ok: false,
        reason: `stepping down from ${lease} for ${seconds(waited)} (bound ${seconds(bound)})`,
      };
    }
    return { ok: true, reason: `stepping down from ${lease}` };
  }
  return { ok: true, reason: active ? `${state} of ${lease}` : 'stopped' };
}

/** Readiness: true once the Lease has been listed, so the elector knows who leads. */
export function assessReadiness(snapshot: ElectorSnapshot | null): HealthStatus {
  if (snapshot === null) return { ok: false, reason: 'not started' };
  if (snapshot.status !== 'active') return { ok: false, reason: 'stopped' };
  return snapshot.context.view.synced
    ? { ok: true, reason: 'lease observed' }
    : { ok: false, reason: 'lease not listed yet' };
}
