import { afterEach, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from './fleet.js';

let fleets: Fleet[] = [];
const fleet = (...args: Parameters<typeof createFleet>) => {
  const f = createFleet(...args);
  fleets.push(f);
  return f;
};
afterEach(async () => {
  for (const f of fleets) await f.stopAll();
  fleets = [];
});

// Defaults: lease 15 s, renew deadline 10 s, retry 2 s, drain bound 5 s; tolerance 20 s.
describe('elector.health() (liveness)', () => {
  it('fails for a leader whose event loop was blocked past lease duration + tolerance', async () => {
    const f = fleet(1);
    const elector = f.electors[0]!;
    elector.start();
    await f.settle();
    expect(elector.health()).toMatchObject({ ok: true });
    // Last successful write was sent at 0. Blocked: no timer runs, the term does not end.
    f.clock.stall(35_000);
    expect(elector.health().ok).toBe(true);
    f.clock.stall(1);
    const failed = elector.health();
    expect(failed.ok).toBe(false);
    expect(failed.reason).toMatch(/failed election to renew leadership on lease ns\/lease/);
    expect(elector.health({ toleranceMs: 60_000 }).ok).toBe(true);
    // The loop runs again: the deadline timer ends the term first (and, alone on a released
    // Lease, the elector takes it again at once, in a new term): healthy.
    f.events[0]!.length = 0;
    await f.advance(0);
    expect(f.events[0]!.find((e) => e.type === 'term.ended')).toMatchObject({ reason: 'deadline' });
    expect(elector.health().ok).toBe(true);
  });

  it('stays healthy through an API outage, on the leader and on followers', async () => {
    const f = fleet(2);
    const [a, b] = f.electors as [
      NonNullable<(typeof f.electors)[0]>,
      NonNullable<(typeof f.electors)[0]>,
    ];
    a.start();
    await f.settle();
    b.start();
    await f.settle();
    f.cut(0);
    f.cut(1);
    for (let t = 0; t < 120; t++) {
      await f.advance(1_000);
      expect(a.health(), `leader at ${t} s`).toMatchObject({ ok: true });
      expect(b.health(), `follower at ${t} s`).toMatchObject({ ok: true });
    }
    expect(a.state.lastTermEnd).toBe('deadline');
  });

  it('fails when stepping down outlasts its bound (drain 5 s + release 10 s + tolerance)', async () => {
    const f = fleet(1);
    const elector = f.electors[0]!;
    elector.start();
    await f.settle();
    f.cut(0); // the release will hang
    void elector.stepDown();
    await f.settle();
    expect(elector.state.role).toBe('stepping-down');
    f.clock.stall(35_000);
    expect(elector.health().ok).toBe(true);
    f.clock.stall(1);
    expect(elector.health()).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/stepping down/),
    });
    await f.advance(0);
    expect(elector.state.role).toBe('follower');
    expect(elector.health().ok).toBe(true);
  });

  it('fails when stop() does not settle within its bound', async () => {
    const f = fleet(1);
    const elector = f.electors[0]!;
    f.cutWrites(0); // a candidate whose acquiring write never answers
    elector.start();
    await f.settle();
    expect(elector.state.role).toBe('candidate');
    void elector.stop();
    await f.settle();
    f.clock.stall(45_000); // write bound 10 s + step-down bounds 5 s + 10 s + tolerance 20 s
    expect(elector.health().ok).toBe(true);
    f.clock.stall(1);
    expect(elector.health()).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/stop\(\)/),
    });
    await f.advance(20_000);
    expect(elector.state.role).toBe('stopped');
    expect(elector.health()).toEqual({ ok: true, reason: 'stopped' });
  });
});

describe('elector.readiness()', () => {
  it('is ready once the Lease has been listed, and stays ready through an outage', async () => {
    const f = fleet(1);
    const elector = f.electors[0]!;
    expect(elector.readiness().ok).toBe(false);
    f.cut(0);
    elector.start();
    await f.advance(5_000);
    expect(elector.readiness()).toEqual({ ok: false, reason: 'lease not listed yet' });
    f.heal(0);
    await f.advance(30_000);
    expect(elector.readiness().ok).toBe(true);
    f.cut(0);
    await f.advance(30_000);
    expect(elector.readiness().ok).toBe(true);
  });
});
