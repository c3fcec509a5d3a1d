/** Builders of candidate events and intervals for the checker's tests. */
import type { CandidateEvent } from '../src/events.js';
import type { LeadershipInterval } from '../src/intervals.js';

/** Seconds → ns, to keep the scenarios readable. */
export const s = (seconds: number) => BigInt(Math.round(seconds * 1e9));

export const leading = (identity: string, at: number, deadline?: number, fencingToken = 1) =>
  ({
    type: 'leading',
    identity,
    at: s(at),
    fencingToken,
    ...(deadline !== undefined && { deadline: s(deadline) }),
  }) as const satisfies CandidateEvent;
export const renewed = (identity: string, at: number, deadline: number) =>
  ({ type: 'renewed', identity, at: s(at), deadline: s(deadline) }) as const;
export const stopped = (identity: string, at: number) =>
  ({ type: 'stopped-leading', identity, at: s(at), reason: 'stop' }) as const;
export const exit = (identity: string, at: number) =>
  ({ type: 'exit', identity, at: s(at) }) as const;

export const interval = (
  identity: string,
  start: number,
  end: number | null,
): LeadershipInterval => ({
  identity,
  fencingToken: null,
  start: s(start),
  end: end === null ? null : s(end),
  endedBy: end === null ? null : 'stopped-leading',
});
