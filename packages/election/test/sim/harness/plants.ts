/**
 * Realistic bugs planted in a copy of the elector, each of which once went unnoticed by the
 * suite (issue 15): the test `planted-bugs.test.ts` loads the simulation with one of them mocked
 * in and asserts the default search finds it.
 *
 * Each plant replaces one export of the module that holds the rule, with the rule broken the
 * way a plausible edit would break it; everything else is the real code.
 *
 * @module
 */
import type { ElectionConfig } from '../../../src/core/config.js';
import { releaseFields, withElectionFields } from '../../../src/core/lease-record.js';
import type * as LeaseView from '../../../src/core/lease-view.js';
import type * as LeaseWrites from '../../../src/machine/lease-writes.js';

/** Module paths, relative to this directory's parent (the test files). */
export const LEASE_WRITES = '../../src/machine/lease-writes.js';
export const LEASE_VIEW = '../../src/core/lease-view.js';

/** Plant 1: the renewal's "sent at" is taken when its answer arrives. */
export function renewalDeadlineFromAnswer(real: typeof LeaseWrites): typeof LeaseWrites {
  return {
    ...real,
    async renewLease(context, cached) {
      const result = await real.renewLease(context, cached);
      return result.outcome === 'renewed' ? { ...result, sentAt: context.clock.now() } : result;
    },
  };
}

/** Plant 2: the acquisition's "sent at" is taken when its answer arrives. */
export function acquisitionDeadlineFromAnswer(real: typeof LeaseWrites): typeof LeaseWrites {
  return {
    ...real,
    async acquireLease(context, decidedOn, deleted) {
      const result = await real.acquireLease(context, decidedOn, deleted);
      return result.outcome === 'acquired' ? { ...result, sentAt: context.clock.now() } : result;
    },
  };
}

/** Plant 3: a follower may take the Lease one retry period before the holder's expiry. */
export function followerOneRetryEarly(real: typeof LeaseView): typeof LeaseView {
  const expiresAt = (view: LeaseView.LeaseView, config: ElectionConfig) => {
    const expiry = real.expiresAt(view, config);
    return expiry === null ? null : expiry - config.retryPeriodMs;
  };
  return {
    ...real,
    expiresAt,
    isAcquirable(view, config, now) {
      if (!view.synced) return false;
      const expiry = expiresAt(view, config);
      return expiry === null || now >= expiry;
    },
  };
}

/** Plant 4: the release re-reads the Lease but does not check that we still hold it. */
export function releaseWithoutHolderCheck(real: typeof LeaseWrites): typeof LeaseWrites {
  return {
    ...real,
    async releaseLease({ store, clock, signal }) {
      const fresh = await store.get(signal);
      if (fresh === null) return { outcome: 'not-held', lease: null };
      const lease = await store.replace(
        withElectionFields(fresh, releaseFields(fresh.record, clock.wallNow())),
        fresh.resourceVersion,
        signal,
      );
      return { outcome: 'released', lease };
    },
  };
}
