/**
 * Named network conditions, so a schedule says `link(c1, wan)` rather than a tuple of ranges.
 *
 * @module
 */
import type { LinkProfile } from './transport.js';

export const LINK_PROFILES = {
  /** Answers on the next event: the in-memory store's own behaviour. */
  instant: { requestMs: [0, 0], responseMs: [0, 0], watchMs: [0, 0] },
  /** A cluster network. */
  lan: { requestMs: [1, 5], responseMs: [1, 5], watchMs: [1, 10] },
  /** A loaded API server or a distant one. */
  wan: { requestMs: [20, 300], responseMs: [20, 300], watchMs: [20, 600] },
  /** A struggling control plane: seconds per request, watch events lagging further. */
  congested: { requestMs: [200, 3_000], responseMs: [200, 3_000], watchMs: [500, 8_000] },
  /**
   * Writes land and are seen at once, but their answers come back late (a congested return
   * path): the window between a write's application and its answer, where a deadline counted
   * from the answer instead of the send outlives the followers' wait.
   */
  slowAnswers: { requestMs: [1, 5], responseMs: [200, 600], watchMs: [1, 10] },
  /** Fast requests, but a watch that lags far behind (a slow informer, a backed-up proxy). */
  laggingWatch: { requestMs: [1, 20], responseMs: [1, 20], watchMs: [1_000, 20_000] },
} as const satisfies Record<string, LinkProfile>;

export type LinkProfileName = keyof typeof LINK_PROFILES;

export const LINK_PROFILE_NAMES = Object.keys(LINK_PROFILES) as LinkProfileName[];

/** The largest request + response + watch delay of a profile: one full round trip, seen. */
export function worstRoundTripMs(profile: LinkProfile): number {
  return profile.requestMs[1] + profile.responseMs[1] + profile.watchMs[1];
}
