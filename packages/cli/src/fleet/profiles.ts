/**
 * What `demo` and `chaos` share on their command line: the timing profiles and the options
 * that size a fleet (how long, how many candidates, which profile).
 *
 * @module
 */
import type { ElectionTiming } from '@leasehold/election';
import { choiceValue, durationValue, integerValue, type RawValues } from '../args.js';

/** Timing profiles: `fast` to see failovers quickly, `default` as client-go ships it. */
export const PROFILES = {
  fast: { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 },
  default: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
} as const satisfies Record<string, ElectionTiming>;

export type ProfileName = keyof typeof PROFILES;

/** What every fleet run (demo, chaos) reports about how it was set up and who died. */
export interface FleetRunOutline {
  readonly profile: ProfileName;
  readonly timing: ElectionTiming;
  readonly candidates: number;
  /** Candidates that exited without being asked to, with how. */
  readonly unexpectedExits: readonly string[];
}

/** The `parseArgs` configuration of the fleet-sizing options. */
export const FLEET_OPTIONS = {
  duration: { type: 'string' },
  candidates: { type: 'string' },
  profile: { type: 'string' },
} as const;

/** The fleet-sizing options, defaults applied. */
export interface FleetArgs {
  readonly durationMs: number;
  readonly candidates: number;
  readonly profile: ProfileName;
}

/**
 * Reads `--duration`, `--candidates` (2 to 10) and `--profile` (default `fast`).
 * @throws {@link UsageError}
 */
export function fleetArgs(
  command: string,
  values: RawValues,
  defaults: { readonly durationMs: number; readonly candidates: number },
): FleetArgs {
  return {
    durationMs: durationValue(command, values, 'duration') ?? defaults.durationMs,
    candidates: integerValue(command, values, 'candidates', 2, 10) ?? defaults.candidates,
    profile:
      choiceValue(command, values, 'profile', Object.keys(PROFILES) as ProfileName[]) ?? 'fast',
  };
}
