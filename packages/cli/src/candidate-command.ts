/**
 * `leasehold candidate`: one elector whose every leadership event is a JSON line on stdout.
 * The demo and the chaos runner spawn it and check the lines (see `intervals.ts`).
 *
 * @module
 */
import {
  type LeaderElector,
  LeadershipLostError,
  type LeadershipState,
  type Term,
} from '@leasehold/election';
import { HELP_OPTION, parseCommandArgs } from './args.js';
import {
  createElectorFromFlags,
  ELECTION_OPTIONS,
  ELECTION_OPTIONS_HELP,
  electorOptionsFrom,
} from './election-options.js';
import { type CandidateEvent, formatEventLine, monotonicNow, toMonotonicNs } from './events.js';
import { keepAlive } from './keep-alive.js';
import {
  OBSERVABILITY_OPTIONS,
  OBSERVABILITY_OPTIONS_HELP,
  observabilityFrom,
  serveObservability,
} from './observability-server.js';

export const CANDIDATE_HELP = `Usage: leasehold candidate --name LEASE [options]

Competes for a Lease and prints one JSON line per leadership event on stdout, for the demo
and for test harnesses. It does no work while leading. Times ("at", "deadline",
"leaseExpiresAt") are CLOCK_MONOTONIC nanoseconds as decimal strings, the clock of
process.hrtime.bigint(), shared by all processes on the machine.

  {"type":"leading","identity":ID,"at":NS,"fencingToken":N,"deadline":NS}   a term began
  {"type":"renewed","identity":ID,"at":NS,"deadline":NS}       a renewal moved the deadline
  {"type":"stopped-leading","identity":ID,"at":NS,"reason":R}  the term ended
      (R: deadline, lost, preferred-holder, step-down, stop)
  {"type":"state","identity":ID,"at":NS,"role":ROLE,"holder":H,"fencingToken":N,
   "leaseExpiresAt":NS,"error":MSG}   role, holder, token, followers' expiry or error changed
  {"type":"exit","identity":ID,"at":NS,"code":N}               just before exiting

With --exit-with-stdin, end-of-file on stdin stops it like SIGTERM: a parent that gives
each candidate a pipe as stdin cannot leave one behind, even if the parent is killed.

A leader's "deadline" is when its own view of the term expires: it cannot act past it even
if it is paused or killed and never prints stopped-leading. SIGTERM or SIGINT stops the
elector (releasing the Lease if leading) and exits 0.

${ELECTION_OPTIONS_HELP}
  --exit-with-stdin       stop and exit when stdin closes

${OBSERVABILITY_OPTIONS_HELP}
  -h, --help              show this help`;

/** Writes one event line to stdout (synchronous for pipes and files on Linux). */
function emit(event: CandidateEvent): void {
  process.stdout.write(`${formatEventLine(event)}\n`);
}

/** Why a term ended, from its signal's reason. */
function endReason(term: Term): string {
  const reason: unknown = term.signal.reason;
  return reason instanceof LeadershipLostError ? reason.reason : 'unknown';
}

/** Emits leading / renewed / stopped-leading / state lines for one elector. */
export function reportLeadership(elector: LeaderElector): void {
  const identity = elector.config.identity;
  let current: Term | null = null;
  let lastDeadline: number | null = null;
  let lastStateKey = '';

  const endTerm = (term: Term): void => {
    if (current !== term) return;
    current = null;
    lastDeadline = null;
    emit({ type: 'stopped-leading', identity, at: monotonicNow(), reason: endReason(term) });
  };

  const onState = (state: LeadershipState): void => {
    if (current !== null && state.term !== current) endTerm(current);
    if (state.term !== null && state.term !== current && !state.term.signal.aborted) {
      const term = state.term;
      current = term;
      lastDeadline = state.deadline ?? term.deadline;
      emit({
        type: 'leading',
        identity,
        at: monotonicNow(),
        fencingToken: term.fencingToken,
        deadline: toMonotonicNs(lastDeadline),
      });
      // The signal aborts the moment the term ends, before the new state is published.
      term.signal.addEventListener('abort', () => endTerm(term), { once: true });
    } else if (current !== null && state.deadline !== null && state.deadline !== lastDeadline) {
      lastDeadline = state.deadline;
      emit({
        type: 'renewed',
        identity,
        at: monotonicNow(),
        deadline: toMonotonicNs(lastDeadline),
      });
    }
    const key = [
      state.role,
      state.holder,
      state.fencingToken,
      state.leaseExpiresAt,
      state.error?.message,
    ].join('|');
    if (key === lastStateKey) return;
    lastStateKey = key;
    emit({
      type: 'state',
      identity,
      at: monotonicNow(),
      role: state.role,
      holder: state.holder,
      fencingToken: state.fencingToken,
      ...(state.leaseExpiresAt !== null && {
        leaseExpiresAt: toMonotonicNs(state.leaseExpiresAt),
      }),
      ...(state.error !== null && { error: state.error.message }),
    });
  };

  elector.state$.subscribe({ next: onState });
}

/** Runs the command; resolves with the exit code. */
export async function candidateCommand(args: readonly string[]): Promise<number> {
  const { values } = parseCommandArgs('candidate', args, {
    ...ELECTION_OPTIONS,
    'exit-with-stdin': { type: 'boolean' },
    ...OBSERVABILITY_OPTIONS,
    ...HELP_OPTION,
  });
  if (values.help === true) {
    console.log(CANDIDATE_HELP);
    return 0;
  }
  const elector = createElectorFromFlags(
    'candidate',
    electorOptionsFrom('candidate', values, 'leasehold candidate'),
  );
  const identity = elector.config.identity;
  reportLeadership(elector);
  const endpoints = await serveObservability(elector, observabilityFrom('candidate', values));

  const release = keepAlive();
  const exitCode = await new Promise<number>((resolve) => {
    let stopRequested = false;
    const stop = (): void => {
      stopRequested = true;
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      elector.stop().then(
        () => resolve(0),
        (error: unknown) => {
          emit({ type: 'error', identity, at: monotonicNow(), error: String(error) });
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    if (values['exit-with-stdin'] === true) {
      process.stdin.once('end', stop);
      process.stdin.resume();
    }
    // The streams complete on their own only if the elector died of an internal error.
    elector.state$.subscribe({ complete: () => stopRequested || resolve(1) });
    elector.start();
  });
  await endpoints.close();
  release();
  emit({ type: 'exit', identity, at: monotonicNow(), code: exitCode });
  return exitCode;
}
