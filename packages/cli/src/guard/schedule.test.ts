import { describe, expect, it } from 'vitest';
import { guardTiming, killPlan } from './schedule.js';

describe('guardTiming', () => {
  it("derives the margins from client-go's timing (10 s renew deadline, 5 s drain)", () => {
    expect(guardTiming({ renewDeadlineMs: 10_000, drainTimeoutMs: 5_000 })).toEqual({
      killMarginMs: 500,
      deadlineGraceMs: 4_750,
      stopGraceMs: 4_500,
    });
  });

  it('keeps the kill margin between 50 ms and 500 ms', () => {
    expect(guardTiming({ renewDeadlineMs: 600, drainTimeoutMs: 0 }).killMarginMs).toBe(50);
    expect(guardTiming({ renewDeadlineMs: 60_000, drainTimeoutMs: 0 }).killMarginMs).toBe(500);
  });

  it('caps the deadline grace at half the renew deadline, so one late renewal is tolerated', () => {
    const timing = guardTiming({ renewDeadlineMs: 1_500, drainTimeoutMs: 1_000 });
    expect(timing.deadlineGraceMs).toBe((1_500 - 75) / 2);
  });

  it('never gives a negative grace', () => {
    const timing = guardTiming({ renewDeadlineMs: 1_000, drainTimeoutMs: 0 });
    expect(timing.deadlineGraceMs).toBe(0);
    expect(timing.stopGraceMs).toBe(0);
  });
});

describe('killPlan', () => {
  const timing = { killMarginMs: 100, deadlineGraceMs: 1_000, stopGraceMs: 2_000 };

  it('without a stop: SIGKILL a margin before the deadline, SIGTERM a grace before that', () => {
    expect(killPlan({ deadline: 10_000, stopAt: null }, timing)).toEqual({
      termAt: 8_900,
      killAt: 9_900,
    });
  });

  it('after a stop: SIGTERM at once, SIGKILL after the grace', () => {
    expect(killPlan({ deadline: 10_000, stopAt: 5_000 }, timing)).toEqual({
      termAt: 5_000,
      killAt: 7_000,
    });
  });

  it('after a stop near the deadline: SIGKILL still before the deadline', () => {
    const plan = killPlan({ deadline: 10_000, stopAt: 9_500 }, timing);
    expect(plan).toEqual({ termAt: 8_900, killAt: 9_900 });
  });

  it('never kills later than the deadline less the margin, whatever the stop', () => {
    for (const stopAt of [null, 0, 3_000, 8_000, 9_950, 20_000]) {
      const plan = killPlan({ deadline: 10_000, stopAt }, timing);
      expect(plan.killAt).toBeLessThanOrEqual(9_900);
      expect(plan.termAt).toBeLessThanOrEqual(plan.killAt);
    }
  });
});
