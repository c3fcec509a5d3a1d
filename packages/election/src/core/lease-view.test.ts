import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { parseLease } from './lease-record.js';
import { expiresAt, isAcquirable, isOlderVersion, observe, UNSYNCED_VIEW } from './lease-view.js';

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

  it('treats an absent Lease and an empty holder as free at once', () => {
    expect(isAcquirable(observe(UNSYNCED_VIEW, null, 0), config, 0)).toBe(true);
    expect(
      isAcquirable(observe(UNSYNCED_VIEW, lease('4', { holderIdentity: '' }), 0), config, 0),
    ).toBe(true);
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
});
