/**
 * What the chaos runner did, as the checker reads it: actions on processes and faults of the
 * API server, each with its times on the machine-wide monotonic clock (ns).
 *
 * @module
 */

/** Things done to candidate processes. */
export type ActionKind =
  | 'kill-leader'
  | 'kill-follower'
  | 'pause-leader'
  | 'pause-follower'
  | 'stop-leader'
  | 'resume'
  | 'restart';

export const ACTION_KINDS: readonly ActionKind[] = [
  'kill-leader',
  'kill-follower',
  'pause-leader',
  'pause-follower',
  'stop-leader',
  'resume',
  'restart',
];

/** One action. */
export interface ActionRecord {
  readonly kind: ActionKind;
  /** Just before the signal was sent (or the process spawned). */
  readonly at: bigint;
  /** The process acted on (for `restart`: the new one). */
  readonly identity: string;
  /** For pauses: how long it is meant to stay stopped. */
  readonly pauseMs?: number;
  /** For `restart`: the identity it replaces. */
  readonly replaces?: string;
}

/** Faults injected into the API server. */
export type FaultKind =
  | 'latency'
  | 'error-500'
  | 'error-503'
  | 'error-429'
  | 'partition'
  | 'drop-watches'
  | 'stall-watches'
  | 'gone';

export const FAULT_KINDS: readonly FaultKind[] = [
  'latency',
  'error-500',
  'error-503',
  'error-429',
  'partition',
  'drop-watches',
  'stall-watches',
  'gone',
];

/** One fault, from injection to the moment it stopped affecting anything. */
export interface FaultRecord {
  readonly kind: FaultKind;
  readonly start: bigint;
  /**
   * When its effect ended: healed, undone or used up, plus whatever it still holds up after
   * that (a delayed request completes `latency` later; a 429 asks for `Retry-After`).
   * `null` while active.
   */
  end: bigint | null;
  /** Its parameters, for people: `1.2 s on every request`, `3 × 503`. */
  readonly detail: string;
}

/** Milliseconds → ns. */
export const ns = (ms: number): bigint => BigInt(Math.round(ms * 1e6));

/** ns → milliseconds. */
export const ms = (ns: bigint): number => Number(ns) / 1e6;
