/**
 * The lease view's edges that the mutation run found unpinned: versions that are equal or only
 * look decimal, a Lease appearing or disappearing under a synced view, the tombstone of a
 * deleted Lease, the preferred candidate's head start, and a hand-over by the coordinator.
 * Each case fails under one of the surviving mutants listed in docs/mutation-survivors.md.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { parseLease } from './lease-record.js';
import {
  assignedToUs,
  expiresAt,
  holderOf,
  isAcquirable,
  isOlderVersion,
  type LeaseView,
  observe,
  UNSYNCED_VIEW,
} from './lease-view.js';

const config = resolveConfig({ name: 'l', namespace: 'ns', identity: 'me' });
const lease = (rv: string, spec: Record<string, unknown>) =>
  parseLease({ kind: 'Lease', metadata: { name: 'l', resourceVersion: rv }, spec });
const heldBy = (rv: string, holder: string, extra: Record<string, unknown> = {}) =>
  lease(rv, { holderIdentity: holder, leaseDurationSeconds: 20, renewTime: 't1', ...extra });

describe('isOlderVersion at its edges', () => {
  it('never calls a version older than itself', () => {
    expect(isOlderVersion('5', '5')).toBe(false);
    expect(isOlderVersion('123', '123')).toBe(false);
  });

  it('compares by value across lengths, both ways', () => {
    expect(isOlderVersion('9', '10')).toBe(true);
    expect(isOlderVersion('10', '9')).toBe(false);
  });

  it('treats a version with trailing non-digits as opaque, on either side', () => {
    // Compared as text these would be "older"; a version that is not a whole decimal
    // integer is opaque, so neither is.
    expect(isOlderVersion('1a', '22')).toBe(false);
    expect(isOlderVersion('11', '2a')).toBe(false);
    expect(isOlderVersion('a1', '22')).toBe(false);
    // A leading character that sorts before or after the digits must not pass either.
    expect(isOlderVersion('-1', '22')).toBe(false);
    expect(isOlderVersion('11', 'a2')).toBe(false);
  });
});

describe('observe under a synced view', () => {
  it('restarts the clock when the Lease disappears, and keeps its record as a tombstone', () => {
    const held = observe(UNSYNCED_VIEW, heldBy('10', 'a'), 1_000);
    const gone = observe(held, null, 4_000);
    expect(gone.observedAt).toBe(4_000);
    expect(gone.synced).toBe(true);
    expect(gone.lease).toBeNull();
    expect(gone.tombstone).toEqual(held.lease?.record);
  });

  it('restarts the clock when the Lease appears, and drops the tombstone', () => {
    const gone = observe(observe(UNSYNCED_VIEW, heldBy('10', 'a'), 1_000), null, 4_000);
    const back = observe(gone, heldBy('12', 'b'), 9_000);
    expect(back.observedAt).toBe(9_000);
    expect(back.tombstone).toBeNull();
  });

  it('keeps the clock and the tombstone while the Lease stays absent', () => {
    const gone = observe(observe(UNSYNCED_VIEW, heldBy('10', 'a'), 1_000), null, 4_000);
    const still = observe(gone, null, 7_000);
    expect(still.observedAt).toBe(4_000);
    expect(still.tombstone).toEqual(gone.tombstone);
  });

  it('has no tombstone when the first list finds no Lease', () => {
    const first = observe(UNSYNCED_VIEW, null, 3_000);
    expect(first).toEqual({
      lease: null,
      observedAt: 3_000,
      synced: true,
      tombstone: null,
      deletionSeen: false,
    });
  });

  it('does not inherit a tombstone from an unsynced view', () => {
    const stale: LeaseView = { ...UNSYNCED_VIEW, tombstone: heldBy('1', 'a').record };
    expect(observe(stale, null, 3_000).tombstone).toBeNull();
  });

  it('restarts the clock for a changed record even when the version is not comparable', () => {
    const held = observe(UNSYNCED_VIEW, heldBy('x1', 'a'), 1_000);
    const renewed = observe(held, heldBy('x0', 'a', { renewTime: 't2' }), 6_000);
    expect(renewed.observedAt).toBe(6_000);
  });

  it('ignores an older version only when both are present', () => {
    const held = observe(UNSYNCED_VIEW, heldBy('12', 'a'), 1_000);
    expect(observe(held, heldBy('11', 'b'), 2_000)).toBe(held);
    expect(observe(held, null, 2_000).lease).toBeNull();
  });
});

describe('expiresAt for a deleted Lease (tombstone)', () => {
  const deleteAt = (spec: Record<string, unknown>, at: number) =>
    observe(observe(UNSYNCED_VIEW, lease('10', spec), 0), null, at, {
      resourceVersion: '11',
      deletion: true,
    });

  it("waits out the last holder's own duration from when the deletion was seen", () => {
    const view = deleteAt({ holderIdentity: 'a', leaseDurationSeconds: 20 }, 5_000);
    expect(expiresAt(view, config)).toBe(25_000);
    expect(isAcquirable(view, config, 24_999)).toBe(false);
    expect(isAcquirable(view, config, 25_000)).toBe(true);
  });

  it('falls back to our duration when the deleted record had none', () => {
    const view = deleteAt({ holderIdentity: 'a' }, 5_000);
    expect(expiresAt(view, config)).toBe(5_000 + config.leaseDurationMs);
  });

  it('is free at once when the deleted record named no holder', () => {
    const view = deleteAt({ holderIdentity: '', leaseDurationSeconds: 20 }, 5_000);
    expect(expiresAt(view, config)).toBeNull();
    expect(isAcquirable(view, config, 5_000)).toBe(true);
  });

  it('keeps a witnessed deletion witnessed while the Lease stays absent, and forgets it when it returns', () => {
    const gone = deleteAt({ holderIdentity: '', leaseDurationSeconds: 20 }, 5_000);
    const relisted = observe(gone, null, 6_000, { resourceVersion: '12', deletion: false });
    expect(relisted.deletionSeen).toBe(true);
    expect(observe(relisted, null, 7_000).deletionSeen).toBe(true);
    const back = observe(relisted, lease('13', {}), 8_000);
    expect(back.deletionSeen).toBe(false);
  });

  it('an absence without a note (a read that found nothing) is not a witnessed deletion', () => {
    const held = observe(UNSYNCED_VIEW, lease('10', { holderIdentity: '' }), 0);
    const read = observe(held, null, 5_000);
    expect(read.deletionSeen).toBe(false);
    expect(expiresAt(read, config)).toBe(5_000 + config.leaseDurationMs);
  });

  it('an unwitnessed absence stays unwitnessed while relists keep finding no Lease', () => {
    // A short-lived holder's record, then an absence nobody saw happen: it is waited out by
    // our own (longer) duration, and a later relist that still finds nothing must not turn
    // it into a witnessed deletion, which would shorten the wait to the record's 5 s.
    const held = observe(UNSYNCED_VIEW, heldBy('10', 'a', { leaseDurationSeconds: 5 }), 0);
    const absent = observe(held, null, 1_000, { resourceVersion: '12', deletion: false });
    const relisted = observe(absent, null, 2_000, { resourceVersion: '13', deletion: false });
    expect(relisted.deletionSeen).toBe(false);
    expect(relisted.tombstone).toEqual(held.lease?.record);
    expect(expiresAt(relisted, config)).toBe(1_000 + config.leaseDurationMs);
  });

  it("does not stretch an unwitnessed absence by a released record's duration", () => {
    // The last record named no holder: nobody can be leading on it, so its (long) duration
    // adds nothing to the wait; our own lease duration does.
    const released = observe(
      UNSYNCED_VIEW,
      lease('10', { holderIdentity: '', leaseDurationSeconds: 60 }),
      0,
    );
    const absent = observe(released, null, 1_000, { resourceVersion: '12', deletion: false });
    expect(expiresAt(absent, config)).toBe(1_000 + config.leaseDurationMs);
    // A holder's longer duration does stretch it.
    const held = observe(UNSYNCED_VIEW, heldBy('10', 'a', { leaseDurationSeconds: 60 }), 0);
    expect(expiresAt(observe(held, null, 1_000), config)).toBe(61_000);
  });
});

describe('a release naming a preferred holder', () => {
  const released = (preferredHolder: string) =>
    observe(
      UNSYNCED_VIEW,
      lease('20', {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        strategy: 'OldestEmulationVersion',
        preferredHolder,
      }),
      2_000,
    );

  it("gives someone else the released record's duration to take it first", () => {
    const view = released('other');
    expect(expiresAt(view, config)).toBe(3_000);
    expect(isAcquirable(view, config, 2_999)).toBe(false);
    expect(isAcquirable(view, config, 3_000)).toBe(true);
  });

  it('is free at once for the preferred holder itself', () => {
    expect(expiresAt(released('me'), config)).toBeNull();
  });
});

describe('isAcquirable before the first list', () => {
  it('refuses even a view whose fields would say free', () => {
    const unsyncedFree: LeaseView = { ...UNSYNCED_VIEW, lease: lease('1', { holderIdentity: '' }) };
    expect(isAcquirable(unsyncedFree, config, 1e9)).toBe(false);
  });
});

describe('assignedToUs (coordinated election)', () => {
  const strategy = { strategy: 'OldestEmulationVersion' };
  const before = observe(UNSYNCED_VIEW, heldBy('10', 'a', strategy), 0);
  const toUs = observe(before, heldBy('11', 'me', strategy), 100);

  it('is true for a hand-over to us seen while running', () => {
    expect(assignedToUs(before, toUs, 'me')).toBe(true);
  });

  it('is true when the Lease was absent before', () => {
    const absent = observe(UNSYNCED_VIEW, null, 0);
    expect(assignedToUs(absent, observe(absent, heldBy('11', 'me', strategy), 100), 'me')).toBe(
      true,
    );
  });

  it('is false before the first list', () => {
    expect(assignedToUs(UNSYNCED_VIEW, toUs, 'me')).toBe(false);
  });

  it('is false when the record already named us', () => {
    const ours = observe(UNSYNCED_VIEW, heldBy('10', 'me', strategy), 0);
    expect(assignedToUs(ours, observe(ours, heldBy('11', 'me', strategy), 100), 'me')).toBe(false);
  });

  it('is false when the Lease is gone after', () => {
    expect(assignedToUs(before, observe(before, null, 100), 'me')).toBe(false);
  });

  it('is false when it names someone else', () => {
    expect(assignedToUs(before, observe(before, heldBy('11', 'b', strategy), 100), 'me')).toBe(
      false,
    );
  });

  it('is false without a strategy (an ordinary acquisition, not an assignment)', () => {
    const plain = observe(UNSYNCED_VIEW, heldBy('10', 'a'), 0);
    expect(assignedToUs(plain, observe(plain, heldBy('11', 'me'), 100), 'me')).toBe(false);
  });
});

describe('holderOf', () => {
  it('says nobody for an absent Lease, an empty holder, and names a holder', () => {
    expect(holderOf(observe(UNSYNCED_VIEW, null, 0))).toBeNull();
    expect(holderOf(UNSYNCED_VIEW)).toBeNull();
    expect(holderOf(observe(UNSYNCED_VIEW, lease('1', { holderIdentity: '' }), 0))).toBeNull();
    expect(holderOf(observe(UNSYNCED_VIEW, heldBy('1', 'a'), 0))).toBe('a');
  });
});
