import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { parseLease } from './lease-record.js';
import {
  answeredInTime,
  attemptTimeout,
  deadlineAfterWrite,
  deadlinePassed,
  drainBound,
  nextRoundTrip,
  releaseAfterStop,
  renewInterval,
  renewRetry,
  stillHeld,
  termDeadline,
  termEndPolicy,
  watchIdleTimeout,
  writeTimeout,
  yieldUntilAfterTerm,
} from './term-policy.js';

// leaseDuration 15 s, renewDeadline 10 s, retryPeriod 2 s, drain 5 s.
const config = resolveConfig({ name: 'l', namespace: 'ns', identity: 'me' });
const times = fc.integer({ min: 0, max: 1e12 });
const span = fc.integer({ min: 0, max: 1e6 });

describe('the deadline after a write', () => {
  it('counts from the send, not the answer', () => {
    expect(deadlineAfterWrite({ sentAt: 1_000, answeredAt: 4_000 }, null, config)).toBe(11_000);
  });

  it.each([
    { previous: null, sentAt: 5_000, expected: 15_000 },
    { previous: 14_000, sentAt: 5_000, expected: 15_000 },
    { previous: 15_000, sentAt: 5_000, expected: 15_000 },
    { previous: 15_001, sentAt: 5_000, expected: 15_001 },
  ])(
    'renewal sent at $sentAt after deadline $previous → $expected',
    ({ previous, sentAt, expected }) => {
      expect(deadlineAfterWrite({ sentAt, answeredAt: sentAt + 300 }, previous, config)).toBe(
        expected,
      );
    },
  );

  test.prop([times, span, span])(
    'never depends on when the answer came, and never moves backwards',
    (sentAt, wait, back) => {
      const previous = sentAt + config.renewDeadlineMs + back;
      const a = deadlineAfterWrite({ sentAt, answeredAt: sentAt }, previous, config);
      const b = deadlineAfterWrite({ sentAt, answeredAt: sentAt + wait }, previous, config);
      expect(a).toBe(b);
      expect(a).toBeGreaterThanOrEqual(previous);
      expect(deadlineAfterWrite({ sentAt, answeredAt: sentAt + wait }, null, config)).toBe(
        sentAt + config.renewDeadlineMs,
      );
    },
  );
});

describe('an acquisition answered in time', () => {
  it.each([
    { wait: 0, inTime: true },
    { wait: 9_999, inTime: true },
    { wait: 10_000, inTime: false },
    { wait: 10_001, inTime: false },
  ])('answered $wait ms after sending: $inTime', ({ wait, inTime }) => {
    expect(answeredInTime({ sentAt: 7_000, answeredAt: 7_000 + wait }, config)).toBe(inTime);
  });

  test.prop([times, span])(
    'is in time exactly when the answer precedes its own deadline',
    (sentAt, wait) => {
      const write = { sentAt, answeredAt: sentAt + wait };
      expect(answeredInTime(write, config)).toBe(
        write.answeredAt < deadlineAfterWrite(write, null, config),
      );
    },
  );
});

describe('a passed deadline', () => {
  it.each([
    { deadline: null, now: 1e9, passed: false },
    { deadline: 10_000, now: 9_999, passed: false },
    { deadline: 10_000, now: 10_000, passed: true },
    { deadline: 10_000, now: 10_001, passed: true },
  ])('deadline $deadline at $now: $passed', ({ deadline, now, passed }) => {
    expect(deadlinePassed(deadline, now)).toBe(passed);
  });

  it.each([
    { now: 9_999, delay: 1 },
    { now: 10_000, delay: 0 },
    { now: 10_001, delay: 0 },
  ])('the deadline timer at $now waits $delay ms', ({ now, delay }) => {
    expect(termDeadline(10_000, now)).toBe(delay);
  });

  test.prop([times, times])(
    'the timer fires exactly when the deadline has passed',
    (deadline, now) => {
      expect(termDeadline(deadline, now) === 0).toBe(deadlinePassed(deadline, now));
      expect(deadlinePassed(deadline, now + termDeadline(deadline, now))).toBe(true);
    },
  );
});

describe('the round-trip estimate', () => {
  it('starts at the first write and decays by a fifth per write', () => {
    const first = nextRoundTrip(null, { sentAt: 0, answeredAt: 500 });
    expect(first).toBe(500);
    expect(nextRoundTrip(first, { sentAt: 1_000, answeredAt: 1_100 })).toBe(400);
    expect(nextRoundTrip(first, { sentAt: 1_000, answeredAt: 1_900 })).toBe(900);
  });

  test.prop([span, times, span])(
    'is at least the latest round trip and 0.8 of the last estimate',
    (previous, sentAt, rtt) => {
      const next = nextRoundTrip(previous, { sentAt, answeredAt: sentAt + rtt });
      expect(next).toBeGreaterThanOrEqual(rtt);
      expect(next).toBeGreaterThanOrEqual(0.8 * previous);
      expect(next === rtt || next === 0.8 * previous).toBe(true);
    },
  );
});

describe('bounds on a renewal attempt', () => {
  it.each([
    { roundTrip: 0, left: 3_000, expected: 2_000 },
    { roundTrip: 0, left: 8_000, expected: 4_000 },
    { roundTrip: 1_000, left: 5_000, expected: 3_000 },
    { roundTrip: 3_000, left: 8_000, expected: 8_000 },
    { roundTrip: 0, left: 1_000, expected: 1_000 },
  ])('round trip $roundTrip ms, $left ms left: $expected', ({ roundTrip, left, expected }) => {
    expect(attemptTimeout(20_000, roundTrip, config, 20_000 - left)).toBe(expected);
  });

  test.prop([times, span, span])(
    'never waits past the deadline, and at least a retry period and half the time left when there is time',
    (now, left, roundTrip) => {
      const timeout = attemptTimeout(now + left, roundTrip, config, now);
      expect(timeout).toBeLessThanOrEqual(left);
      if (left >= config.retryPeriodMs)
        expect(timeout).toBeGreaterThanOrEqual(config.retryPeriodMs);
      // An answer is never given up while more than half the time is still left.
      expect(timeout).toBeGreaterThanOrEqual(Math.min(left, left / 2));
    },
  );

  test.prop([
    times,
    fc.integer({ min: 200, max: 1e6 }),
    fc.double({ min: 0, max: 0.999_999, noNaN: true }),
  ])(
    'retries a failed renewal within the retry period and well inside the deadline',
    (now, left, r) => {
      const delay = renewRetry(now + left, config, now, () => r);
      expect(delay).toBeLessThanOrEqual(config.retryPeriodMs);
      expect(delay).toBeGreaterThanOrEqual(Math.min(config.retryPeriodMs / 2, 100));
      expect(delay).toBeLessThanOrEqual(Math.max(left / 2, 100));
    },
  );

  it('retries no sooner than 100 ms, even at the deadline', () => {
    expect(renewRetry(10_000, config, 10_000, () => 0)).toBe(100);
    expect(renewRetry(10_000, config, 9_000, () => 0)).toBe(500);
    expect(renewRetry(100_000, config, 0, () => 0)).toBe(1_000);
  });

  it('names the fixed delays', () => {
    expect(renewInterval(config)).toBe(config.retryPeriodMs);
    expect(writeTimeout(config)).toBe(config.renewDeadlineMs);
    expect(drainBound(config)).toBe(config.drainTimeoutMs);
    expect(watchIdleTimeout(config)).toBe(30_000);
    expect(watchIdleTimeout({ ...config, leaseDurationMs: 20_000 })).toBe(40_000);
  });
});

describe('the end of a term', () => {
  it.each([
    { reason: 'lost', release: false, yieldAfter: false },
    { reason: 'deadline', release: true, yieldAfter: false },
    { reason: 'stop', release: true, yieldAfter: false },
    { reason: 'step-down', release: true, yieldAfter: true },
    { reason: 'preferred-holder', release: true, yieldAfter: true },
  ] as const)('$reason: release $release, yield $yieldAfter', ({ reason, release, yieldAfter }) => {
    expect(termEndPolicy(reason, config)).toEqual({ release, yieldAfter });
    expect(yieldUntilAfterTerm(reason, 3, config, 1_000)).toBe(yieldAfter ? 16_000 : 3);
  });

  it('a stop releases only when releaseOnStop allows it', () => {
    const keep = { ...config, releaseOnStop: false };
    expect(termEndPolicy('stop', keep).release).toBe(false);
    expect(releaseAfterStop(true, keep)).toBe(false);
    expect(releaseAfterStop(true, config)).toBe(true);
    expect(releaseAfterStop(false, config)).toBe(false);
  });

  it('releases only on a fresh read that still names us', () => {
    const held = (holderIdentity: string) =>
      parseLease({ metadata: { name: 'l', resourceVersion: '1' }, spec: { holderIdentity } });
    expect(stillHeld(held('me'), 'me')).toBe(true);
    expect(stillHeld(held('other'), 'me')).toBe(false);
    expect(stillHeld(held(''), 'me')).toBe(false);
    expect(stillHeld(null, 'me')).toBe(false);
  });
});
