/**
 * Every timing rule of the safety argument, tested where a request's send, its application by
 * the server and its answer happen at different instants — and at each boundary, one tick
 * either side. (On a zero-latency store these instants coincide, and a rule measured from the
 * wrong one passes.)
 *
 * The rules (docs/safety.md, "The timing argument"):
 * - a leader leads until `t_send + renewDeadline` of its last successful write (renewal or
 *   acquisition), on its own clock — never from the answer;
 * - a follower takes over no earlier than `t_obs + leaseDuration` (the holder's duration),
 *   `t_obs` being when it saw the record change — late watch events only delay it;
 * - an acquisition answered at or after `t_send + renewDeadline` never starts a term;
 * - with clock rates within ρ, `ρ · renewDeadline < leaseDuration` keeps the windows apart;
 *   at equality they touch, beyond it they overlap;
 * - a release writes only after a fresh read shows we still hold the Lease.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ElectionTiming } from '../../src/core/config.js';
import type { LeaderElector } from '../../src/handle/leader-elector.js';
import { type TimingFixture, timingFixture } from './fixture.js';
import { ratedClock } from './rated-clock.js';

const CLIENT_GO: ElectionTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};
/** 100 ms of margin between the leader's window and a follower's: a late answer crosses it. */
const THIN: ElectionTiming = {
  leaseDurationMs: 3_000,
  renewDeadlineMs: 2_900,
  retryPeriodMs: 1_000,
};
/** ρ limit 1.2. */
const TIGHT: ElectionTiming = {
  leaseDurationMs: 6_000,
  renewDeadlineMs: 5_000,
  retryPeriodMs: 1_000,
};

let fixtures: TimingFixture[] = [];
const fixture = (timing: ElectionTiming) => {
  const f = timingFixture(timing);
  fixtures.push(f);
  return f;
};
afterEach(async () => {
  for (const f of fixtures) await f.dispose();
  fixtures = [];
});

const holder = (f: TimingFixture) => f.store.current()?.record.holderIdentity ?? null;

/** Steps real time 1 ms at a time through `[from, to]`; returns the instants both led. */
async function overlaps(
  f: TimingFixture,
  a: LeaderElector,
  b: LeaderElector,
  from: number,
  to: number,
) {
  const both: number[] = [];
  await f.advanceTo(from);
  for (let t = from; t <= to; t++) {
    if (t > from) await f.advance(1);
    if (a.isLeader && b.isLeader) both.push(t);
  }
  return both;
}

/** Whether the leader reports isLeader at t−1, t and t+1 (real ms). */
async function leadsAround(f: TimingFixture, elector: LeaderElector, t: number) {
  await f.advanceTo(t - 1);
  const before = elector.isLeader;
  await f.advance(1);
  const at = elector.isLeader;
  await f.advance(1);
  return [before, at, elector.isLeader];
}

describe('a renewal: the deadline runs from its send, not its answer', () => {
  it('answer 1.5 s after the send: the deadline is send + renewDeadline, to the ms', async () => {
    const f = fixture(CLIENT_GO);
    const { elector: a, link } = f.add('a');
    a.start();
    await f.settle();
    expect(a.state.deadline).toBe(10_000);
    link.delayNext('replace', { responseMs: 1_500 });
    await f.advanceTo(3_499);
    // [0] is the acquisition (the Lease is pre-created, so it is a replace too).
    const renewal = link.calls.filter((c) => c.method === 'replace')[1]!;
    expect(renewal).toMatchObject({ sentAt: 2_000, appliedAt: 2_000, answeredAt: null });
    expect(a.state.deadline).toBe(10_000); // not yet answered: the old deadline holds
    await f.advance(1);
    expect(renewal.answeredAt).toBe(3_500);
    expect(a.state.deadline).toBe(12_000);
    link.partition(); // nothing more gets through: the deadline of that renewal must hold
    expect(await leadsAround(f, a, 12_000)).toEqual([true, false, false]);
    expect(a.state.lastTermEnd).toBe('deadline');
  });

  it('a follower beside it: the leader stops before the follower starts, however late the answer', async () => {
    const f = fixture(THIN);
    const { elector: a, link } = f.add('a');
    const { elector: b } = f.add('b');
    a.start();
    await f.settle();
    b.start();
    await f.settle();
    // The renewal at 1000 is applied (and seen by b) at once; its answer takes 400 ms.
    link.delayNext('replace', { responseMs: 400 });
    await f.advanceTo(1_400);
    expect(a.state.deadline).toBe(1_000 + 2_900);
    link.partition();
    expect(await overlaps(f, a, b, 3_800, 4_500)).toEqual([]);
    expect(a.state.lastTermEnd).toBe('deadline');
    expect(b.isLeader).toBe(true);
    expect(b.term?.fencingToken).toBe(2); // the pre-created Lease's first term had token 1
  });

  it('renewals answered only after the deadline do not extend the term', async () => {
    const f = fixture(CLIENT_GO);
    const { elector: a, link } = f.add('a');
    a.start();
    await f.settle();
    const first = a.term!;
    // Every renewal reaches the server at once, but its answer comes 9 s later: each attempt
    // is abandoned, and no answer arrives before the acquisition's deadline.
    for (let i = 0; i < 20; i++) link.delayNext('replace', { responseMs: 9_000 });
    await f.advanceTo(9_999);
    expect(
      link.calls.filter((c) => c.method === 'replace' && c.appliedAt !== null).length,
    ).toBeGreaterThan(0);
    expect(first.signal.aborted).toBe(false);
    expect(a.isLeader).toBe(true);
    await f.advance(1);
    expect(first.signal.aborted).toBe(true);
    expect(a.term?.fencingToken ?? null).not.toBe(first.fencingToken);
    await f.advanceTo(12_000); // the late answers arrive: the old term stays over
    expect(a.term?.fencingToken ?? null).not.toBe(first.fencingToken);
  });
});

describe('an acquisition: the deadline runs from its send, not its answer', () => {
  it('answer 400 ms after the send, then cut off: leads until send + renewDeadline, never beside its successor', async () => {
    const f = fixture(THIN);
    const { elector: a, link } = f.add('a');
    const { elector: b } = f.add('b');
    link.delayNext('replace', { responseMs: 400 }); // the pre-created Lease's acquisition
    a.start();
    await f.settle();
    expect(f.store.current()?.record.holderIdentity).toBe('a'); // applied at 0
    b.start();
    await f.settle(); // b saw a's record at 0
    expect(a.isLeader).toBe(false); // the answer is still on its way
    await f.advanceTo(400);
    expect(a.isLeader).toBe(true);
    expect(a.state.deadline).toBe(2_900);
    link.partition();
    expect(await leadsAround(f, a, 2_900)).toEqual([true, false, false]);
    expect(await overlaps(f, a, b, 2_901, 3_500)).toEqual([]);
    expect(b.isLeader).toBe(true);
  });

  it.each([
    [9_999, true],
    [10_000, false],
    [10_001, false],
  ])(
    'answered %i ms after the send (renew deadline 10 s): the first term (token 1) leads %s, and never past send + 10 s',
    async (answerMs, leads) => {
      const f = fixture(CLIENT_GO);
      const { elector: a, link } = f.add('a');
      link.delayNext('replace', { responseMs: answerMs }); // acquiring the pre-created Lease
      const terms: { at: number; role: string; token: number | undefined; aborted: boolean }[] = [];
      a.state$.subscribe((s) =>
        terms.push({
          at: f.clock.now(),
          role: s.role,
          token: s.term?.fencingToken,
          aborted: s.term?.signal.aborted ?? false,
        }),
      );
      a.start();
      await f.settle();
      await f.advanceTo(9_998);
      expect(a.isLeader).toBe(false);
      await f.advanceTo(9_999);
      expect(a.isLeader).toBe(leads);
      const zero = a.term;
      await f.advanceTo(10_000);
      // The term its write started (token 1) is over by send + renewDeadline; a later term
      // (after releasing, it may take the Lease again) has a token of its own.
      expect(a.term?.fencingToken ?? null).not.toBe(1);
      if (zero) expect(zero.signal.aborted).toBe(true);
      await f.advanceTo(10_002);
      expect(a.term?.fencingToken ?? null).not.toBe(1);
      const ledWithZero = terms.filter((t) => t.role === 'leader' && t.token === 1);
      expect(ledWithZero.length > 0).toBe(leads);
      expect(ledWithZero.every((t) => t.at < 10_000)).toBe(true);
    },
  );
});

describe('a follower: waits leaseDuration from when it saw the record change', () => {
  /** A record held by someone else, written as another client would. */
  const foreign = (f: TimingFixture, holderIdentity: string, seconds: number, renewTime: string) =>
    f.store.write({
      metadata: { name: 'lease', namespace: 'ns' },
      spec: {
        holderIdentity,
        leaseDurationSeconds: seconds,
        acquireTime: '2026-01-01T00:00:00.000000Z',
        renewTime,
        leaseTransitions: 4,
      },
    });
  const writesBy = (f: TimingFixture, identity: string) =>
    f.store.writes.filter((w) => w.lease?.record.holderIdentity === identity);

  it('seen at once: no write before t_obs + leaseDuration, leads at it', async () => {
    const f = fixture(CLIENT_GO);
    foreign(f, 'ghost', 15, '2026-01-01T00:00:00.000000Z');
    const { elector: b } = f.add('b');
    b.start();
    await f.settle();
    await f.advanceTo(14_999);
    expect(writesBy(f, 'b')).toEqual([]);
    expect(b.isLeader).toBe(false);
    await f.advance(1);
    expect(b.isLeader).toBe(true);
    expect(writesBy(f, 'b')[0]?.atMs).toBe(15_000);
  });

  it('a renewal seen 700 ms late: the wait runs from the late observation', async () => {
    const f = fixture(CLIENT_GO);
    foreign(f, 'ghost', 15, '2026-01-01T00:00:00.000000Z');
    const { elector: b, link } = f.add('b');
    b.start();
    await f.settle();
    link.setWatchDelay(700);
    await f.advanceTo(5_000);
    foreign(f, 'ghost', 15, '2026-01-01T00:00:05.000000Z'); // committed at 5000, seen at 5700
    await f.advanceTo(20_699);
    expect(writesBy(f, 'b')).toEqual([]);
    await f.advance(1);
    expect(b.isLeader).toBe(true);
    expect(writesBy(f, 'b')[0]?.atMs).toBe(20_700);
  });

  it("the holder's own duration (20 s) counts, not ours (15 s)", async () => {
    const f = fixture(CLIENT_GO);
    foreign(f, 'ghost', 20, '2026-01-01T00:00:00.000000Z');
    const { elector: b } = f.add('b');
    b.start();
    await f.settle();
    await f.advanceTo(19_999);
    expect(writesBy(f, 'b')).toEqual([]);
    await f.advance(1);
    expect(b.isLeader).toBe(true);
  });

  it('the list answered late: the wait runs from the answer', async () => {
    const f = fixture(CLIENT_GO);
    foreign(f, 'ghost', 15, '2026-01-01T00:00:00.000000Z');
    const { elector: b, link } = f.add('b');
    link.delayNext('list', { requestMs: 300, responseMs: 900 });
    b.start();
    await f.settle();
    await f.advanceTo(1_200 + 15_000 - 1);
    expect(writesBy(f, 'b')).toEqual([]);
    await f.advance(1);
    expect(b.isLeader).toBe(true);
  });
});

describe('clock rates: ρ · renewDeadline < leaseDuration, at the bound and one tick either side', () => {
  /**
   * a leads on a clock running at num/den of real time, b follows on real time; a is cut off
   * right after acquiring, so a's term ends at local 5000 and b may take over at real 6000.
   */
  async function handover(num: number, den: number) {
    const f = fixture(TIGHT);
    const { elector: a, link } = f.add('a', { clock: ratedClock(f.clock, num, den) });
    const { elector: b } = f.add('b');
    a.start();
    await f.settle();
    b.start();
    await f.settle();
    expect(a.isLeader).toBe(true);
    link.partition();
    const both = await overlaps(f, a, b, 5_900, 6_100);
    expect(b.isLeader).toBe(true);
    return both;
  }

  it('a slower by just under the tolerated ratio (ρ = 6000/5001): a stops 1 ms before b starts', async () => {
    expect(await handover(5_001, 6_000)).toEqual([]);
  });

  it('at the ratio itself (ρ = 6/5): the windows touch and do not overlap', async () => {
    expect(await handover(5, 6)).toEqual([]);
  });

  it('one tick beyond (ρ = 6000/4999): both lead at once — the assumption is needed', async () => {
    expect((await handover(4_999, 6_000)).length).toBeGreaterThan(0);
  });
});

describe('a release: writes only if a fresh read shows we still hold the Lease', () => {
  it('a leader cut off past its deadline, whose release reaches the server after a successor took over, leaves the successor alone', async () => {
    const f = fixture(CLIENT_GO);
    const { elector: a, link } = f.add('a');
    const { elector: b } = f.add('b');
    a.start();
    await f.settle();
    b.start();
    await f.settle();
    await f.advanceTo(2_001); // renewed at 2000, seen by b at 2000
    link.partition(); // a's calls are held, not lost
    await f.advanceTo(12_000);
    expect(a.isLeader).toBe(false);
    expect(a.state.lastTermEnd).toBe('deadline');
    await f.advanceTo(17_000);
    expect(b.isLeader).toBe(true);
    const succession = f.store.current()!;
    link.heal(); // a's release read reaches the server now
    await f.advance(10);
    const releaseRead = link.calls.find((c) => c.method === 'get' && c.sentAt >= 12_000);
    expect(releaseRead?.appliedAt).toBe(17_000); // the dangerous ordering was reached
    expect(holder(f)).toBe('b');
    expect(f.store.current()?.resourceVersion).toBe(succession.resourceVersion);
    expect(b.isLeader).toBe(true);
    await f.advance(30_000);
    expect(b.isLeader).toBe(true);
    expect(b.term?.fencingToken).toBe(2); // the pre-created Lease's first term had token 1
  });
});
