/** The safety checker, part 2: overlaps between intervals, failover times and their statistics. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { CandidateEvent } from '../src/events.js';
import {
  failoverMs,
  failoverStats,
  findOverlaps,
  type LeadershipInterval,
  leadershipIntervals,
} from '../src/intervals.js';
import { interval, leading, renewed, s, stopped } from './interval-fixtures.js';

describe('findOverlaps', () => {
  it('finds two leaders at once, and the span they shared', () => {
    const [overlap, ...rest] = findOverlaps([interval('a', 1, 5), interval('b', 4, 8)]);
    expect(rest).toEqual([]);
    expect(overlap).toMatchObject({ from: s(4), to: s(5) });
    expect([overlap?.first.identity, overlap?.second.identity]).toEqual(['a', 'b']);
  });

  it('accepts touching intervals: one ends exactly when the next starts', () => {
    expect(findOverlaps([interval('a', 1, 4), interval('b', 4, 8)])).toEqual([]);
  });

  it('accepts a gap', () => {
    expect(findOverlaps([interval('b', 5, 8), interval('a', 1, 4)])).toEqual([]);
  });

  it('finds an interval nested in another', () => {
    expect(findOverlaps([interval('a', 1, 10), interval('b', 3, 4)])).toHaveLength(1);
  });

  it('treats an open interval as lasting forever', () => {
    const overlaps = findOverlaps([interval('go', 1, null), interval('b', 50, 60)]);
    expect(overlaps).toHaveLength(1);
    expect(overlaps[0]).toMatchObject({ from: s(50), to: s(60) });
    expect(findOverlaps([interval('go', 1, null), interval('b', 2, null)])[0]?.to).toBeNull();
  });

  it('does not compare an identity with itself', () => {
    expect(findOverlaps([interval('a', 1, 5), interval('a', 4, 8)])).toEqual([]);
  });

  it('ignores empty intervals', () => {
    expect(findOverlaps([interval('a', 1, 5), interval('b', 3, 3)])).toEqual([]);
  });

  it('reports every overlapping pair', () => {
    const three = [interval('a', 1, 10), interval('b', 2, 10), interval('c', 3, 10)];
    expect(findOverlaps(three)).toHaveLength(3);
  });

  it('sees a paused leader overlap only if a successor starts before its deadline', () => {
    const paused = { events: [leading('a', 1, 4), renewed('a', 2, 5), stopped('a', 12)] };
    const safe = leadershipIntervals([paused, { events: [leading('b', 6, 9)] }]);
    expect(findOverlaps(safe)).toEqual([]);
    const unsafe = leadershipIntervals([paused, { events: [leading('b', 4.5, 9)] }]);
    expect(findOverlaps(unsafe)).toHaveLength(1);
  });

  it('sees a killed leader overlap only if a successor starts before the kill', () => {
    const killed = { events: [leading('a', 1, 9)], killedAt: s(3) };
    expect(findOverlaps(leadershipIntervals([killed, { events: [leading('b', 3)] }]))).toEqual([]);
    expect(
      findOverlaps(leadershipIntervals([killed, { events: [leading('b', 2.999)] }])),
    ).toHaveLength(1);
  });

  const arbitraryInterval = fc
    .record({
      identity: fc.constantFrom('a', 'b', 'c'),
      start: fc.integer({ min: 0, max: 100 }),
      length: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
    })
    .map(({ identity, start, length }) =>
      interval(identity, start, length === null ? null : start + length),
    );

  test.prop([fc.array(arbitraryInterval, { maxLength: 12 })])(
    'agrees with the definition: different identities sharing a moment',
    (intervals) => {
      const inf = s(1_000);
      const end = (i: LeadershipInterval) => i.end ?? inf;
      let expected = 0;
      for (let i = 0; i < intervals.length; i++) {
        for (let j = i + 1; j < intervals.length; j++) {
          const a = intervals[i]!;
          const b = intervals[j]!;
          const shared = a.start < end(b) && b.start < end(a);
          if (a.identity !== b.identity && shared && end(a) > a.start && end(b) > b.start) {
            expected++;
          }
        }
      }
      expect(findOverlaps(intervals)).toHaveLength(expected);
    },
  );
});

describe('failoverMs', () => {
  const events: CandidateEvent[] = [
    leading('a', 1),
    leading('a', 11),
    leading('b', 13.5),
    leading('c', 12.25),
  ];

  it('measures from the action to the first leading line of someone else', () => {
    expect(failoverMs(s(10), 'a', events)).toBe(2_250);
  });

  it('ignores lines before the action and the victim itself', () => {
    expect(failoverMs(s(12.5), 'a', events)).toBe(1_000);
    expect(failoverMs(s(13), 'b', events)).toBeNull();
  });
});

describe('failoverStats', () => {
  it('has no figures without samples', () => {
    expect(failoverStats([])).toEqual({
      count: 0,
      min: null,
      p50: null,
      p95: null,
      p99: null,
      max: null,
    });
  });

  it('uses nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(failoverStats(samples)).toEqual({
      count: 100,
      min: 1,
      p50: 50,
      p95: 95,
      p99: 99,
      max: 100,
    });
  });

  it('handles one sample and small sets', () => {
    expect(failoverStats([7])).toMatchObject({ count: 1, p50: 7, p99: 7, max: 7 });
    expect(failoverStats([3, 1, 2])).toMatchObject({ p50: 2, p95: 3, max: 3 });
  });

  it('drops samples that are not finite', () => {
    expect(failoverStats([Number.NaN, 5, Number.POSITIVE_INFINITY])).toMatchObject({
      count: 1,
      max: 5,
    });
  });
});
