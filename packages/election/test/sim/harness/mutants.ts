/**
 * Deliberately broken electors and stores, to show that each property check can fail: run a
 * property against a mutant and it must find a violation of the property the mutant breaks.
 *
 * @module
 */
import { map, type Observable } from 'rxjs';
import type { LeaseStore } from '../../../src/core/lease-store.js';
import { createLeaderElector } from '../../../src/handle/leader-elector.js';
import type { LeadershipState, Term } from '../../../src/handle/leadership-state.js';
import type { ElectorFactory, ElectorUnderTest } from './sim-node.js';

type Overrides = {
  readonly isLeader?: (real: ElectorUnderTest) => boolean;
  readonly state$?: (real: ElectorUnderTest) => Observable<LeadershipState>;
};

/** An elector that forwards everything to `real` except the overridden members. */
function delegate(real: ElectorUnderTest, overrides: Overrides): ElectorUnderTest {
  const state$ = overrides.state$?.(real) ?? real.state$;
  const wrapper: ElectorUnderTest = {
    config: real.config,
    start() {
      real.start();
      return wrapper as never;
    },
    stop: () => real.stop(),
    stepDown: () => real.stepDown(),
    runWhileLeader: (work) => real.runWhileLeader(work),
    state$,
    get state() {
      return real.state;
    },
    get isLeader() {
      return overrides.isLeader ? overrides.isLeader(real) : real.isLeader;
    },
  };
  return wrapper;
}

/** Maps each term to one stand-in, so a term keeps its identity across state updates. */
function mapTerms(real: ElectorUnderTest, change: (term: Term) => Term) {
  const standIns = new WeakMap<Term, Term>();
  return real.state$.pipe(
    map((state) => {
      if (state.term === null) return state;
      let standIn = standIns.get(state.term);
      if (!standIn) {
        standIn = change(state.term);
        standIns.set(state.term, standIn);
      }
      return { ...state, term: standIn };
    }),
  );
}

/** S1 mutant: `isLeader` is the published role, not the clock — a flag that a timer clears. */
export const roleFlagElector: ElectorFactory = (options) =>
  delegate(createLeaderElector(options), { isLeader: (real) => real.state.role === 'leader' });

/** S2 mutant: every term carries fencing token 0. */
export const constantTokenElector: ElectorFactory = (options) =>
  delegate(createLeaderElector(options), {
    state$: (real) => mapTerms(real, (term) => ({ ...term, fencingToken: 0 })),
  });

/** S2 mutant: the term's signal handed out never aborts. */
export const deafSignalElector: ElectorFactory = (options) =>
  delegate(createLeaderElector(options), {
    state$: (real) =>
      mapTerms(real, (term) => {
        const signal = new AbortController().signal;
        return Object.defineProperties({} as Term, {
          ...Object.getOwnPropertyDescriptors(term),
          signal: { value: signal },
        });
      }),
  });

/** Wraps the store an elector is given. */
const withStore =
  (wrap: (store: LeaseStore) => LeaseStore): ElectorFactory =>
  (options) =>
    createLeaderElector({ ...options, ...(options.store ? { store: wrap(options.store) } : {}) });

/**
 * S1/S3 mutant: blind writes. Every replace reads the current version first and writes at
 * it, so a decision made on a stale view overwrites whoever holds the Lease now.
 */
export const blindWriteElector = withStore((store) => ({
  ...store,
  async replace(object, _decidedOn, signal) {
    const latest = await store.get(signal);
    return store.replace(object, latest?.resourceVersion ?? _decidedOn, signal);
  },
}));

/** L1 mutant: a watch that stays open but delivers nothing (a follower that only polls). */
export const blindWatchElector = withStore((store) => ({
  ...store,
  watch: ({ signal }) =>
    new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    ),
}));

/** L3 mutant: a watch that ignores the abort of its caller and is never closed. */
export const leakyWatchElector = withStore((store) => ({
  ...store,
  watch: (options) => {
    void store.watch({ ...options, signal: new AbortController().signal }).catch(() => {});
    return new Promise<void>((resolve) =>
      options.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  },
}));

/** L0 mutant: one-shot, like client-go — after its first term ends it never competes again. */
export const oneShotElector: ElectorFactory = (options) => {
  const real = createLeaderElector(options);
  let led = false;
  real.state$.subscribe((state) => {
    if (state.role === 'leader') led = true;
    else if (led && state.role === 'follower') void real.stop();
  });
  return real;
};

/**
 * L2 mutant: the first failed renewal turns into an outage of that elector's writes — as if
 * one error made it give up. Used with a single injected fault.
 */
export const giveUpAfterOneErrorElector = withStore((store) => {
  let broken = false;
  return {
    ...store,
    async replace(object, expected, signal) {
      if (broken) throw new Error('mutant: gave up after one error');
      try {
        return await store.replace(object, expected, signal);
      } catch (error) {
        broken = true;
        throw error;
      }
    },
  };
});
