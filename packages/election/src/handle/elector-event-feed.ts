/**
 * The stateful side of `events$`: follows the root machine's snapshots through XState's
 * inspection hook, turns each pair into {@link ElectorEvent}s, and remembers the moments the
 * health probes need.
 *
 * @module
 */
import { type Observable, Subject } from 'rxjs';
import type { InspectionEvent } from 'xstate';
import type { Clock } from '../core/clock.js';
import type { LogSink } from '../core/logger.js';
import { type ElectorEvent, type ElectorSnapshot, electorEvents } from './elector-events.js';
import {
  assessLiveness,
  assessReadiness,
  type HealthMarks,
  type HealthOptions,
  type HealthStatus,
} from './elector-health.js';

/** Feeds `events$` and the health probes of one elector. */
export class ElectorEventFeed {
  /** Hot: subscribers see what happens after they subscribe. Completes when the elector stops. */
  readonly events$: Observable<ElectorEvent>;
  readonly #subject = new Subject<ElectorEvent>();
  readonly #clock: Clock;
  readonly #logger: LogSink;
  #last: ElectorSnapshot | null = null;
  #syncs = 0;
  #marks: HealthMarks = { steppingDownSince: null, stopRequestedAt: null, failed: null };

  constructor(clock: Clock, logger: LogSink) {
    this.#clock = clock;
    this.#logger = logger;
    this.events$ = this.#subject.asObservable();
  }

  /** Pass as `createActor(machine, { inspect })`. */
  readonly inspect = (inspection: InspectionEvent): void => {
    if (inspection.type !== '@xstate.snapshot') return;
    if (inspection.actorRef.sessionId !== inspection.rootId) return;
    const snapshot = inspection.snapshot as unknown as ElectorSnapshot;
    this.next(snapshot, inspection.event);
    if (snapshot.status !== 'active') this.#subject.complete();
  };

  /** Takes the root machine's next snapshot and the machine event behind it. */
  next(snapshot: ElectorSnapshot, cause?: { type: string; error?: unknown }): void {
    const prev = this.#last;
    this.#last = snapshot;
    if (prev === null || this.#subject.closed) return;
    let events: ElectorEvent[];
    try {
      events = electorEvents(prev, snapshot, this.#clock.now(), cause, this.#syncs);
    } catch (error) {
      // Observability must never break the election.
      this.#logger.error('deriving elector events failed', { error: String(error) });
      return;
    }
    for (const event of events) {
      this.#mark(event);
      this.#subject.next(event);
    }
  }

  /** Liveness; see {@link assessLiveness}. */
  health(options?: HealthOptions): HealthStatus {
    return assessLiveness(this.#last, this.#marks, this.#clock.now(), options);
  }

  /** Readiness; see {@link assessReadiness}. */
  readiness(): HealthStatus {
    return assessReadiness(this.#last);
  }

  /**
   * Ends the stream when the elector has stopped. XState reports a final or error snapshot to
   * the inspection hook only after the elector has reacted to it (here), in the same call: that
   * report, which carries the cause, ends the stream then; the microtask is a backstop.
   */
  finish(snapshot: ElectorSnapshot): void {
    const end = () => {
      if (this.#subject.closed) return;
      if (this.#last !== snapshot) this.next(snapshot);
      this.#subject.complete();
    };
    if (snapshot.status === 'done' || snapshot.status === 'error') queueMicrotask(end);
    else end();
  }

  #mark(event: ElectorEvent): void {
    switch (event.type) {
      case 'watch.synced':
        this.#syncs++;
        break;
      case 'term.ended':
        this.#marks = { ...this.#marks, steppingDownSince: event.at };
        break;
      case 'release.confirmed':
      case 'release.failed':
        this.#marks = { ...this.#marks, steppingDownSince: null };
        break;
      case 'stop.requested':
        this.#marks = { ...this.#marks, stopRequestedAt: event.at };
        break;
      case 'stopped':
        this.#marks = {
          steppingDownSince: null,
          stopRequestedAt: null,
          failed: event.error === null ? null : { error: event.error },
        };
        break;
      default:
        break;
    }
  }
}
