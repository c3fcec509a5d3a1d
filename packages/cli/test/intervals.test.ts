/** The safety checker, part 1: how each process's lines become leadership intervals. */
import { describe, expect, it } from 'vitest';
import { leadershipIntervals, processIntervals } from '../src/intervals.js';
import { exit, leading, renewed, s, stopped } from './interval-fixtures.js';

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
