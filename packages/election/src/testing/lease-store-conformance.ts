/**
 * One conformance suite for every {@link LeaseStore}: the in-memory store and the Kubernetes
 * adapter (against the embedded API server) both run it, so unit tests written against the
 * in-memory store mean the same thing against a cluster.
 *
 * @remarks
 * Needs `vitest` (it declares `describe`/`it` blocks). Call it at the top level of a test file:
 *
 * ```ts
 * describeLeaseStoreConformance('in-memory store', async () => {
 *   const store = createInMemoryLeaseStore({ name: 'conformance', namespace: 'default' });
 *   return {
 *     store,
 *     writeAsOtherClient: async (object) => store.write(object),
 *     deleteLease: async () => void store.delete(),
 *     forceGone: async () => store.compact(),
 *     close: async () => {},
 *   };
 * });
 * ```
 *
 * What it checks: reads of an absent Lease; create, and a second create (`already-exists`);
 * replace at the current version, at a stale one (`conflict`, nothing changed) and of a deleted
 * Lease (`conflict`); foreign fields kept; watches from the list version and from an older one,
 * in order; `gone` for a compacted version; aborting a watch; three-digit MicroTimes and a zero
 * duration refused (`invalid`); six-digit MicroTimes identical on every path.
 *
 * @module
 */
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { isStoreError } from '../core/errors.js';
import type { LeaseStore } from '../core/lease-store.js';
import { type ConformanceBackend, type ConformanceSuite, lease } from './conformance-kit.js';
import { declareWatchChecks } from './conformance-watch.js';
import { declareWriteChecks } from './conformance-writes.js';

export type { ConformanceBackend } from './conformance-kit.js';

/** Options of {@link describeLeaseStoreConformance}. */
export interface ConformanceOptions {
  /** Written reasons to skip a check the backend cannot support. */
  readonly skip?: {
    /** Why the backend cannot make a version too old (required when `forceGone` is absent). */
    readonly gone?: string;
    /** Why the backend does not answer a replace of a deleted Lease as the API server does. */
    readonly replaceDeleted?: string;
  };
}

/**
 * Declares the conformance suite for the {@link LeaseStore} built by `makeBackend`, which is
 * called once per check (and closed after it) so that checks never see each other's writes.
 */
export function describeLeaseStoreConformance(
  name: string,
  makeBackend: () => Promise<ConformanceBackend>,
  options: ConformanceOptions = {},
): void {
  describe(`LeaseStore conformance: ${name}`, () => {
    let backend: ConformanceBackend | undefined;
    const current = (): ConformanceBackend => {
      if (backend === undefined) throw new Error('no backend: the check runs outside its test');
      return backend;
    };
    const store = (): LeaseStore => current().store;
    const signal = () => AbortSignal.timeout(10_000);
    const suite: ConformanceSuite = {
      options,
      backend: current,
      store,
      signal,
      create: (spec) => store().create(lease(store(), spec), signal()),
      async expectKind(promise, kind) {
        const error = await promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isStoreError(error, kind), `expected LeaseStoreError ${kind}, got ${error}`).toBe(
          true,
        );
      },
    };

    beforeEach(async () => {
      backend = await makeBackend();
    });
    afterEach(async () => {
      await backend?.close();
      backend = undefined;
    });

    declareWriteChecks(suite);
    declareWatchChecks(suite);
  });
}
