import type { Observable, Subject } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import type { ConfigError, LeaseStoreErrorKind, TermEndReason } from '../core/errors.js';
import type { LeaderElector, LeaderElectorOptions } from './leader-elector.js';
import type { LeadershipRole, LeadershipState, Term } from './leadership-state.js';

describe('public types', () => {
  it('exposes state as read-only observables, never as a subject users could push into', () => {
    expectTypeOf<LeaderElector['state$']>().toEqualTypeOf<Observable<LeadershipState>>();
    expectTypeOf<LeaderElector['state$']>().not.toMatchTypeOf<Subject<LeadershipState>>();
    expectTypeOf<LeaderElector['isLeader$']>().toEqualTypeOf<Observable<boolean>>();
    expectTypeOf<LeaderElector['leader$']>().toEqualTypeOf<Observable<string | null>>();
  });

  it('names exactly five roles', () => {
    expectTypeOf<LeadershipRole>().toEqualTypeOf<
      'follower' | 'candidate' | 'leader' | 'stepping-down' | 'stopped'
    >();
  });

  it('gives terms a fencing token, a signal and a check made at the moment of use', () => {
    expectTypeOf<Term['fencingToken']>().toEqualTypeOf<number>();
    expectTypeOf<Term['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<Term['isCurrent']>().toEqualTypeOf<() => boolean>();
    expectTypeOf<LeaderElector['whenLeader']>().returns.toEqualTypeOf<Promise<Term>>();
  });

  it('requires only the Lease name', () => {
    expectTypeOf<{ name: string }>().toMatchTypeOf<LeaderElectorOptions>();
    expectTypeOf<{ namespace: string }>().not.toMatchTypeOf<LeaderElectorOptions>();
  });

  it('keeps error kinds and term-end reasons closed unions', () => {
    expectTypeOf<LeaseStoreErrorKind>().toEqualTypeOf<
      | 'conflict'
      | 'already-exists'
      | 'not-found'
      | 'gone'
      | 'unauthorized'
      | 'forbidden'
      | 'invalid'
      | 'unavailable'
    >();
    expectTypeOf<TermEndReason>().toEqualTypeOf<
      'deadline' | 'lost' | 'preferred-holder' | 'step-down' | 'stop'
    >();
    expectTypeOf<ConfigError['code']>().toEqualTypeOf<'ERR_LEASEHOLD_CONFIG'>();
  });
});
