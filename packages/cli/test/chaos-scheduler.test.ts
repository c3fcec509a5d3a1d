/**
 * The chaos scheduler against a fake fleet and a fake clock: nothing before the first leader,
 * never the last healthy follower, pauses end, exited candidates come back under new
 * identities, one seed gives one sequence of decisions.
 */
import { createLeaseApi } from '@leasehold/testing';
import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../src/chaos/fault-injector.js';
import { Prng } from '../src/chaos/prng.js';
import { ChaosScheduler } from '../src/chaos/scheduler.js';
import type { Candidate } from '../src/fleet/candidates.js';
import { s } from './interval-fixtures.js';

const TIMING = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 };

function candidate(identity: string, role: 'leader' | 'follower'): Candidate {
  return {
    identity,
    pid: 1,
    state: 'running',
    role,
    fencingToken: 0,
    deadline: role === 'leader' ? s(1e6) : null,
    leadingSince: null,
    leaseExpiresAt: null,
    events: [{ type: 'state', identity, at: 0n, role, holder: 'someone', fencingToken: 0 }],
    killedAt: undefined,
    exitedAt: undefined,
    exit: undefined,
    exitRequested: false,
    stderrTail: [],
  };
}

/** A world with one leader and `followers` followers, driven by hand. */
function world(followers: number, seed = 1) {
  const clock = { t: 0n };
  const all: Candidate[] = [candidate('leader', 'leader')];
  for (let i = 1; i <= followers; i++) all.push(candidate(`follower-${i}`, 'follower'));
  let next = 1;
  const signals: string[] = [];
  const fleet = {
    all,
    spawn: () => {
      const c = candidate(`new-${next++}`, 'follower');
      all.push(c);
      return c;
    },
    signal: (c: Candidate, signal: 'SIGTERM' | 'SIGKILL' | 'SIGSTOP' | 'SIGCONT') => {
      signals.push(`${signal} ${c.identity}`);
      if (signal === 'SIGKILL') c.killedAt = clock.t;
      if (signal === 'SIGKILL' || signal === 'SIGTERM') c.exitRequested = true;
      c.state = { SIGKILL: 'killed', SIGTERM: 'stopping', SIGSTOP: 'paused', SIGCONT: 'running' }[
        signal
      ] as Candidate['state'];
      return clock.t;
    },
  };
  const prng = new Prng(seed);
  const log: string[] = [];
  const injector = new FaultInjector({
    faults: createLeaseApi().faults,
    prng,
    timing: TIMING,
    candidates: () => all.length,
    log: (m) => log.push(m),
  });
  const options = { fleet, prng, timing: TIMING, injector, log: (m: string) => log.push(m) };
  const scheduler = new ChaosScheduler({ ...options, now: () => clock.t }, 0n);
  const run = (seconds: number) => {
    for (let i = 0; i < seconds * 10; i++) {
      clock.t += s(0.1);
      injector.tick(clock.t);
      scheduler.tick(clock.t);
    }
  };
  return { clock, all, signals, scheduler, injector, run, log };
}

describe('ChaosScheduler', () => {
  it('does nothing before the first leader', () => {
    const w = world(3);
    w.all[0]!.deadline = null;
    w.all[0]!.role = 'follower';
    w.run(30);
    expect(w.scheduler.actions).toEqual([]);
    expect(w.injector.records).toEqual([]);
  });

  it('never takes the last healthy follower, nor the leader once no follower is left', () => {
    const w = world(1);
    w.run(120);
    // One follower: it may never be killed or paused, and the leader at most once (nobody
    // promotes the follower here, so afterwards there is no leader to act on).
    expect(w.signals.filter((x) => x.endsWith('follower-1'))).toEqual([]);
    expect(
      w.signals.filter((x) => /^SIG(KILL|TERM|STOP) leader$/.test(x)).length,
    ).toBeLessThanOrEqual(1);
    expect(w.injector.records.length).toBeGreaterThan(0);
  });

  it('resumes a paused process when its pause is over', () => {
    const w = world(4, 5);
    w.run(60);
    const pause = w.scheduler.actions.find(
      (a) => a.kind === 'pause-follower' || a.kind === 'pause-leader',
    );
    expect(pause, w.log.join('\n')).toBeDefined();
    const resume = w.scheduler.actions.find(
      (a) => a.kind === 'resume' && a.identity === pause!.identity && a.at > pause!.at,
    );
    expect(resume).toBeDefined();
    const late = Number(resume!.at - pause!.at) / 1e6 - pause!.pauseMs!;
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThanOrEqual(100);
  });

  it('replaces an exited candidate with a new identity, and not after stop()', () => {
    const w = world(2);
    const gone = w.all[1]!;
    gone.state = 'killed';
    gone.exitRequested = true;
    w.scheduler.onExit(gone);
    w.run(2.5);
    const restart = w.scheduler.actions.find((a) => a.kind === 'restart');
    expect(restart).toMatchObject({ identity: 'new-1', replaces: 'follower-1' });
    expect(w.scheduler.unexpectedExits).toEqual([]);

    const crashed = w.all[2]!;
    crashed.state = 'exited';
    w.scheduler.onExit(crashed);
    expect(w.scheduler.unexpectedExits).toEqual([crashed]);
    w.scheduler.stop();
    w.run(5);
    expect(w.scheduler.actions.filter((a) => a.kind === 'restart')).toHaveLength(1);
  });

  it('stop() resumes whoever is paused and ends the actions', () => {
    const w = world(4, 5);
    w.run(60);
    w.scheduler.stop();
    expect(w.all.filter((c) => c.state === 'paused')).toEqual([]);
    const count = w.scheduler.actions.length;
    w.run(30);
    expect(w.scheduler.actions).toHaveLength(count);
  });

  it('one seed, one sequence of decisions', () => {
    const decisions = (seed: number) => {
      const w = world(4, seed);
      w.run(60);
      return [
        ...w.scheduler.actions.map((a) => `${a.at} ${a.kind} ${a.identity}`),
        ...w.injector.records.map((f) => `${f.start} ${f.detail}`),
      ];
    };
    expect(decisions(9)).toEqual(decisions(9));
    expect(decisions(9)).not.toEqual(decisions(10));
  });
});
