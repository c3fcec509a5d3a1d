/**
 * Every election decision, as one replaceable set of pure functions.
 *
 * @remarks
 * The machine (`machine/election-machine.ts`) is the chart; each of its guards, delays and
 * actions is a one-line call into this object. Tests read the functions directly, and a
 * test may hand the machine a copy with one function changed (a planted bug) to prove the
 * checks catch it. Not part of the public API.
 *
 * @module
 */
import { acquireRetry, followerWake, mayAcquire } from './acquisition-policy.js';
import { createdStanding } from './lease-view.js';
import { foldObservation } from './observation-fold.js';
import {
  answeredInTime,
  attemptTimeout,
  deadlineAfterWrite,
  deadlinePassed,
  drainBound,
  nextRoundTrip,
  releaseAfterStop,
  renewInterval,
  renewRetry,
  stillHeld,
  termDeadline,
  termEndPolicy,
  watchIdleTimeout,
  writeTimeout,
  yieldUntilAfterTerm,
} from './term-policy.js';

/** The election's decisions; see the module documentation. */
export const electionPolicy = {
  mayAcquire,
  followerWake,
  acquireRetry,
  foldObservation,
  createdStanding,
  answeredInTime,
  deadlineAfterWrite,
  deadlinePassed,
  nextRoundTrip,
  renewInterval,
  attemptTimeout,
  renewRetry,
  writeTimeout,
  termDeadline,
  drainBound,
  termEndPolicy,
  releaseAfterStop,
  yieldUntilAfterTerm,
  stillHeld,
  watchIdleTimeout,
};

/** The shape of {@link electionPolicy}. */
export type ElectionPolicy = typeof electionPolicy;
