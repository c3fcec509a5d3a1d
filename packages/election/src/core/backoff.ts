/**
 * Retry delays: exponential growth with jitter, as a pure function of the attempt number
 * and a random source, so tests can pin the random source.
 *
 * @module
 */

/** Shape of an exponential backoff. */
export interface BackoffPolicy {
  /** Delay around the first retry. @defaultValue 200 */
  readonly initialMs: number;
  /** Upper bound on any delay. @defaultValue 30_000 */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 30_000 };

/**
 * Delay before retry number `attempt` (1-based): `initial × 2^(attempt-1)`, capped, with
 * "equal jitter" (half fixed, half random) so many clients that failed together spread out
 * without any of them retrying at once.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return base / 2 + random() * (base / 2);
}
