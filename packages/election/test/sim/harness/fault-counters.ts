/**
 * Counts of what the simulation actually did to the electors — faults that took effect, not
 * faults that were scheduled — so a summary can show that a run exercised what it claims.
 *
 * @module
 */

/** Every kind of event the harness counts. */
export const FAULT_KINDS = [
  'request delayed',
  'response delayed',
  'watch event delayed',
  'request lost (partition)',
  'response lost (partition)',
  'response lost (injected)',
  'request timed out',
  'request reset (partition)',
  'error 409 conflict (injected)',
  'error 5xx unavailable (injected)',
  'error 429 throttled (injected)',
  'error after commit (injected)',
  'error from store failNext',
  'watch dropped',
  'watch 410 gone (one elector)',
  'watch 410 gone (all, compacted)',
  'history compacted',
  'bookmark sent',
  'partition',
  'heal',
  'stall',
  'timer held by stall',
  'delivery held by stall',
  'crash',
  'delivery dropped (crashed)',
  'restart (new identity)',
  'restart (same identity)',
  'clock rate changed',
  'wall clock stepped',
  'stop',
  'stepDown',
  'preferredHolder changed',
  'foreign label edit',
  'lease deleted',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** A tally of {@link FaultKind}s. */
export interface FaultCounters {
  count(kind: FaultKind, by?: number): void;
  get(kind: FaultKind): number;
  /** Adds another tally into this one. */
  merge(other: FaultCounters): void;
  entries(): [FaultKind, number][];
}

export function createFaultCounters(): FaultCounters {
  const counts = new Map<FaultKind, number>();
  const counters: FaultCounters = {
    count: (kind, by = 1) => void counts.set(kind, (counts.get(kind) ?? 0) + by),
    get: (kind) => counts.get(kind) ?? 0,
    merge: (other) => {
      for (const [kind, n] of other.entries()) counters.count(kind, n);
    },
    entries: () => FAULT_KINDS.map((kind) => [kind, counts.get(kind) ?? 0]),
  };
  return counters;
}

/** A printable table of the non-zero counts, with the number of schedules they came from. */
export function formatFaultSummary(title: string, schedules: number, counters: FaultCounters) {
  const rows = counters.entries().filter(([, n]) => n > 0);
  const width = Math.max(...rows.map(([kind]) => kind.length), 10);
  const lines = rows.map(([kind, n]) => `  ${kind.padEnd(width)}  ${String(n).padStart(9)}`);
  return [`${title}: ${schedules} schedules`, ...lines].join('\n');
}
