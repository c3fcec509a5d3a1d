/**
 * RxJS operators that compose leadership with other streams.
 *
 * @module
 */
import {
  distinctUntilChanged,
  EMPTY,
  filter,
  fromEvent,
  type MonoTypeOperatorFunction,
  map,
  type Observable,
  switchMap,
  takeUntil,
} from 'rxjs';
import type { LeadershipState, Term } from './leadership-state.js';

/** Anything with a leadership stream: a `LeaderElector`, or a test double. */
export interface LeadershipSource {
  readonly state$: Observable<LeadershipState>;
}

/**
 * Emits each term as it starts.
 *
 * @example
 * ```ts
 * leadershipTerms(elector).subscribe((term) => console.log('leading with token', term.fencingToken));
 * ```
 */
export function leadershipTerms(source: LeadershipSource): Observable<Term> {
  return source.state$.pipe(
    map((state) => state.term),
    distinctUntilChanged(),
    switchMap((term) => (term ? [term] : EMPTY)),
  );
}

/**
 * Mirrors `source$` only while leader: subscribes to it when a term starts and unsubscribes
 * the moment the term's signal aborts; resubscribes on the next term. Each value is passed on
 * only if the term is current at that moment ({@link Term.isCurrent}), so a value emitted
 * after a stall carried the process past its deadline is dropped. Completes when the
 * elector stops.
 *
 * @example
 * ```ts
 * interval(1000).pipe(whileLeader(elector)).subscribe(() => reconcile());
 * // ticks only while this process leads; teardown runs as leadership ends
 * ```
 * @see leadershipTerms
 */
export function whileLeader<T>(elector: LeadershipSource): MonoTypeOperatorFunction<T> {
  return (source$) =>
    leadershipTerms(elector).pipe(
      switchMap((term) =>
        term.signal.aborted
          ? EMPTY
          : source$.pipe(
              takeUntil(fromEvent(term.signal, 'abort')),
              // A value can arrive after the term ended on the clock but before the timer
              // that aborts the signal has run (an event-loop stall): check at emission.
              filter(() => term.isCurrent()),
            ),
      ),
    );
}
