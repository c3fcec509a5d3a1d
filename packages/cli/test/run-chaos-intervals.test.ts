import { describe, expect, it } from 'vitest';
import {
  type CommandInterval,
  commandOverlaps,
  handovers,
  parseHeartbeats,
} from '../src/chaos/run-mode/intervals.js';

const END = 10_000n;

function interval(pid: number, start: bigint, end: bigint): CommandInterval {
  return {
    pid,
    identity: `run-${pid}`,
    token: pid,
    stubborn: false,
    start,
    end,
    endKind: 'stop',
    lastRecord: end,
    ignoredSigterm: false,
  };
}

describe('parseHeartbeats', () => {
  it('ends at the stop record of a COMMAND that stopped on SIGTERM', () => {
    const text = 'start 100 3 run-1 obliging\ntick 110\ntick 120\nstop 125\n';
    expect(parseHeartbeats(7, text, 900n, END)).toMatchObject({
      pid: 7,
      identity: 'run-1',
      token: 3,
      start: 100n,
      end: 125n,
      endKind: 'stop',
      stubborn: false,
    });
  });

  it('ends a killed COMMAND when it was seen gone, not at its last tick', () => {
    const text = 'start 100 3 run-1 stubborn\ntick 110\nsigterm 115\ntick 120\n';
    expect(parseHeartbeats(7, text, 300n, END)).toMatchObject({
      end: 300n,
      endKind: 'seen-gone',
      stubborn: true,
      ignoredSigterm: true,
      lastRecord: 120n,
    });
  });

  it('ends a COMMAND never seen gone at the end of the run', () => {
    expect(parseHeartbeats(7, 'start 100 0 run-1 obliging\n', undefined, END)).toMatchObject({
      end: END,
      endKind: 'never-seen-gone',
    });
  });

  it('never ends before the last record, and ignores torn or foreign lines', () => {
    const text = 'start 100 0 run-1 obliging\ntick 500\ntick 5\nnoise\ntick 6x\n';
    expect(parseHeartbeats(7, text, 400n, END)).toMatchObject({ end: 500n, lastRecord: 500n });
  });

  it('skips a file without a start line', () => {
    expect(parseHeartbeats(7, 'tick 5\n', 10n, END)).toBeNull();
  });
});

describe('commandOverlaps', () => {
  it('finds every pair sharing an instant, touching ends included', () => {
    const overlaps = commandOverlaps([
      interval(3, 300n, 400n),
      interval(1, 0n, 100n),
      interval(2, 100n, 2_000_000n),
    ]);
    expect(overlaps.map((o) => [o.first.pid, o.second.pid])).toEqual([
      [1, 2],
      [2, 3],
    ]);
    expect(overlaps[1]!.overlapMs).toBeCloseTo(0.0001);
  });

  it('finds none in a clean sequence', () => {
    expect(commandOverlaps([interval(1, 0n, 99n), interval(2, 100n, 200n)])).toEqual([]);
  });
});

describe('handovers', () => {
  it('measures from one end to the next start, in start order', () => {
    const result = handovers([interval(2, 3_000_000n, 4_000_000n), interval(1, 0n, 1_000_000n)]);
    expect(result.map((h) => [h.from.pid, h.to.pid, h.gapMs])).toEqual([[1, 2, 2]]);
  });
});
