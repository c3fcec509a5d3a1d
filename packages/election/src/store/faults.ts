/**
 * Injected failures for the in-memory store.
 *
 * @module
 */
import { LeaseStoreError, type LeaseStoreErrorKind } from '../core/errors.js';

/** The port methods a failure can be aimed at. */
export type LeaseStoreMethod = 'get' | 'list' | 'create' | 'replace' | 'watch';

/** Options of `InMemoryLeaseStore.failNext`. */
export interface FailNextOptions {
  /** Only calls of this method fail; by default the next call of any method does. */
  readonly method?: LeaseStoreMethod;
  /** How many matching calls fail, one after another. @defaultValue 1 */
  readonly count?: number;
  /**
   * For `create`/`replace`: apply the write, then fail anyway — the response was lost after
   * the server committed it (a timeout after commit). The caller sees an error although the
   * Lease changed, which is exactly the case an elector must survive.
   * @defaultValue false
   */
  readonly afterCommit?: boolean;
  /** Put on the error as `retryAfterMs`, as a 429 would. */
  readonly retryAfterMs?: number;
  /** Message of the error. */
  readonly message?: string;
}

interface Fault {
  readonly kind: LeaseStoreErrorKind;
  readonly options: FailNextOptions;
  remaining: number;
}

/** A failure taken from the queue for one call. */
export interface TakenFault {
  readonly error: LeaseStoreError;
  readonly afterCommit: boolean;
}

/** FIFO of injected failures. */
export interface FaultQueue {
  add(kind: LeaseStoreErrorKind, options?: FailNextOptions): void;
  /** The first queued failure that matches this call, consumed; `undefined` for none. */
  take(method: LeaseStoreMethod): TakenFault | undefined;
}

const WRITES: readonly LeaseStoreMethod[] = ['create', 'replace'];

/** Creates an empty {@link FaultQueue}. */
export function createFaultQueue(): FaultQueue {
  const faults: Fault[] = [];
  return {
    add(kind, options = {}) {
      const count = options.count ?? 1;
      if (!Number.isInteger(count) || count < 1) {
        throw new RangeError(`failNext: count must be a positive integer, got ${count}`);
      }
      if (options.afterCommit && options.method && !WRITES.includes(options.method)) {
        throw new RangeError(`failNext: afterCommit applies to create and replace only`);
      }
      faults.push({ kind, options, remaining: count });
    },
    take(method) {
      const index = faults.findIndex(
        (fault) =>
          (fault.options.method === undefined || fault.options.method === method) &&
          // An after-commit failure only makes sense for a write; reads pass it by.
          (!fault.options.afterCommit || WRITES.includes(method)),
      );
      const fault = faults[index];
      if (fault === undefined) return undefined;
      fault.remaining -= 1;
      if (fault.remaining === 0) faults.splice(index, 1);
      const { retryAfterMs, message } = fault.options;
      const error = new LeaseStoreError(
        fault.kind,
        message ?? `injected ${fault.kind} failure on ${method}`,
        retryAfterMs === undefined ? {} : { retryAfterMs },
      );
      return { error, afterCommit: fault.options.afterCommit === true };
    },
  };
}
