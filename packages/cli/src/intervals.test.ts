import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { CandidateEvent } from './events.js';
import {
  failoverMs,
  failoverStats,
  findOverlaps,
  type LeadershipInterval,
  leadershipIntervals,
  processIntervals,
} from './intervals.js';

/** Seconds → ns, to keep the scenarios readable. */
const s = (seconds: number) => BigInt(Math.round(seconds * 1e9));

const leading = (identity: string, at: number, deadline?: number, fencingToken = 1) =>
  ({
    type: 'leading',
    identity,
    at: s(at),
    fencingToken,
    ...(deadline !== undefined && { deadline: s(deadline) }),
  }) as const satisfies CandidateEvent;
const renewed = (identity: string, at: number, deadline: number) =>
  ({ type: 'renewed', identity, at: s(at), deadline: s(deadline) }) as const;
const stopped = (identity: string, at: number) =>
  ({ type: 'stopped-leading', identity, at: s(at), reason: 'stop' }) as const;
const exit = (identity: string, at: number) => ({ type: 'exit', identity, at: s(at) }) as const;

const interval = (identity: string, start: number, end: number | null): LeadershipInterval => ({
  identity,
  fencingToken: null,
  start: s(start),
  end: end === null ? null : s(end),
  endedBy: end === null ? null : 'stopped-leading',
});

describe('processIntervals', () => {
  it('ends a term at stopped-leading when that comes before the deadline', () => {
    const [term] = processIntervals({
      events: [leading('a', 1, 4), renewed('a', 2, 5), stopped('a', 3)],
    });
    expect(term).toEqual({
      identity: 'a',
      fencingToken: 1,
      start: s(1),
      end: s(3),
      endedBy: 'stopped-leading',
    });
  });

  it('ends a paused leader at its last reported deadline, not at its late stopped-leading', () => {
    const [term] = processIntervals({
      events: [leading('a', 1, 4), renewed('a', 2, 5), stopped('a', 11)],
    });
    expect(term).toMatchObject({ end: s(5), endedBy: 'deadline' });
  });

  it('uses the latest deadline, and a renewal never moves it back', () => {
    const [term] = processIntervals({
      events: [leading('a', 1, 4), renewed('a', 2, 6), renewed('a', 2.5, 5.5)],
    });
    expect(term).toMatchObject({ end: s(6), endedBy: 'deadline' });
  });

  it('ends a killed leader at the kill', () => {
    const [term] = processIntervals({ events: [leading('a', 1, 4)], killedAt: s(2) });
    expect(term).toMatchObject({ end: s(2), endedBy: 'killed' });
  });

  it('ends a leader killed after its deadline at the deadline', () => {
    const [term] = processIntervals({ events: [leading('a', 1, 4)], killedAt: s(9) });
    expect(term).toMatchObject({ end: s(4), endedBy: 'deadline' });
  });

  it('ignores a kill recorded before the term began', () => {
    const [term] = processIntervals({ events: [leading('a', 5)], killedAt: s(2) });
    expect(term).toMatchObject({ end: null, endedBy: null });
  });

  it('bounds a term with no end reported by its deadline', () => {
    const [term] = processIntervals({ events: [leading('a', 1, 4)] });
    expect(term).toMatchObject({ end: s(4), endedBy: 'deadline' });
  });

  it('leaves a leader without deadlines (client-go) open until it says otherwise', () => {
    expect(processIntervals({ events: [leading('go', 1)] })[0]).toMatchObject({ end: null });
    expect(processIntervals({ events: [leading('go', 1), stopped('go', 30)] })[0]).toMatchObject({
      end: s(30),
      endedBy: 'stopped-leading',
    });
    expect(processIntervals({ events: [leading('go', 1)], killedAt: s(7) })[0]).toMatchObject({
      end: s(7),
      endedBy: 'killed',
    });
  });

  it('ends a term at exit when the process exits while leading', () => {
    const [term] = processIntervals({ events: [leading('a', 1, 10), exit('a', 2)] });
    expect(term).toMatchObject({ end: s(2), endedBy: 'exit' });
  });

  it('keeps the terms of one process apart, and ignores renewals between terms', () => {
    const terms = processIntervals({
      events: [
        leading('a', 1, 4, 1),
        stopped('a', 2),
        renewed('a', 2.5, 9),
        leading('a', 6, 9, 3),
        stopped('a', 7),
      ],
    });
    expect(terms.map((t) => [t.start, t.end, t.fencingToken])).toEqual([
      [s(1), s(2), 1],
      [s(6), s(7), 3],
    ]);
  });

  it('closes a term at the next leading if stopped-leading never came', () => {
    const terms = processIntervals({ events: [leading('a', 1), leading('a', 5)] });
    expect(terms.map((t) => t.end)).toEqual([s(5), null]);
  });

  it('never gives a term a negative length when a deadline was already past', () => {
    const [term] = processIntervals({ events: [leading('a', 5, 4)] });
    expect(term).toMatchObject({ start: s(5), end: s(5) });
  });

  it('finds nothing in a process that never led', () => {
    expect(processIntervals({ events: [exit('a', 1)], killedAt: s(2) })).toEqual([]);
  });
});

describe('leadershipIntervals', () => {
  it('merges processes, sorted by start', () => {
    const all = leadershipIntervals([
      { events: [leading('b', 5, 8), stopped('b', 6)] },
      { events: [leading('a', 1, 4), stopped('a', 2)] },
    ]);
    expect(all.map((t) => t.identity)).toEqual(['a', 'b']);
  });
});

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
