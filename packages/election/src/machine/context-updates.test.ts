/**
 * The machine's term bookkeeping on its own: what each action writes into the context, on a
 * manual clock with an answer that arrives later than its send. The machine's tests reach
 * these through the chart; here every field is pinned (the deadline from the send, the fence
 * from the epoch annotation, back-off cleared or kept, what is logged), so the CI mutation
 * pass can judge this file with a test that starts no actor.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../core/config.js';
import { electionPolicy } from '../core/election-policy.js';
import {
  DrainTimeoutError,
  LeadershipLostError,
  LeaseStoreError,
  type TermEndReason,
} from '../core/errors.js';
import { FENCING_EPOCH_ANNOTATION } from '../core/fence.js';
import { parseLease, type StoredLease } from '../core/lease-record.js';
import { observe, UNSYNCED_VIEW } from '../core/lease-view.js';
import type { LogFields, LogSink } from '../core/logger.js';
import { createManualClock } from '../core/manual-clock.js';
import { contextUpdates } from './context-updates.js';
import type { ElectionEvent } from './election-actors.js';
import { type ElectionContext, initialContext } from './election-context.js';

const config = resolveConfig({ name: 'l', namespace: 'ns', identity: 'me' });

interface Logged {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields | undefined;
}

function setup(options: { releaseOnStop?: boolean; random?: () => number } = {}) {
  const clock = createManualClock({ start: 100_000 });
  const logs: Logged[] = [];
  const record =
    (level: Logged['level']) =>
    (message: string, fields?: LogFields): void => {
      logs.push({ level, message, fields });
    };
  const logger: LogSink = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  let folds = 0;
  const policy = {
    ...electionPolicy,
    foldObservation: (...args: Parameters<typeof electionPolicy.foldObservation>) => {
      folds += 1;
      return electionPolicy.foldObservation(...args);
    },
  };
  const cfg =
    options.releaseOnStop === undefined
      ? config
      : resolveConfig({
          name: 'l',
          namespace: 'ns',
          identity: 'me',
          releaseOnStop: options.releaseOnStop,
        });
  const updates = contextUpdates({
    clock,
    logger,
    random: options.random ?? (() => 0.5),
    policy,
  });
  return {
    clock,
    logs,
    updates,
    folds: () => folds,
    context: initialContext({ config: cfg }),
  };
}

const lease = (
  rv: string,
  spec: Record<string, unknown>,
  annotations?: Record<string, string>,
): StoredLease =>
  parseLease({
    kind: 'Lease',
    metadata: { name: 'l', namespace: 'ns', resourceVersion: rv, annotations },
    spec,
  });

const heldBy = (holder: string, rv = '10', extra: Record<string, unknown> = {}) =>
  lease(rv, {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    leaseTransitions: 3,
    renewTime: '2026-01-01T00:00:00.000000Z',
    ...extra,
  });

const observed = (l: StoredLease | null): ElectionEvent => ({ type: 'lease.observed', lease: l });

/** A term as `startTerm` builds it, acquired at `sentAt` and answered 300 ms later. */
function leading(s: ReturnType<typeof setup>, sentAt = s.clock.now()): ElectionContext {
  s.clock.advance(sentAt + 300 - s.clock.now());
  return { ...s.context, ...s.updates.startTerm(s.context, acquired(heldBy('me'), sentAt)) };
}

const acquired = (l: StoredLease, sentAt: number) =>
  ({ outcome: 'acquired', lease: l, sentAt, created: false }) as const;

describe('foldOf', () => {
  it('folds an observation once per event and context, and nothing else', () => {
    const s = setup();
    const event = observed(heldBy('a'));
    expect(s.updates.foldOf(s.context, { type: 'stop' })).toBeNull();
    expect(s.folds()).toBe(0);
    const first = s.updates.foldOf(s.context, event);
    expect(s.updates.foldOf(s.context, event)).toBe(first);
    expect(s.folds()).toBe(1);
    // The same event in another context is folded again.
    const other = { ...s.context, assigned: true };
    expect(s.updates.foldOf(other, event)).not.toBe(first);
    expect(s.folds()).toBe(2);
    expect(first?.holder).toBe('a');
  });
});

describe('recordObservation', () => {
  it('changes nothing for an event that is not an observation', () => {
    const s = setup();
    expect(s.updates.recordObservation(s.context, { type: 'watch.synced' })).toEqual({});
  });

  it('takes the fold’s view, and ends the back-off when someone else newly leads', () => {
    const s = setup();
    const backingOff = { ...s.context, retryAt: 200_000, acquireFailures: 4, yieldUntil: 300_000 };
    const update = s.updates.recordObservation(backingOff, observed(heldBy('a')));
    expect(update).toEqual({
      view: observe(UNSYNCED_VIEW, heldBy('a'), 100_000),
      assigned: false,
      yieldUntil: null,
      retryAt: null,
      acquireFailures: 0,
    });
    expect(s.logs).toEqual([]);
  });

  it('keeps the back-off when the Lease names nobody else', () => {
    const s = setup();
    const update = s.updates.recordObservation(s.context, observed(lease('4', {})));
    expect(Object.keys(update).sort()).toEqual(['assigned', 'view']);
    expect(update.view?.lease?.resourceVersion).toBe('4');
  });

  it('warns about a record it reads conservatively, naming the anomalies and the version', () => {
    const s = setup();
    const odd = heldBy('a', '12', { leaseDurationSeconds: -5 });
    expect(odd.anomalies.length).toBeGreaterThan(0);
    s.updates.recordObservation(s.context, observed(odd));
    expect(s.logs).toEqual([
      {
        level: 'warn',
        message: 'lease record has anomalies; reading it conservatively',
        fields: { anomalies: odd.anomalies, resourceVersion: '12' },
      },
    ]);
  });
});

describe('recordLease', () => {
  it('observes the fresh read now, keeping an assignment only while it names us', () => {
    const s = setup();
    const assigned = { ...s.context, assigned: true };
    s.clock.advance(50);
    const ours = s.updates.recordLease(assigned, heldBy('me'));
    expect(ours).toEqual({ view: observe(UNSYNCED_VIEW, heldBy('me'), 100_050), assigned: true });
    expect(s.updates.recordLease(assigned, heldBy('other')).assigned).toBe(false);
    expect(s.updates.recordLease(s.context, heldBy('me')).assigned).toBe(false);
  });

  it('passes the absence note on to the view', () => {
    const s = setup();
    const held = { ...s.context, view: observe(UNSYNCED_VIEW, heldBy('a'), 100_000) };
    const gone = s.updates.recordLease(held, null, { resourceVersion: '11', deletion: true });
    expect(gone.view?.deletionSeen).toBe(true);
    expect(s.updates.recordLease(held, null).view?.deletionSeen).toBe(false);
  });
});

describe('acquireFailed', () => {
  it('types the error, counts the failure and sets the retry time from now', () => {
    const s = setup({ random: () => 0 });
    const context = { ...s.context, acquireFailures: 2 };
    const update = s.updates.acquireFailed(context, new Error('socket hang up'));
    const expected = electionPolicy.acquireRetry(
      2,
      update.error as LeaseStoreError,
      config,
      () => 0,
    );
    expect(update.error).toBeInstanceOf(LeaseStoreError);
    expect((update.error as LeaseStoreError).kind).toBe('unavailable');
    expect(update.acquireFailures).toBe(3);
    expect(update.retryAt).toBe(100_000 + expected.delayMs);
    expect(expected.delayMs).toBeGreaterThan(0);
    expect(s.logs).toEqual([
      {
        level: 'warn',
        message: 'acquiring the lease failed',
        fields: { error: update.error?.message, retryInMs: expected.delayMs },
      },
    ]);
  });

  it('honours a server’s Retry-After as the floor of the wait', () => {
    const s = setup({ random: () => 0 });
    const busy = new LeaseStoreError('unavailable', 'slow down', { retryAfterMs: 7_000 });
    const update = s.updates.acquireFailed(s.context, busy);
    expect(update.error).toBe(busy);
    expect(update.retryAt).toBe(107_000);
  });
});

describe('endTerm', () => {
  it.each<[TermEndReason, boolean]>([
    ['lost', false],
    ['deadline', true],
    ['stop', false],
    ['step-down', true],
    ['preferred-holder', true],
  ])('records %s, releasing: %s (releaseOnStop off)', (reason, release) => {
    const s = setup({ releaseOnStop: false });
    expect(s.updates.endTerm(s.context, reason)).toEqual({
      termEnd: reason,
      releaseOnExit: release,
    });
  });

  it('releases after a stop when releaseOnStop is on', () => {
    const s = setup({ releaseOnStop: true });
    expect(s.updates.endTerm(s.context, 'stop').releaseOnExit).toBe(true);
  });
});

describe('startTerm', () => {
  it('changes nothing for a lost race', () => {
    const s = setup();
    expect(s.updates.startTerm(s.context, { outcome: 'lost-race', lease: heldBy('a') })).toEqual(
      {},
    );
  });

  it('counts the deadline from the send, the round trip from send to answer', () => {
    const s = setup();
    const sentAt = s.clock.now();
    s.clock.advance(1_500);
    const stale = {
      ...s.context,
      termEnd: 'step-down' as const,
      assigned: true,
      yieldUntil: 400_000,
      retryAt: 300_000,
      acquireFailures: 2,
      error: new LeaseStoreError('unavailable', 'x'),
    };
    const ours = heldBy('me', '20', { leaseTransitions: 7, preferredHolder: 'me' });
    const update = s.updates.startTerm(stale, acquired(ours, sentAt));
    expect(update.deadline).toBe(sentAt + config.renewDeadlineMs);
    expect(update.roundTripMs).toBe(1_500);
    expect(update.view).toEqual(observe(UNSYNCED_VIEW, ours, 101_500));
    expect(update).toMatchObject({
      termEnd: null,
      assigned: false,
      yieldUntil: null,
      retryAt: null,
      acquireFailures: 0,
      error: null,
    });
    expect(update.term).toMatchObject({
      fencingToken: 7,
      fencingEpoch: '0',
      fence: '7',
      acquiredAt: sentAt,
      preferredAtAcquisition: 'me',
    });
    expect(update.term?.controller.signal.aborted).toBe(false);
    expect(s.logs).toEqual([
      {
        level: 'info',
        message: 'acquired leadership',
        fields: { fencingToken: 7, fencingEpoch: '0', fence: '7' },
      },
    ]);
  });

  it('takes the epoch from the annotation into the fence', () => {
    const s = setup();
    const stamped = lease(
      '30',
      { holderIdentity: 'me', leaseDurationSeconds: 15, leaseTransitions: 2 },
      { [FENCING_EPOCH_ANNOTATION]: '25' },
    );
    const term = s.updates.startTerm(s.context, acquired(stamped, s.clock.now())).term;
    expect(term?.fencingEpoch).toBe('25');
    expect(term?.fence).toBe((25n * 2n ** 32n + 2n).toString());
    expect(term?.preferredAtAcquisition).toBeNull();
  });

  it('takes a Lease it created, which carries no epoch yet, at the version of the create', () => {
    const s = setup();
    const created = lease('40', { holderIdentity: 'me', leaseDurationSeconds: 15 });
    const result = {
      outcome: 'acquired',
      lease: created,
      sentAt: s.clock.now(),
      created: true,
    } as const;
    const term = s.updates.startTerm(s.context, result).term;
    expect(term?.fencingEpoch).toBe('40');
    expect(term?.fence).toBe((40n * 2n ** 32n).toString());
    // An annotation, if the created object has one, is its epoch; a taken one without: none.
    const stamped = lease('41', { holderIdentity: 'me' }, { [FENCING_EPOCH_ANNOTATION]: '7' });
    expect(s.updates.startTerm(s.context, { ...result, lease: stamped }).term?.fencingEpoch).toBe(
      '7',
    );
    expect(s.updates.startTerm(s.context, { ...result, created: false }).term?.fencingEpoch).toBe(
      '0',
    );
  });
});

describe('recordRenewal', () => {
  it('changes nothing for a renewal that found the term lost', () => {
    const s = setup();
    expect(s.updates.recordRenewal(leading(s), { outcome: 'lost', lease: null })).toEqual({});
  });

  it('moves the deadline to the renewal’s send, never back, and clears the error', () => {
    const s = setup();
    const term = { ...leading(s), error: new LeaseStoreError('unavailable', 'x') };
    expect(term.deadline).toBe(100_000 + config.renewDeadlineMs);
    expect(term.roundTripMs).toBe(300);
    const sentAt = s.clock.now() + 2_000;
    s.clock.advance(2_000 + 100);
    const renewedLease = heldBy('me', '11');
    const update = s.updates.recordRenewal(term, {
      outcome: 'renewed',
      lease: renewedLease,
      sentAt,
    });
    expect(update.deadline).toBe(sentAt + config.renewDeadlineMs);
    // A decaying maximum: the earlier 300 ms round trip still weighs 0.8.
    expect(update.roundTripMs).toBe(240);
    expect(update.error).toBeNull();
    expect(update.view?.lease).toEqual(renewedLease);
    // A renewal sent before the one that set the deadline does not move it back.
    const late = s.updates.recordRenewal(
      { ...term, ...update },
      { outcome: 'renewed', lease: heldBy('me', '12'), sentAt: sentAt - 1_000 },
    );
    expect(late.deadline).toBe(sentAt + config.renewDeadlineMs);
  });
});

describe('renewalFailed', () => {
  it('types the error and says how long the term has left', () => {
    const s = setup();
    const term = leading(s);
    s.clock.advance(4_000);
    const update = s.updates.renewalFailed(term, new Error('reset'));
    expect((update.error as LeaseStoreError).kind).toBe('unavailable');
    expect(s.logs.at(-1)).toEqual({
      level: 'warn',
      message: 'renewal failed; retrying before the deadline',
      fields: { error: update.error?.message, msLeft: 10_000 - 4_300 },
    });
  });
});

describe('when the term ends', () => {
  it('a drain past its bound leaves the Lease to expire, saying so', () => {
    const s = setup();
    const term = { ...leading(s), releaseOnExit: true };
    const update = s.updates.leaveLeaseToExpire(term);
    expect(update.releaseOnExit).toBe(false);
    expect(update.error).toBeInstanceOf(DrainTimeoutError);
    expect((update.error as DrainTimeoutError).drainTimeoutMs).toBe(config.drainTimeoutMs);
    expect(s.logs.at(-1)).toEqual({
      level: 'warn',
      message: 'the term’s work did not settle; not releasing, the lease will expire',
      fields: { drainTimeoutMs: config.drainTimeoutMs, fencingToken: 3 },
    });
    // Without a term there is no token to name.
    s.updates.leaveLeaseToExpire(s.context);
    expect(s.logs.at(-1)?.fields).toEqual({
      drainTimeoutMs: config.drainTimeoutMs,
      fencingToken: undefined,
    });
  });

  it('a failed release is typed and logged', () => {
    const s = setup();
    const update = s.updates.releaseFailed(new Error('gone away'));
    expect((update.error as LeaseStoreError).kind).toBe('unavailable');
    expect(s.logs).toEqual([
      {
        level: 'warn',
        message: 'release failed; the lease will expire instead',
        fields: { error: update.error?.message },
      },
    ]);
  });

  it('a stop during a step-down releases only when releaseOnStop allows it', () => {
    const off = setup({ releaseOnStop: false });
    expect(off.updates.limitReleaseToStop({ ...off.context, releaseOnExit: true })).toEqual({
      releaseOnExit: false,
    });
    const on = setup({ releaseOnStop: true });
    expect(on.updates.limitReleaseToStop({ ...on.context, releaseOnExit: true })).toEqual({
      releaseOnExit: true,
    });
  });

  it('aborting the term tells the work why, and logs it', () => {
    const s = setup();
    const term = { ...leading(s), termEnd: 'lost' as const };
    s.updates.abortTerm(term);
    const reason = term.term?.controller.signal.reason;
    expect(reason).toBeInstanceOf(LeadershipLostError);
    expect((reason as LeadershipLostError).reason).toBe('lost');
    expect(s.logs.at(-1)).toEqual({
      level: 'info',
      message: 'leadership ended',
      fields: { reason: 'lost', fencingToken: 3 },
    });
    // With no recorded reason the abort says stop; with no term nothing throws.
    const unexplained = leading(setup());
    setup().updates.abortTerm(unexplained);
    expect(unexplained.term?.controller.signal.reason).toMatchObject({ reason: 'stop' });
    expect(() => s.updates.abortTerm(s.context)).not.toThrow();
    expect(s.logs.at(-1)?.fields).toEqual({ reason: null, fencingToken: undefined });
  });

  it('finishing the term clears it and yields after a voluntary end', () => {
    const s = setup();
    const term = leading(s);
    s.clock.advance(1_000);
    const afterStepDown = s.updates.finishTerm({
      ...term,
      termEnd: 'step-down',
      releaseOnExit: true,
    });
    expect(afterStepDown).toEqual({
      term: null,
      deadline: null,
      releaseOnExit: false,
      yieldUntil: s.clock.now() + config.leaseDurationMs,
    });
    // A lost term keeps whatever yield was set; a term with no recorded end counts as a stop.
    expect(s.updates.finishTerm({ ...term, termEnd: 'lost', yieldUntil: 5 }).yieldUntil).toBe(5);
    expect(s.updates.finishTerm({ ...term, termEnd: null, yieldUntil: 6 }).yieldUntil).toBe(6);
  });
});

describe('a Lease we created, held back until the watch confirms it', () => {
  const absentView = (at: number) =>
    observe(UNSYNCED_VIEW, null, at, { resourceVersion: '40', deletion: false });
  const created = heldBy('me', '60', { leaseTransitions: 0 });

  it('notes the decision, holds the create with it, and reads its standing through the policy', () => {
    const s = setup();
    const context = { ...s.context, view: absentView(7_000) };
    expect(s.updates.createdStanding(context)).toBeNull();
    const decided = { ...context, ...s.updates.noteDecision(context) };
    expect(decided.decidedAt).toBe(7_000);
    const sentAt = s.clock.now();
    const result = { outcome: 'acquired', lease: created, sentAt, created: true } as const;
    const held = { ...decided, ...s.updates.holdCreated(decided, result) };
    // Its deadline is the term's would-be deadline: a renew deadline after the create was sent.
    expect(held.pendingCreate).toEqual({ lease: created, sentAt, deadline: sentAt + 10_000 });
    expect(s.updates.holdCreated(decided, { outcome: 'lost-race', lease: created })).toEqual({});
    expect(s.updates.createdStanding(held)).toBe('pending');
    const confirmed = { ...held, view: observe(held.view, created, 9_100) };
    expect(s.updates.createdStanding(confirmed)).toBe('confirmed');
    const other = { ...held, view: observe(held.view, heldBy('c1', '50'), 9_100) };
    expect(s.updates.createdStanding(other)).toBe('contradicted');
    // A relist after lost history may show our object with whatever came before it unseen.
    expect(s.updates.createdStanding({ ...confirmed, gapSinceDecision: true })).toBe(
      'contradicted',
    );
    // Past that deadline a create is never confirmed, even by our own object.
    s.clock.advance(10_000 - 1);
    expect(s.updates.createdStanding(confirmed)).toBe('confirmed');
    s.clock.advance(1);
    expect(s.updates.createdStanding(confirmed)).toBe('contradicted');
    expect(s.updates.noteDecision({ ...held, gapSinceDecision: true }).gapSinceDecision).toBe(
      false,
    );
  });

  it('gives an unconfirmed create up: no term, its record waited out from now, and says so', () => {
    const s = setup();
    expect(s.updates.abandonCreated(s.context)).toEqual({});
    expect(s.logs).toEqual([]);
    const pending = { lease: created, sentAt: 100_000, deadline: 110_000 };
    const context = { ...s.context, view: absentView(90_000), pendingCreate: pending };
    s.clock.advance(10_000);
    const update = s.updates.abandonCreated(context);
    expect(update.pendingCreate).toBeNull();
    expect(update.view?.lease).toBe(created);
    expect(update.view?.observedAt).toBe(110_000);
    expect(update.term).toBeUndefined();
    expect(s.logs).toEqual([
      {
        level: 'warn',
        message:
          'the watch did not confirm that the lease we created was absent throughout; not leading on it, waiting it out',
        fields: { resourceVersion: '60' },
      },
    ]);
  });

  it('clears the held create when a term starts', () => {
    const s = setup();
    const pending = { lease: created, sentAt: 100_000, deadline: 110_000 };
    const context = { ...s.context, view: absentView(90_000), pendingCreate: pending };
    const result = { outcome: 'acquired', lease: created, sentAt: 100_000, created: true } as const;
    expect(s.updates.startTerm(context, result).pendingCreate).toBeNull();
  });
});
