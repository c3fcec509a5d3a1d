import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { parseLease } from './lease-record.js';
import {
  createdStanding,
  expiresAt,
  isAcquirable,
  isOlderVersion,
  observe,
  UNSYNCED_VIEW,
} from './lease-view.js';

const config = resolveConfig({ name: 'l', namespace: 'ns', identity: 'me' });
const lease = (rv: string, spec: Record<string, unknown>) =>
  parseLease({ kind: 'Lease', metadata: { name: 'l', resourceVersion: rv }, spec });
const heldByA = lease('10', { holderIdentity: 'a', leaseDurationSeconds: 20, renewTime: 't1' });

describe('lease view', () => {
  it('knows nothing before the first list', () => {
    expect(isAcquirable(UNSYNCED_VIEW, config, 1e9)).toBe(false);
  });

  it('expires a holder on the local clock from when its record last changed', () => {
    const view = observe(UNSYNCED_VIEW, heldByA, 1_000);
    expect(expiresAt(view, config)).toBe(21_000);
    expect(isAcquirable(view, config, 20_999)).toBe(false);
    expect(isAcquirable(view, config, 21_000)).toBe(true);
  });

  it('does not restart the clock for an unchanged record (relist, metadata edit)', () => {
    const first = observe(UNSYNCED_VIEW, heldByA, 1_000);
    const again = observe(
      first,
      lease('11', { holderIdentity: 'a', leaseDurationSeconds: 20, renewTime: 't1' }),
      5_000,
    );
    expect(again.observedAt).toBe(1_000);
  });

  it('restarts the clock on a renewal', () => {
    const first = observe(UNSYNCED_VIEW, heldByA, 1_000);
    const renewed = observe(
      first,
      lease('11', { holderIdentity: 'a', leaseDurationSeconds: 20, renewTime: 't2' }),
      5_000,
    );
    expect(expiresAt(renewed, config)).toBe(25_000);
  });

  it('ignores a version older than the one held', () => {
    const current = observe(
      UNSYNCED_VIEW,
      lease('12', { holderIdentity: 'b', leaseDurationSeconds: 20 }),
      1_000,
    );
    expect(observe(current, heldByA, 2_000)).toBe(current);
  });

  it('uses our own duration when the record has none', () => {
    const view = observe(UNSYNCED_VIEW, lease('3', { holderIdentity: 'a' }), 0);
    expect(expiresAt(view, config)).toBe(15_000);
  });

  it('treats an existing Lease with an empty holder (pre-created, released) as free at once', () => {
    expect(
      isAcquirable(observe(UNSYNCED_VIEW, lease('4', { holderIdentity: '' }), 0), config, 0),
    ).toBe(true);
    expect(isAcquirable(observe(UNSYNCED_VIEW, lease('4', {}), 0), config, 0)).toBe(true);
  });

  it('waits out a Lease it never saw, from the first list that found none, for its own duration', () => {
    const view = observe(UNSYNCED_VIEW, null, 2_000, { resourceVersion: '40', deletion: false });
    expect(expiresAt(view, config)).toBe(17_000);
    expect(isAcquirable(view, config, 16_999)).toBe(false);
    // A relist that still finds nothing does not restart the wait.
    const again = observe(view, null, 9_000, { resourceVersion: '41', deletion: false });
    expect(expiresAt(again, config)).toBe(17_000);
    expect(isAcquirable(again, config, 17_000)).toBe(true);
  });

  it('restarts the wait when a list after a lost watch history (410) still finds nothing', () => {
    // A Lease may have been created, held and deleted in the gap the 410 left.
    const held = observe(UNSYNCED_VIEW, heldByA, 0);
    const deleted = observe(held, null, 1_000, { resourceVersion: '12', deletion: true });
    expect(deleted.deletionSeen).toBe(true);
    const relisted = observe(deleted, null, 9_000, {
      resourceVersion: '50',
      deletion: false,
      afterGap: true,
    });
    expect(relisted.observedAt).toBe(9_000);
    expect(relisted.deletionSeen).toBe(false);
    expect(relisted.tombstone).toEqual(heldByA.record);
    expect(expiresAt(relisted, config)).toBe(29_000);
  });

  it('follows a Lease that appears while it waits out an absence', () => {
    const view = observe(UNSYNCED_VIEW, null, 2_000, { resourceVersion: '40', deletion: false });
    const appeared = observe(view, heldByA, 5_000);
    expect(expiresAt(appeared, config)).toBe(25_000);
  });

  it('after a deletion event right after the record, waits out that record only', () => {
    const held = observe(UNSYNCED_VIEW, heldByA, 1_000);
    const released = observe(held, lease('11', { holderIdentity: '' }), 2_000);
    const gone = observe(released, null, 3_000, { resourceVersion: '12', deletion: true });
    expect(gone.deletionSeen).toBe(true);
    expect(expiresAt(gone, config)).toBeNull();
    const goneHeld = observe(held, null, 3_000, { resourceVersion: '12', deletion: true });
    expect(expiresAt(goneHeld, config)).toBe(23_000);
  });

  it('waits a full duration when a relist (not a deletion event) finds the Lease gone', () => {
    // Terms may have come and gone unseen between the released record and the list.
    const released = observe(UNSYNCED_VIEW, lease('11', { holderIdentity: '' }), 2_000);
    const listed = observe(released, null, 3_000, { resourceVersion: '30', deletion: false });
    expect(listed.deletionSeen).toBe(false);
    expect(expiresAt(listed, config)).toBe(18_000);
    // The last holder seen had a longer duration: that one counts.
    const held = observe(UNSYNCED_VIEW, heldByA, 1_000);
    const lost = observe(held, null, 3_000, { resourceVersion: '30', deletion: false });
    expect(expiresAt(lost, config)).toBe(23_000);
  });

  it('ignores an absence observed at a version older than the record held', () => {
    const held = observe(UNSYNCED_VIEW, heldByA, 1_000);
    expect(observe(held, null, 2_000, { resourceVersion: '9', deletion: true })).toBe(held);
    expect(observe(held, null, 2_000, { resourceVersion: '11', deletion: true })).not.toBe(held);
  });

  it('waits out a record naming our own identity (a previous incarnation)', () => {
    const view = observe(
      UNSYNCED_VIEW,
      lease('5', { holderIdentity: 'me', leaseDurationSeconds: 15 }),
      0,
    );
    expect(isAcquirable(view, config, 14_999)).toBe(false);
  });

  it('compares decimal versions numerically and opaque ones not at all', () => {
    expect(isOlderVersion('9', '10')).toBe(true);
    expect(isOlderVersion('10', '9')).toBe(false);
    expect(isOlderVersion('abc', 'abd')).toBe(false);
  });

  describe('a Lease we created, on the watch', () => {
    const withUid = (rv: string, uid: string, holder: string) =>
      parseLease({
        kind: 'Lease',
        metadata: { name: 'l', resourceVersion: rv, uid },
        spec: { holderIdentity: holder, leaseDurationSeconds: 15 },
      });
    const absent = observe(UNSYNCED_VIEW, null, 2_000, { resourceVersion: '40', deletion: false });
    const ours = withUid('60', 'u-ours', 'me');

    it('is pending while the absence decided on is all the watch has shown', () => {
      const listedAgain = observe(absent, null, 9_000, { resourceVersion: '59', deletion: false });
      expect(createdStanding(listedAgain, ours, 2_000, 'me')).toBe('pending');
    });

    it('is confirmed when the watch delivers it with nothing before it', () => {
      expect(createdStanding(observe(absent, ours, 9_000), ours, 2_000, 'me')).toBe('confirmed');
      // A later version of the same object (same uid) confirms it too.
      const later = withUid('61', 'u-ours', 'me');
      expect(createdStanding(observe(absent, later, 9_000), ours, 2_000, 'me')).toBe('confirmed');
    });

    it('is contradicted by another Lease first, by one that came and went, and by a gap', () => {
      const theirs = withUid('50', 'u-theirs', 'c1');
      const sawTheirs = observe(absent, theirs, 5_000);
      expect(createdStanding(sawTheirs, ours, 2_000, 'me')).toBe('contradicted');
      const gone = observe(sawTheirs, null, 6_000, { resourceVersion: '55', deletion: true });
      expect(createdStanding(gone, ours, 2_000, 'me')).toBe('contradicted');
      const afterGap = observe(absent, null, 7_000, {
        resourceVersion: '58',
        deletion: false,
        afterGap: true,
      });
      expect(createdStanding(afterGap, ours, 2_000, 'me')).toBe('contradicted');
    });

    it('is contradicted when our object names someone else by the time we see it', () => {
      const taken = withUid('61', 'u-ours', 'c1');
      expect(createdStanding(observe(absent, taken, 9_000), ours, 2_000, 'me')).toBe(
        'contradicted',
      );
    });

    it('is contradicted by another object naming us (an earlier incarnation of our identity)', () => {
      const earlier = withUid('61', 'u-earlier', 'me');
      expect(createdStanding(observe(absent, earlier, 9_000), ours, 2_000, 'me')).toBe(
        'contradicted',
      );
    });

    it('matches by version when either side has no uid', () => {
      const plainOurs = lease('60', { holderIdentity: 'me' });
      expect(createdStanding(observe(absent, plainOurs, 9_000), ours, 2_000, 'me')).toBe(
        'confirmed',
      );
      expect(createdStanding(observe(absent, ours, 9_000), plainOurs, 2_000, 'me')).toBe(
        'confirmed',
      );
    });

    it('matches by version when the store gives no uids', () => {
      const plain = lease('60', { holderIdentity: 'me' });
      expect(createdStanding(observe(absent, plain, 9_000), plain, 2_000, 'me')).toBe('confirmed');
      const other = lease('61', { holderIdentity: 'me' });
      expect(createdStanding(observe(absent, other, 9_000), plain, 2_000, 'me')).toBe(
        'contradicted',
      );
    });
  });
});
