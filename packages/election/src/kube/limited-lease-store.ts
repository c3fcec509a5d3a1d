/**
 * A {@link LeaseStore} whose requests pass through a {@link RequestLimiter}, renewals first.
 *
 * @remarks
 * A write is a renewal (or a release) when it keeps the holder this store last saw on the
 * Lease, or clears it: only a live term's holder does that, and its deadline is the one that
 * must not slip. Acquisitions, creates and reads wait behind them. The store learns the
 * current holder from its own reads, writes and watch events. Watches are long-lived streams
 * and do not take a slot.
 *
 * @module
 */
import type { LeaseObject, StoredLease } from '../core/lease-record.js';
import type { LeaseStore } from '../core/lease-store.js';
import type { RequestLimiter, RequestPriority } from './request-limiter.js';

/** Wraps `store` so that its get, list, create and replace go through `limiter`. */
export function limitLeaseStore(store: LeaseStore, limiter: RequestLimiter): LeaseStore {
  let knownHolder: string | undefined;
  const learn = (lease: StoredLease | null) => {
    knownHolder = lease?.record.holderIdentity ?? undefined;
    return lease;
  };
  const priorityOf = (object: LeaseObject): RequestPriority => {
    const holder = object.spec?.holderIdentity ?? '';
    return holder === '' || (knownHolder !== undefined && holder === knownHolder) ? 0 : 1;
  };
  return {
    name: store.name,
    namespace: store.namespace,
    get: (signal) => limiter.run(1, signal, () => store.get(signal)).then(learn),
    list: (signal) =>
      limiter
        .run(1, signal, () => store.list(signal))
        .then((listing) => {
          learn(listing.lease);
          return listing;
        }),
    create: (object, signal) =>
      limiter
        .run(1, signal, () => store.create(object, signal))
        .then(learn) as Promise<StoredLease>,
    replace: (object, expected, signal) =>
      limiter
        .run(priorityOf(object), signal, () => store.replace(object, expected, signal))
        .then(learn) as Promise<StoredLease>,
    watch: (options) =>
      store.watch({
        ...options,
        onEvent: (event) => {
          if (event.type === 'upsert') learn(event.lease);
          else if (event.type === 'deleted') learn(null);
          options.onEvent(event);
        },
      }),
  };
}
