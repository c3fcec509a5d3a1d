/**
 * A deterministic clock for tests and simulation.
 *
 * @remarks
 * Unlike a clock that jumps straight to the target time, {@link ManualClock.advance} walks
 * deadline by deadline: every timer due on the way fires at its own instant, in due-time order
 * with ties broken by creation order, and timers armed by a callback fire in the same advance
 * when they fall inside it. That is what a lease loop needs: a renewal that arms the next
 * renewal must see the same sequence as in real time.
 *
 * @module
 */
import type { Clock, TimerHandle } from './clock.js';

interface PendingTimer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/** A {@link Clock} whose time moves only when told to. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, firing every timer due on the way at its own instant. */
  advance(ms: number): void;
  /** Like {@link advance}, but lets promise callbacks run after each fired timer. */
  advanceAsync(ms: number): Promise<void>;
  /** Fires every timer due now (after a callback re-armed one at the current instant). */
  runDue(): void;
  /**
   * Moves time forward by `ms` without firing anything, as when the whole process is paused
   * (a long GC, SIGSTOP, a suspended VM). Overdue timers fire at the next advance.
   */
  stall(ms: number): void;
  /** Number of armed timers, for asserting that nothing was left behind. */
  pendingTimers(): number;
  /** Monotonic time of the next due timer, or `undefined` when none is armed. */
  nextDue(): number | undefined;
}

/** Options for {@link createManualClock}. */
export interface ManualClockOptions {
  /** Initial monotonic time in ms. @defaultValue 0 */
  readonly start?: number;
  /** Wall-clock epoch ms that corresponds to monotonic time `start`. @defaultValue 1_700_000_000_000 */
  readonly wallStart?: number;
}

/** Creates a {@link ManualClock}. */
export function createManualClock(options: ManualClockOptions = {}): ManualClock {
  const start = options.start ?? 0;
  const wallOffset = (options.wallStart ?? 1_700_000_000_000) - start;
  let now = start;
  let nextId = 1;
  const timers = new Map<number, PendingTimer>();

  const popDue = (limit: number): PendingTimer | undefined => {
    let best: PendingTimer | undefined;
    for (const timer of timers.values()) {
      if (timer.due > limit) continue;
      if (!best || timer.due < best.due || (timer.due === best.due && timer.id < best.id)) {
        best = timer;
      }
    }
    if (best) timers.delete(best.id);
    return best;
  };

  const clock: ManualClock = {
    now: () => now,
    wallNow: () => now + wallOffset,
    setTimeout(callback, delayMs): TimerHandle {
      const id = nextId++;
      timers.set(id, { id, due: now + Math.max(0, delayMs), callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (let timer = popDue(target); timer; timer = popDue(target)) {
        now = Math.max(now, timer.due);
        timer.callback();
      }
      now = target;
    },
    async advanceAsync(ms) {
      const target = now + ms;
      await flushMicrotasks();
      for (let timer = popDue(target); timer; timer = popDue(target)) {
        now = Math.max(now, timer.due);
        timer.callback();
        await flushMicrotasks();
      }
      now = target;
      await flushMicrotasks();
    },
    runDue() {
      clock.advance(0);
    },
    stall(ms) {
      now += ms;
    },
    pendingTimers: () => timers.size,
    nextDue() {
      let due: number | undefined;
      for (const timer of timers.values())
        if (due === undefined || timer.due < due) due = timer.due;
      return due;
    },
  };
  return clock;
}

/**
 * Lets pending promise reactions run: waits for real macrotask turns (`setImmediate`), each of
 * which drains the whole microtask queue, however long the chains. Real timers are not used,
 * so a manual clock's time does not move.
 */
export async function flushMicrotasks(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
