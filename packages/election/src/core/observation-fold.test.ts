import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { parseLease, type StoredLease } from './lease-record.js';
import { observe, UNSYNCED_VIEW } from './lease-view.js';
import { foldObservation, type ObservationState } from './observation-fold.js';

const lease = (rv: string, spec: Record<string, unknown>): StoredLease =>
  parseLease({ metadata: { name: 'l', resourceVersion: rv }, spec });
const record = (holderIdentity: string, extra: Record<string, unknown> = {}) => ({
  holderIdentity,
  leaseDurationSeconds: 15,
  renewTime: '2026-12-01T00:00:00.000000Z',
  ...extra,
});

/** A leader at t = 1 000, holding version 10. */
const leading = (extra: Record<string, unknown> = {}): ObservationState => ({
  view: observe(UNSYNCED_VIEW, lease('10', record('me', extra)), 1_000),
  term: { preferredAtAcquisition: (extra.preferredHolder as string | undefined) ?? null },
  assigned: false,
});
const followingA: ObservationState = {
  view: observe(UNSYNCED_VIEW, lease('10', record('a')), 1_000),
  term: null,
  assigned: false,
};

describe('folding an observation', () => {
  it('ignores an older version, for every purpose', () => {
    const state = leading();
    const fold = foldObservation(state, lease('9', record('b')), 'me', 2_000);
    expect(fold.stale).toBe(true);
    expect(fold.view).toBe(state.view);
    expect(fold.holder).toBe('me');
    expect(fold.endsTerm).toBeNull();
  });

  it.each([
    { what: 'another holder', next: lease('11', record('b')), endsTerm: 'lost' },
    { what: 'no holder', next: lease('11', record('')), endsTerm: 'lost' },
    { what: 'a deleted Lease', next: null, endsTerm: 'lost' },
    {
      what: 'our own renewal',
      next: lease('11', record('me', { renewTime: '2026-12-01T00:00:02.000000Z' })),
      endsTerm: null,
    },
    {
      what: 'a preferred holder named during the term',
      next: lease('11', record('me', { preferredHolder: 'b' })),
      endsTerm: 'preferred-holder',
    },
  ] as const)('a leader seeing $what: ends the term as $endsTerm', ({ next, endsTerm }) => {
    expect(foldObservation(leading(), next, 'me', 2_000).endsTerm).toBe(endsTerm);
  });

  it('a leader keeps a term when the preferred holder was already named when it took the Lease', () => {
    const state = leading({ preferredHolder: 'b' });
    const next = lease('11', record('me', { preferredHolder: 'b', renewTime: 'x' }));
    expect(foldObservation(state, next, 'me', 2_000).endsTerm).toBeNull();
  });

  it('ends the back-off only on a new record from another holder', () => {
    const renewedByA = lease('11', record('a', { renewTime: '2026-12-01T00:00:02.000000Z' }));
    expect(foldObservation(followingA, renewedByA, 'me', 2_000).endsBackoff).toBe(true);
    const sameRecord = lease('11', record('a'));
    expect(foldObservation(followingA, sameRecord, 'me', 2_000).endsBackoff).toBe(false);
    expect(foldObservation(followingA, lease('11', record('')), 'me', 2_000).endsBackoff).toBe(
      false,
    );
  });

  it('notices the coordinator assigning the Lease to us, and only then', () => {
    const assigned = lease('11', record('me', { strategy: 'OldestEmulationVersion' }));
    const fold = foldObservation(followingA, assigned, 'me', 2_000);
    expect(fold.assigned).toBe(true);
    expect(
      foldObservation(
        { ...followingA, term: { preferredAtAcquisition: null } },
        assigned,
        'me',
        2_000,
      ).assigned,
    ).toBe(false);
    // Our name without a strategy is a previous incarnation: waited out, not taken.
    expect(foldObservation(followingA, lease('11', record('me')), 'me', 2_000).assigned).toBe(
      false,
    );
    // Once assigned, it stays so while the record still names us.
    const again = foldObservation(
      { ...followingA, view: fold.view, assigned: true },
      assigned,
      'me',
      3_000,
    );
    expect(again.assigned).toBe(true);
  });

  const holders = fc.constantFrom('', 'me', 'a', 'b');
  const versions = fc.integer({ min: 1, max: 30 });
  test.prop([holders, versions, holders, versions, fc.integer({ min: 0, max: 1e6 })])(
    'the folded view is the lease view’s own fold, and a current observation naming another ends a term',
    (h1, v1, h2, v2, now) => {
      const state: ObservationState = {
        view: observe(UNSYNCED_VIEW, lease(String(v1), record(h1)), 0),
        term: { preferredAtAcquisition: null },
        assigned: false,
      };
      const next = lease(String(v2), record(h2));
      const fold = foldObservation(state, next, 'me', now);
      expect(fold.view).toEqual(observe(state.view, next, now));
      expect(fold.stale).toBe(v2 < v1);
      expect(fold.endsTerm === 'lost').toBe(v2 >= v1 && h2 !== 'me');
    },
  );
});
