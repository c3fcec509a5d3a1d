/**
 * The chaos checker's analysis: leaderless gaps, which faults explain them, the fault-free
 * stretch held against the limit, and what ended each term.
 */
import { describe, expect, it } from 'vitest';
import {
  type AttributionTiming,
  causingAction,
  classifyGap,
  failoverSamples,
  leaderlessGaps,
  longestFaultFreeStretch,
  survivedPauses,
} from '../src/chaos/analysis.js';
import { Prng } from '../src/chaos/prng.js';
import type { ActionRecord, FaultKind, FaultRecord } from '../src/chaos/timeline.js';
import { interval, s } from './interval-fixtures.js';

const fault = (kind: FaultKind, start: number, end: number | null): FaultRecord => ({
  kind,
  start: s(start),
  end: end === null ? null : s(end),
  detail: kind,
});

const action = (
  kind: ActionRecord['kind'],
  identity: string,
  at: number,
  pauseMs?: number,
): ActionRecord => ({
  kind,
  identity,
  at: s(at),
  ...(pauseMs !== undefined && { pauseMs }),
});

/** The fast profile: lease 4 s, renew deadline 3 s; faults count up to a lease before a gap. */
const TIMING: AttributionTiming = {
  leaseDurationNs: s(4),
  renewDeadlineNs: s(3),
  lookbackNs: s(4),
};

describe('leaderlessGaps', () => {
  it('finds the stretches no interval covers, and the term that opened each', () => {
    const a = interval('a', 1, 5);
    const b = interval('b', 7, 10);
    const c = interval('c', 10, 12);
    const gaps = leaderlessGaps([c, a, b], s(1), s(15));
    expect(gaps).toEqual([
      { start: s(5), end: s(7), open: false, after: a },
      { start: s(12), end: s(15), open: true, after: c },
    ]);
  });

  it('merges overlapping intervals and ignores empty ones', () => {
    const gaps = leaderlessGaps(
      [interval('a', 1, 6), interval('b', 2, 4), interval('x', 8, 8), interval('c', 9, null)],
      s(1),
      s(20),
    );
    expect(gaps.map((g) => [g.start, g.end, g.after?.identity])).toEqual([[s(6), s(9), 'a']]);
  });

  it('an open interval covers the rest of the window; intervals past its end do not count', () => {
    expect(leaderlessGaps([interval('a', 1, null)], s(1), s(5))).toEqual([]);
    expect(leaderlessGaps([interval('a', 1, 2), interval('b', 6, null)], s(1), s(5))).toEqual([
      { start: s(2), end: s(5), open: true, after: expect.objectContaining({ identity: 'a' }) },
    ]);
  });

  it('no interval at all: the whole window is one open gap', () => {
    expect(leaderlessGaps([], s(0), s(3))).toEqual([
      { start: s(0), end: s(3), open: true, after: null },
    ]);
  });
});

describe('longestFaultFreeStretch', () => {
  it('is the whole span when no fault touches it', () => {
    expect(longestFaultFreeStretch(s(10), s(15), [fault('partition', 1, 5)])).toBe(s(5));
  });

  it('is the longest part before, between or after the faults', () => {
    const faults = [fault('latency', 11, 12), fault('partition', 13, 14), fault('gone', 11.5, 12)];
    expect(longestFaultFreeStretch(s(10), s(20), faults)).toBe(s(6));
    expect(longestFaultFreeStretch(s(10), s(15), faults)).toBe(s(1));
  });

  it('a fault still active at the end covers the rest', () => {
    expect(longestFaultFreeStretch(s(10), s(20), [fault('partition', 12, null)])).toBe(s(2));
  });

  it('an instantaneous fault covers nothing', () => {
    expect(longestFaultFreeStretch(s(10), s(16), [fault('drop-watches', 12, 12)])).toBe(s(4));
  });
});

describe('classifyGap', () => {
  const gap = { start: s(10), end: s(18), open: false, after: null };

  it('a gap during a partition is explained; only what follows the heal is held against the limit', () => {
    const classified = classifyGap(gap, [fault('partition', 9, 16)], TIMING.lookbackNs);
    expect(classified.explainedBy.map((f) => f.kind)).toEqual(['partition']);
    expect(classified.unexplainedNs).toBe(s(2));
  });

  it('a fault that ended within a lease duration before the gap explains it, but covers none of it', () => {
    const classified = classifyGap(gap, [fault('error-503', 5, 7)], TIMING.lookbackNs);
    expect(classified.explainedBy.map((f) => f.kind)).toEqual(['error-503']);
    expect(classified.unexplainedNs).toBe(s(8));
  });

  it('faults long before, or after the gap, do not explain it', () => {
    const classified = classifyGap(
      gap,
      [fault('latency', 1, 5.9), fault('stall-watches', 18.5, 20)],
      TIMING.lookbackNs,
    );
    expect(classified.explainedBy).toEqual([]);
    expect(classified.unexplainedNs).toBe(s(8));
  });
});

describe('failoverSamples', () => {
  it('a kill ends the term at the kill time; the failover runs to the next term', () => {
    const a = { ...interval('a', 0, 10), endedBy: 'killed' as const };
    const b = interval('b', 13.5, null);
    const [sample] = failoverSamples([a, b], [action('kill-leader', 'a', 10)], [], TIMING, s(20));
    expect(sample).toMatchObject({ kind: 'kill', victim: 'a', successor: 'b', faults: [] });
    expect(sample!.to! - sample!.from).toBe(s(3.5));
  });

  it('a graceful stop and a pause are timed from the signal, not from the end of the term', () => {
    const intervals = [
      interval('a', 0, 10.02),
      interval('b', 10.1, 20.5),
      interval('c', 23.6, null),
    ];
    const actions = [action('stop-leader', 'a', 10), action('pause-leader', 'b', 18, 6_000)];
    const samples = failoverSamples(intervals, actions, [], TIMING, s(30));
    expect(samples.map((x) => [x.kind, x.victim, x.successor, x.to! - x.from])).toEqual([
      ['graceful', 'a', 'b', s(0.1)],
      ['pause', 'b', 'c', s(5.6)],
    ]);
  });

  it('a follower action on a process that was in fact leading counts by what was done', () => {
    const samples = failoverSamples(
      [interval('a', 0, 10), interval('b', 12, null)],
      [action('kill-follower', 'a', 10)],
      [],
      TIMING,
      s(30),
    );
    expect(samples[0]?.kind).toBe('kill');
  });

  it('a term lost with no action is fault-induced when a fault was active in the lease before, else of no known cause', () => {
    const intervals = [
      interval('a', 0, 10),
      interval('a', 12, 20),
      interval('b', 21, 40),
      interval('c', 41, null),
    ];
    const faults = [fault('partition', 8, 11), fault('stall-watches', 40.5, 41)];
    const samples = failoverSamples(intervals, [], faults, TIMING, s(50));
    expect(samples.map((x) => [x.kind, x.successor, x.faults.map((f) => f.kind)])).toEqual([
      ['fault', 'a', ['partition']],
      ['unprovoked', 'b', []],
      ['unprovoked', 'c', ['stall-watches']],
    ]);
  });

  it('terms still running, or ended after the observed window, are not failovers', () => {
    const samples = failoverSamples(
      [interval('a', 0, 10), interval('b', 11, null)],
      [],
      [],
      TIMING,
      s(9),
    );
    expect(samples).toEqual([]);
  });

  it('a term that ends with nobody after it has no successor', () => {
    const samples = failoverSamples([interval('a', 0, 10)], [], [], TIMING, s(20));
    expect(samples[0]).toMatchObject({ successor: null, to: null });
  });
});

describe('causingAction', () => {
  const term = interval('a', 0, 10);

  it('takes the latest action on the process whose effect can reach the end of the term', () => {
    const actions = [
      action('pause-leader', 'a', 2, 500),
      action('kill-leader', 'b', 10),
      action('stop-leader', 'a', 9.9),
    ];
    expect(causingAction(term, actions, TIMING)?.kind).toBe('stop-leader');
  });

  it('a short pause long before the end did not end the term', () => {
    expect(causingAction(term, [action('pause-leader', 'a', 2, 500)], TIMING)).toBeNull();
  });

  it('a pause ends a term up to a renew deadline after it began, or while it lasts', () => {
    expect(causingAction(term, [action('pause-leader', 'a', 7.5, 500)], TIMING)).not.toBeNull();
    expect(causingAction(term, [action('pause-leader', 'a', 1, 8_000)], TIMING)).not.toBeNull();
  });

  it('a kill after the term ended on its own (at its deadline) did not end it', () => {
    expect(causingAction(term, [action('kill-leader', 'a', 11)], TIMING)).toBeNull();
  });
});

describe('survivedPauses', () => {
  it('counts pauses of a leader that did not end its term', () => {
    const intervals = [interval('a', 0, 10), interval('b', 12, null)];
    const actions = [
      action('pause-leader', 'a', 2, 500),
      action('pause-follower', 'b', 5, 500),
      action('kill-leader', 'a', 10),
    ];
    const samples = failoverSamples(intervals, actions, [], TIMING, s(20));
    expect(survivedPauses(intervals, actions, samples).map((a) => a.at)).toEqual([s(2)]);
  });
});

describe('Prng', () => {
  it('one seed, one sequence; another seed, another sequence', () => {
    const draw = (seed: number) =>
      Array.from({ length: 5 }, () => new Prng(seed)).map((p) => p.next());
    const sequence = (seed: number) => {
      const prng = new Prng(seed);
      return Array.from({ length: 8 }, () => prng.int(0, 1_000));
    };
    expect(sequence(42)).toEqual(sequence(42));
    expect(sequence(42)).not.toEqual(sequence(43));
    expect(new Set(draw(7)).size).toBe(1);
  });

  it('draws stay in range; weighted choices skip zero weights', () => {
    const prng = new Prng(1);
    for (let i = 0; i < 1_000; i++) {
      const x = prng.between(2, 3);
      expect(x >= 2 && x < 3).toBe(true);
      expect(prng.int(1, 2)).toBeOneOf([1, 2]);
      expect(prng.weighted({ a: 0, b: 1, c: 0 })).toBe('b');
    }
    expect(prng.weighted({ a: 0 })).toBeUndefined();
  });
});
