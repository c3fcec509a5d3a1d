/**
 * Election configuration: defaults and the rules that make the timing argument hold.
 *
 * @remarks
 * The safety argument needs the leader to stop acting before any follower may take over:
 * the leader's view ends `renewDeadlineMs` after it *sent* its last successful write, while a
 * follower waits `leaseDurationMs` after it *observed* that write. With clocks whose rates
 * differ by at most a factor ρ, the windows cannot overlap while
 * `ρ × renewDeadlineMs < leaseDurationMs` (ρ = 1.5 with the defaults 15 s / 10 s).
 * `renewDeadlineMs > 1.2 × retryPeriodMs` leaves room for at least one retry inside a
 * renewal deadline, as client-go requires.
 *
 * @module
 */
import { ConfigError } from './errors.js';
import type { LeaseTemplate } from './lease-record.js';

/** Timing of an election. All values are milliseconds on the local monotonic clock. */
export interface ElectionTiming {
  /**
   * How long followers wait after they last saw the Lease change before taking it over.
   * Written to the Lease in whole seconds, so it must be a whole number of seconds.
   * @defaultValue 15_000
   */
  readonly leaseDurationMs: number;
  /**
   * How long a leader stays leader after it sent its last successful renewal. Must be shorter
   * than `leaseDurationMs`; the ratio is the clock-rate difference the election tolerates.
   * @defaultValue 10_000
   */
  readonly renewDeadlineMs: number;
  /**
   * Interval between renewals, and the base of retry backoff. Like every timing, a whole
   * number of milliseconds (at least 1).
   * @defaultValue 2_000
   */
  readonly retryPeriodMs: number;
}

/** client-go's defaults, shared by kube-controller-manager, kube-scheduler and controller-runtime. */
export const DEFAULT_TIMING: ElectionTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** Fully resolved configuration, as the machine sees it. */
export interface ElectionConfig extends ElectionTiming {
  readonly name: string;
  readonly namespace: string;
  readonly identity: string;
  readonly releaseOnStop: boolean;
  readonly drainTimeoutMs: number;
  readonly lease: LeaseTemplate;
}

/**
 * Default bound on waiting for leader work after a term ends: the safety margin
 * `leaseDurationMs − renewDeadlineMs` (5 s with the defaults). After a term ends at its
 * deadline a follower may take over that much later. Work still running at the bound is not
 * waited for any longer, and the Lease is then not released but left to run out (see
 * `DrainTimeoutError`).
 */
export function defaultDrainTimeoutMs(timing: ElectionTiming): number {
  return timing.leaseDurationMs - timing.renewDeadlineMs;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks that `value` is a whole number of milliseconds, at least 1. Timers and the clocks
 * behind them have millisecond resolution, so a fractional or sub-millisecond timing is a
 * promise the elector cannot keep (a retry period of 9e-323 ms would renew in a tight loop).
 */
function wholeMs(option: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(option, `must be a finite number greater than 0, got ${String(value)}`);
  }
  if (!Number.isInteger(value)) {
    throw new ConfigError(option, `must be a whole number of milliseconds, got ${value}`);
  }
  return value;
}

/** Partial configuration as a user gives it; see {@link ElectionConfig} for meanings. */
export type ElectionConfigInput = Partial<ElectionTiming> & {
  readonly name: string;
  readonly namespace: string;
  readonly identity: string;
  readonly releaseOnStop?: boolean;
  readonly drainTimeoutMs?: number;
  readonly lease?: LeaseTemplate;
};

/**
 * Applies defaults and validates every rule.
 * @throws {@link ConfigError} naming the first offending option.
 */
export function resolveConfig(input: ElectionConfigInput): ElectionConfig {
  const { name, namespace, identity } = input;
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > 253 ||
    !DNS_SUBDOMAIN.test(name)
  ) {
    throw new ConfigError(
      'name',
      `must be a DNS subdomain (lowercase letters, digits, '-' and '.', at most 253), got ${JSON.stringify(name)}`,
    );
  }
  if (
    typeof namespace !== 'string' ||
    namespace.length === 0 ||
    namespace.length > 63 ||
    !DNS_LABEL.test(namespace)
  ) {
    throw new ConfigError(
      'namespace',
      `must be a DNS label (lowercase letters, digits and '-', at most 63), got ${JSON.stringify(namespace)}`,
    );
  }
  if (typeof identity !== 'string' || identity.length === 0) {
    throw new ConfigError('identity', 'must be a non-empty string');
  }
  const leaseDurationMs = wholeMs(
    'leaseDurationMs',
    input.leaseDurationMs ?? DEFAULT_TIMING.leaseDurationMs,
  );
  const renewDeadlineMs = wholeMs(
    'renewDeadlineMs',
    input.renewDeadlineMs ?? DEFAULT_TIMING.renewDeadlineMs,
  );
  const retryPeriodMs = wholeMs(
    'retryPeriodMs',
    input.retryPeriodMs ?? DEFAULT_TIMING.retryPeriodMs,
  );
  if (leaseDurationMs < 1_000 || leaseDurationMs % 1_000 !== 0) {
    // The Lease stores whole seconds; client-go silently truncates and can write 0, which the
    // API server rejects. Refuse instead of rounding behind the user's back.
    throw new ConfigError(
      'leaseDurationMs',
      `must be a whole number of seconds, at least 1000, got ${leaseDurationMs}`,
    );
  }
  if (!(leaseDurationMs > renewDeadlineMs)) {
    throw new ConfigError(
      'leaseDurationMs',
      `must be greater than renewDeadlineMs (${renewDeadlineMs}), got ${leaseDurationMs}`,
    );
  }
  if (!(renewDeadlineMs > 1.2 * retryPeriodMs)) {
    throw new ConfigError(
      'renewDeadlineMs',
      `must be greater than 1.2 × retryPeriodMs (${1.2 * retryPeriodMs}), got ${renewDeadlineMs}`,
    );
  }
  const drainTimeoutMs =
    input.drainTimeoutMs ??
    defaultDrainTimeoutMs({ leaseDurationMs, renewDeadlineMs, retryPeriodMs });
  if (
    typeof drainTimeoutMs !== 'number' ||
    !Number.isFinite(drainTimeoutMs) ||
    drainTimeoutMs < 0
  ) {
    throw new ConfigError(
      'drainTimeoutMs',
      `must be a finite number ≥ 0, got ${String(drainTimeoutMs)}`,
    );
  }
  const releaseOnStop = input.releaseOnStop ?? true;
  if (typeof releaseOnStop !== 'boolean') {
    throw new ConfigError('releaseOnStop', 'must be a boolean');
  }
  return {
    name,
    namespace,
    identity,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    releaseOnStop,
    drainTimeoutMs,
    lease: input.lease ?? {},
  };
}
