// What the controller does while it leads: one reconcile pass every few seconds, each stamped
// with the term's fencing token, until the term's signal aborts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Term } from '@leasehold/election';
import type { ControllerMetrics } from './metrics.ts';

/**
 * One pass. A real controller would read desired and actual state and write the difference,
 * passing `fencingToken` to every system that can refuse writes of older terms.
 */
export type Reconciler = (pass: { fencingToken: number; signal: AbortSignal }) => Promise<void>;

/** A reconciler that only reports: it prints one JSON line per pass. */
export const logReconciler: Reconciler = async ({ fencingToken }) => {
  console.log(JSON.stringify({ msg: 'reconcile', fencingToken, at: new Date().toISOString() }));
};

export function leaderWork(reconcile: Reconciler, everyMs: number, metrics: ControllerMetrics) {
  return async (term: Term): Promise<void> => {
    console.log(JSON.stringify({ msg: 'leading', fencingToken: term.fencingToken }));
    try {
      while (term.isCurrent()) {
        await reconcile({ fencingToken: term.fencingToken, signal: term.signal });
        metrics.reconciled();
        await sleep(everyMs, undefined, { signal: term.signal });
      }
    } catch (error) {
      if (!term.signal.aborted) throw error;
      // The term ended during a pass or a pause: stop here, the elector releases next.
    } finally {
      console.log(JSON.stringify({ msg: 'stopped leading', fencingToken: term.fencingToken }));
    }
  };
}
