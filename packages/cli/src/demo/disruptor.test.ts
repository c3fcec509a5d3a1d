/**
 * The demo's disruptions against a fake fleet: a failover is measured only once another
 * candidate leads; what has not played out when the run ends is reported as in flight (never
 * as a zero count), and nothing is measured after the stop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { monotonicNow } from '../events.js';
import { type Candidate, candidateRecord, type Fleet } from '../fleet/candidates.js';
import { Disruptor } from './disruptor.js';
import { formatSummary } from './summary.js';

const TIMING = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 };
const FAR = 3_600n * 1_000_000_000n;

function candidate(identity: string, leader: boolean): Candidate {
  if (!leader) return candidateRecord(identity, 1);
  const now = monotonicNow();
  return {
    ...candidateRecord(identity, 1),
    role: 'leader',
    fencingToken: 0,
    deadline: now + FAR,
    leadingSince: now,
  };
}

let disruptor: Disruptor | undefined;
afterEach(() => disruptor?.stop());

/** One leader `a` and followers `b`, `c`; signals only change the recorded state. */
function world() {
  const all = [candidate('a', true), candidate('b', false), candidate('c', false)];
  const fleet = {
    all,
    spawn: () => candidate('new', false),
    signal: (c: Candidate, signal: string) => {
      const at = monotonicNow();
      const states: Record<string, Candidate['state']> = {
        SIGKILL: 'killed',
        SIGTERM: 'stopping',
        SIGSTOP: 'paused',
        SIGCONT: 'running',
      };
      c.state = states[signal]!;
      if (signal === 'SIGKILL' || signal === 'SIGTERM') c.deadline = null;
      return at;
    },
  } as unknown as Fleet;
  disruptor = new Disruptor({ fleet, timing: TIMING, restartDelayMs: 60_000, log: () => {} });
  const lead = (c: Candidate) => {
    c.deadline = monotonicNow() + FAR;
    c.leadingSince = monotonicNow();
    disruptor!.onEvent(c, {
      type: 'leading',
      identity: c.identity,
      at: monotonicNow(),
      fencingToken: 1,
    } as never);
  };
  return { all, disruptor, lead };
}

function summaryOf(d: Disruptor) {
  return formatSummary({
    ranMs: 1_000,
    profile: 'fast',
    timing: TIMING,
    candidates: 3,
    samples: d.samples,
    inFlight: d.inFlight(monotonicNow()),
    intervalsChecked: 1,
    overlaps: [],
    unexpectedExits: [],
  }).join('\n');
}

describe('Disruptor in-flight actions', () => {
  it('reports a graceful stop with no successor yet as in flight, and counts it once one leads', () => {
    const { all, disruptor: d, lead } = world();
    expect(d.act()).toBe(true); // graceful stop of a
    expect(d.inFlight(monotonicNow())).toMatchObject([
      { kind: 'graceful', victim: 'a', awaitingSuccessor: true, stillPaused: false },
    ]);
    expect(summaryOf(d)).toMatch(/^ {2}graceful stop \(SIGTERM\) +0 +- +- +1$/m);
    expect(summaryOf(d)).toMatch(/still in flight at the end: 1 \(not counted above\)/);
    expect(summaryOf(d)).toMatch(/graceful stop \(SIGTERM\) → a, sent .* before the end: no other/);

    lead(all[1]!);
    expect(d.samples).toHaveLength(1);
    expect(d.inFlight(monotonicNow())).toEqual([]);
    expect(summaryOf(d)).toMatch(/^ {2}graceful stop \(SIGTERM\) +1 .* 0$/m);
    expect(summaryOf(d)).toMatch(/still in flight at the end: none/);
  });

  it('a crash pending at the stop stays in flight: a later leader is not measured', () => {
    const { all, disruptor: d, lead } = world();
    d.act(); // graceful → a
    lead(all[1]!);
    d.act(); // crash → b
    d.stop();
    lead(all[2]!);
    expect(d.samples.map((s) => s.kind)).toEqual(['graceful']);
    expect(d.inFlight(monotonicNow())).toMatchObject([{ kind: 'crash', victim: 'b' }]);
    expect(summaryOf(d)).toMatch(/^ {2}crash \(SIGKILL\) +0 +- +- +1$/m);
  });

  it('a paused leader not yet resumed is in flight after its failover completed', () => {
    const { all, disruptor: d, lead } = world();
    d.act(); // graceful → a
    lead(all[1]!);
    d.act(); // crash → b
    lead(all[2]!);
    d.act(); // pause → c
    expect(d.inFlight(monotonicNow())).toMatchObject([
      { kind: 'pause', victim: 'c', awaitingSuccessor: true, stillPaused: true },
    ]);
    const successor = candidate('d', false);
    all.push(successor);
    lead(successor);
    expect(d.inFlight(monotonicNow())).toMatchObject([
      { kind: 'pause', victim: 'c', awaitingSuccessor: false, stillPaused: true },
    ]);
    expect(summaryOf(d)).toMatch(/pause \(SIGSTOP\) → c, sent .*: still paused, not yet resumed/);
    expect(summaryOf(d)).toMatch(/^ {2}pause \(SIGSTOP\) +1 .* 0$/m);
  });
});
