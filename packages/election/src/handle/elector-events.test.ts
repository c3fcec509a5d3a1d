import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../core/config.js';
import { LeaseStoreError } from '../core/errors.js';
import type { StoredLease } from '../core/lease-record.js';
import { UNSYNCED_VIEW } from '../core/lease-view.js';
import type { ActiveTerm } from '../machine/election-machine.js';
import { type ElectorSnapshot, electorEvents } from './elector-events.js';

const config = resolveConfig({ name: 'lease', namespace: 'ns', identity: 'me' });

const lease = (holder: string, version: string): StoredLease =>
  ({
    resourceVersion: version,
    record: {
      holderIdentity: holder,
      leaseDurationSeconds: 15,
      acquireTime: null,
      renewTime: null,
      leaseTransitions: 3,
      strategy: null,
      preferredHolder: null,
    },
    object: {},
    anomalies: [],
  }) as unknown as StoredLease;

const term: ActiveTerm = {
  fencingToken: 3,
  fencingEpoch: '0',
  fence: '3',
  acquiredAt: 0,
  controller: new AbortController(),
  preferredAtAcquisition: null,
};

const base: ElectorSnapshot = {
  status: 'active',
  value: { leader: 'renewing' },
  context: {
    config,
    view: {
      lease: lease('me', '10'),
      observedAt: 0,
      synced: true,
      tombstone: null,
      deletionSeen: false,
    },
    term,
    deadline: 10_000,
    termEnd: null,
    error: null,
    acquireFailures: 0,
    pendingCreate: null,
    stopRequested: false,
    releaseOnExit: false,
  },
};
const at = (value: unknown, context: Partial<ElectorSnapshot['context']> = {}, status = 'active') =>
  ({ ...base, status, value, context: { ...base.context, ...context } }) as ElectorSnapshot;

describe('electorEvents', () => {
  it('sees nothing between identical snapshots', () => {
    expect(electorEvents(base, base, 5_000)).toEqual([]);
  });

  it('derives a renewal round trip from the moved deadline when no write result is known', () => {
    const next = at({ leader: 'holding' }, { deadline: 16_000 });
    expect(electorEvents(base, next, 6_030)).toEqual([
      { type: 'renew.succeeded', roundTripMs: 30, deadlineMarginMs: 3_970, at: 6_030 },
    ]);
  });

  it('calls an unanswered renewal a timeout, and a new error by its kind', () => {
    const retrying = at({ leader: 'retrying' });
    expect(electorEvents(base, retrying, 9_000)).toMatchObject([
      { type: 'renew.failed', kind: 'timeout', error: null, deadlineMarginMs: 1_000 },
    ]);
    const error = new LeaseStoreError('unavailable', '503');
    expect(electorEvents(base, at({ leader: 'retrying' }, { error }), 9_000)).toMatchObject([
      { type: 'renew.failed', kind: 'unavailable', error },
    ]);
  });

  it('ends the term on entering stepping-down, with the reason the machine recorded', () => {
    const next = at({ 'stepping-down': 'draining' }, { termEnd: 'preferred-holder' });
    expect(electorEvents(base, next, 1)).toMatchObject([
      { type: 'term.ended', reason: 'preferred-holder', fencingToken: 3 },
    ]);
  });

  it('says when the drain outlasts its bound: entering lapsing, once, and never for a release', () => {
    const draining = at({ 'stepping-down': 'draining' }, { termEnd: 'step-down' });
    const lapsing = at({ 'stepping-down': 'lapsing' }, { termEnd: 'step-down' });
    expect(electorEvents(draining, lapsing, 7)).toEqual([
      { type: 'drain.timed-out', fencingToken: 3, drainTimeoutMs: config.drainTimeoutMs, at: 7 },
    ]);
    // Staying in lapsing (a watch event while the term runs out) says nothing more.
    expect(electorEvents(lapsing, lapsing, 8)).toEqual([]);
    const releasing = at({ 'stepping-down': 'releasing' }, { termEnd: 'step-down' });
    expect(electorEvents(draining, releasing, 7)).toEqual([{ type: 'release.sent', at: 7 }]);
  });

  it('tells a confirmed release from one that found another holder, by the write result', () => {
    const releasing = at({ 'stepping-down': 'releasing' });
    const after = at('follower', { term: null, deadline: null });
    const done = (outcome: string) => ({ type: 'xstate.done.actor.release', output: { outcome } });
    expect(electorEvents(releasing, after, 1, done('released'))).toMatchObject([
      { type: 'release.confirmed' },
    ]);
    expect(electorEvents(releasing, after, 1, done('not-held'))).toMatchObject([
      { type: 'release.failed', kind: 'not-held' },
    ]);
    const failed = {
      type: 'xstate.error.actor.release',
      error: new LeaseStoreError('forbidden', 'no'),
    };
    expect(electorEvents(releasing, after, 1, failed)).toMatchObject([
      { type: 'release.failed', kind: 'forbidden' },
    ]);
    expect(electorEvents(releasing, after, 1, { type: 'xstate.after.timeout' })).toMatchObject([
      { type: 'release.failed', kind: 'timeout' },
    ]);
  });

  it('reports a holder change seen on the watch before what it caused', () => {
    const follower = at('follower', {
      term: null,
      deadline: null,
      view: {
        lease: lease('other', '11'),
        observedAt: 0,
        synced: true,
        tombstone: null,
        deletionSeen: false,
      },
    });
    const freed = at('candidate', {
      term: null,
      deadline: null,
      view: {
        lease: lease('', '12'),
        observedAt: 5,
        synced: true,
        tombstone: null,
        deletionSeen: false,
      },
    });
    expect(electorEvents(follower, freed, 5, { type: 'lease.observed' })).toMatchObject([
      { type: 'leader.changed', holder: null, previous: 'other', initial: false },
      { type: 'acquire.attempted' },
    ]);
  });

  it('reports a create the watch did not confirm, and one it did as an acquisition', () => {
    const created = lease('me', '20');
    const pendingCreate = { lease: created, sentAt: 0, deadline: 10_000 };
    const confirming = at(
      { candidate: 'confirming' },
      { term: null, deadline: null, pendingCreate },
    );
    const gaveUp = at('follower', { term: null, deadline: null, pendingCreate: null });
    expect(electorEvents(confirming, gaveUp, 5, { type: 'lease.observed' })).toMatchObject([
      { type: 'acquire.unconfirmed' },
    ]);
    const led = at({ leader: 'holding' }, { pendingCreate: null });
    expect(electorEvents(confirming, led, 5, { type: 'lease.observed' })).toMatchObject([
      { type: 'acquire.succeeded', fencingToken: 3 },
      { type: 'term.started', fencingToken: 3 },
    ]);
  });

  it('marks the first observation as initial, and an internal error as the reason it stopped', () => {
    const unsynced = at('follower', { term: null, deadline: null, view: UNSYNCED_VIEW });
    const synced = at('follower', { term: null, deadline: null });
    expect(electorEvents(unsynced, synced, 0, { type: 'lease.observed' })).toMatchObject([
      { type: 'leader.changed', holder: 'me', previous: null, initial: true },
    ]);
    const crashed = { ...synced, status: 'error', error: new Error('bug') };
    expect(electorEvents(synced, crashed, 0)).toMatchObject([
      { type: 'stopped', error: new Error('bug') },
    ]);
  });
});
