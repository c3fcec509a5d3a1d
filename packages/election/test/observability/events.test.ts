import { afterEach, describe, expect, it } from 'vitest';
import type { ElectorEvent } from '../../src/handle/elector-events.js';
import { createFleet, type Fleet, typesOf } from './fleet.js';

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

const ofType = <T extends ElectorEvent['type']>(events: readonly ElectorEvent[], type: T) =>
  events.filter((e): e is Extract<ElectorEvent, { type: T }> => e.type === type);

describe('elector.events$', () => {
  it('reports the first list, the attempt and the term it starts, in order', async () => {
    const f = fleet(1);
    f.electors[0]!.start();
    await f.settle();
    // The in-memory store, like the API server, may deliver the write on the watch before
    // answering it: the new holder is observed before the acquisition's answer arrives.
    expect(typesOf(f.events[0]!)).toEqual([
      'leader.changed',
      'acquire.attempted',
      'watch.synced',
      'leader.changed',
      'acquire.succeeded',
      'term.started',
    ]);
    const [initial, , , changed, acquired, started] = f.events[0]!;
    expect(initial).toMatchObject({ holder: null, previous: null, initial: true });
    expect(acquired).toMatchObject({ fencingToken: 1 });
    expect(started).toMatchObject({ fencingToken: 1, at: 0 });
    expect(changed).toMatchObject({ holder: 'candidate-0', previous: null, initial: false });
    expect(ofType(f.events[0]!, 'watch.synced')[0]!.reconnect).toBe(false);
  });

  it('reports each renewal with its round trip and the time that was left to the deadline', async () => {
    const f = fleet(1, {}, { latency: { requestMs: 30, responseMs: 20 } });
    f.electors[0]!.start();
    await f.advance(200);
    f.events[0]!.length = 0;
    await f.advance(2_000);
    const succeeded = ofType(f.events[0]!, 'renew.succeeded');
    expect(typesOf(f.events[0]!)).toEqual(['renew.attempted', 'renew.succeeded']);
    expect(succeeded[0]!.roundTripMs).toBe(50);
    // List answered at 50 ms; the acquiring write sent then (deadline 10_050) and answered at
    // 100; the renewal sent 2 s later and answered at 2_150: 7_900 ms of the term were left.
    expect(succeeded[0]!.deadlineMarginMs).toBe(7_900);
  });

  it('reports a failed renewal with its error kind, then the retry that succeeds', async () => {
    const f = fleet(1);
    f.electors[0]!.start();
    await f.settle();
    f.events[0]!.length = 0;
    f.store.failNext('forbidden', { method: 'replace' });
    await f.advance(2_000);
    await f.advance(2_000);
    const failed = ofType(f.events[0]!, 'renew.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ kind: 'forbidden', deadlineMarginMs: 8_000 });
    expect(ofType(f.events[0]!, 'renew.succeeded').length).toBeGreaterThanOrEqual(1);
    expect(ofType(f.events[0]!, 'term.ended')).toEqual([]);
  });

  it('reports a failover on both sides: term ended and release on one, new term on the other', async () => {
    const f = fleet(2);
    const [a, b] = f.electors;
    a!.start();
    await f.settle();
    b!.start();
    await f.settle();
    f.events[0]!.length = 0;
    f.events[1]!.length = 0;
    await a!.stop();
    await f.settle();
    expect(typesOf(f.events[0]!)).toEqual([
      'stop.requested',
      'term.ended',
      'release.sent',
      // The watch shows the release and the successor before the release's own answer.
      'leader.changed',
      'leader.changed',
      'release.confirmed',
      'stopped',
    ]);
    expect(ofType(f.events[0]!, 'leader.changed').map((e) => e.holder)).toEqual([
      null,
      'candidate-1',
    ]);
    expect(ofType(f.events[0]!, 'term.ended')[0]).toMatchObject({
      reason: 'stop',
      fencingToken: 1,
    });
    expect(typesOf(f.events[1]!)).toEqual([
      'leader.changed',
      'acquire.attempted',
      'leader.changed',
      'acquire.succeeded',
      'term.started',
    ]);
    expect(ofType(f.events[1]!, 'term.started')[0]!.fencingToken).toBe(2);
    expect(ofType(f.events[1]!, 'leader.changed')[0]).toMatchObject({
      holder: null,
      previous: 'candidate-0',
    });
  });

  it('completes after stop', async () => {
    const f = fleet(1);
    let completed = false;
    f.electors[0]!.events$.subscribe({ complete: () => (completed = true) });
    f.electors[0]!.start();
    await f.settle();
    await f.electors[0]!.stop();
    expect(completed).toBe(true);
  });

  it('reports a term lost to an outage: renewal timeouts, the deadline, an unanswered release', async () => {
    const f = fleet(1);
    f.electors[0]!.start();
    await f.settle();
    f.events[0]!.length = 0;
    f.cut(0);
    await f.advance(30_000);
    const types = typesOf(f.events[0]!);
    expect(ofType(f.events[0]!, 'renew.failed').every((e) => e.kind === 'timeout')).toBe(true);
    expect(ofType(f.events[0]!, 'renew.failed').length).toBeGreaterThan(0);
    expect(ofType(f.events[0]!, 'term.ended')).toMatchObject([{ reason: 'deadline', at: 10_000 }]);
    expect(types.indexOf('release.sent')).toBeGreaterThan(types.indexOf('term.ended'));
    expect(ofType(f.events[0]!, 'release.failed')).toMatchObject([{ kind: 'timeout' }]);
  });

  it('reports a failed acquisition with its kind, and a lost race as its own outcome', async () => {
    const f = fleet(1);
    f.store.failNext('forbidden', { method: 'replace' });
    f.electors[0]!.start();
    await f.settle();
    expect(ofType(f.events[0]!, 'acquire.failed')).toMatchObject([{ kind: 'forbidden' }]);
    expect(f.electors[0]!.isLeader).toBe(false);
    // Someone else creates the Lease before our retry; our write then conflicts.
    await f.advance(2_000);
    expect(ofType(f.events[0]!, 'term.started')).toHaveLength(1);

    const g = fleet(1);
    g.store.failNext('conflict', { method: 'replace' });
    g.electors[0]!.start();
    await g.settle();
    // The fresh list after the race shows the Lease still free: the elector tries again at
    // once and wins.
    expect(typesOf(g.events[0]!).filter((t) => t.startsWith('acquire.'))).toEqual([
      'acquire.attempted',
      'acquire.lost-race',
      'acquire.attempted',
      'acquire.succeeded',
    ]);
  });

  it('calls an acquisition that got no answer in time a timeout', async () => {
    const f = fleet(1);
    f.cutWrites(0);
    f.electors[0]!.start();
    await f.settle();
    await f.advance(10_000);
    expect(ofType(f.events[0]!, 'acquire.failed')).toMatchObject([{ kind: 'timeout', at: 10_000 }]);
  });

  it('reports watch failures and the re-list that follows expired history', async () => {
    const f = fleet(1);
    f.electors[0]!.start();
    await f.settle();
    f.store.dropWatches('unavailable');
    await f.settle();
    expect(ofType(f.events[0]!, 'watch.failed')).toMatchObject([{ kind: 'unavailable' }]);
    await f.advance(5_000); // the watch resumes from its version: no list, no sync
    expect(ofType(f.events[0]!, 'watch.synced')).toHaveLength(1);
    f.store.dropWatches('gone');
    await f.settle();
    const synced = ofType(f.events[0]!, 'watch.synced');
    expect(synced.map((e) => e.reconnect)).toEqual([false, true]);
  });
});
