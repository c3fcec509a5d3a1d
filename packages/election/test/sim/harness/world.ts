/**
 * Simulated real time: one manual clock that every process and the server share, run event by
 * event.
 *
 * @remarks
 * Real time is whole milliseconds. Each scheduled callback is one *event*; events run one at a
 * time, in due order (ties in scheduling order), and after each one the microtask queue is
 * drained (Node drains it between timer callbacks too) and the boundary hooks run — that is
 * where the invariants are checked, so an overlap of two leaders is seen at the first instant
 * it exists. Nothing here touches real timers: a run is a pure function of its schedule.
 *
 * The manual clock fires every timer due at one instant in a single synchronous batch; to get
 * one event per callback, a timer only moves its callback to a ready queue, and the run loop
 * takes callbacks from that queue one by one.
 *
 * @module
 */
import { createManualClock, type ManualClock } from '../../../src/core/manual-clock.js';

/** Drains the microtask queue: one macrotask turn runs every queued reaction, however deep. */
export const drainMicrotasks = (): Promise<void> =>
  new Promise<void>((resolve) => setImmediate(resolve));

/** A handle to cancel a scheduled event. */
export interface WorldTimer {
  cancelled: boolean;
  /** The manual clock's handle, to take a cancelled event off the clock. */
  readonly handle: unknown;
}

/** The shared simulated real time. */
export interface World {
  /** The manual clock behind real time; also the in-memory server's clock. */
  readonly clock: ManualClock;
  /** Current real time in ms. */
  now(): number;
  /** Runs `event` after `delayMs` of real time (rounded up to whole ms). */
  schedule(delayMs: number, event: () => void): WorldTimer;
  cancel(timer: WorldTimer): void;
  /** Runs `event` as its own event at the current instant, after those already ready. */
  enqueue(event: () => void): void;
  /** Runs every event due within the next `ms` (inclusive), then moves time to the end. */
  run(ms: number): Promise<void>;
  /** Called after every event, once microtasks have drained. May throw to stop the run. */
  onBoundary(hook: () => void): void;
  /** Number of events run so far. */
  events(): number;
}

/** Options of {@link createWorld}. */
export interface WorldOptions {
  /**
   * Upper bound on events in one `run` call: a livelock (events re-arming themselves at the
   * same instant forever) becomes an error instead of a hung test.
   * @defaultValue 200_000
   */
  readonly maxEventsPerRun?: number;
}

export function createWorld(options: WorldOptions = {}): World {
  const clock = createManualClock({ start: 0 });
  const maxEvents = options.maxEventsPerRun ?? 200_000;
  const ready: (() => void)[] = [];
  const hooks: (() => void)[] = [];
  let eventCount = 0;

  const runReady = async (budget: { left: number }) => {
    for (let event = ready.shift(); event; event = ready.shift()) {
      if (--budget.left < 0) {
        throw new Error(`livelock: more than ${maxEvents} events in one run at t=${clock.now()}`);
      }
      eventCount++;
      event();
      await drainMicrotasks();
      for (const hook of hooks) hook();
    }
  };

  const world: World = {
    clock,
    now: () => clock.now(),
    schedule(delayMs, event) {
      const delay = Math.max(0, Math.ceil(delayMs));
      const timer: WorldTimer = {
        cancelled: false,
        handle: clock.setTimeout(() => {
          if (!timer.cancelled) ready.push(event);
        }, delay),
      };
      return timer;
    },
    cancel(timer) {
      timer.cancelled = true;
      clock.clearTimeout(timer.handle);
    },
    enqueue(event) {
      ready.push(event);
    },
    async run(ms) {
      const target = clock.now() + Math.max(0, Math.ceil(ms));
      const budget = { left: maxEvents };
      // Whatever the caller did outside an event may have queued reactions: settle them first.
      await drainMicrotasks();
      await runReady(budget);
      for (let due = clock.nextDue(); due !== undefined && due <= target; due = clock.nextDue()) {
        // Moves to `due` and fires the timers due then; they only fill the ready queue.
        clock.advance(due - clock.now());
        await runReady(budget);
      }
      clock.advance(target - clock.now());
      await runReady(budget);
    },
    onBoundary(hook) {
      hooks.push(hook);
    },
    events: () => eventCount,
  };
  return world;
}
