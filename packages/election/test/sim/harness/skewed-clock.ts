/**
 * A process's own clock: a view of simulated real time that runs at its own rate.
 *
 * @remarks
 * `now() = base + (real − baseReal) × rate`; the rate can change (re-basing keeps `now()`
 * continuous and monotonic). A timer for `d` local ms fires after `d / rate` real ms, rounded
 * up to the next whole real ms (never early on the local clock, at most one real ms late, and
 * at least 1 ms, like Node's `setTimeout(fn, 0)`). Firing goes through the process, so a stalled
 * process's timers wait and a crashed one's never fire.
 *
 * The wall clock is the local clock plus an offset that can jump (an NTP step) or freeze; the
 * elector only writes it to the Lease, so neither may matter for safety.
 *
 * @module
 */
import type { Clock, TimerHandle } from '../../../src/core/clock.js';
import type { SimProcess } from './sim-process.js';
import type { World, WorldTimer } from './world.js';

/** A {@link Clock} with a rate, driven by the world and gated by a process. */
export interface SkewedClock extends Clock {
  rate(): number;
  /** Changes the rate from now on; pending timers are re-armed to fire at their local due. */
  setRate(rate: number): void;
  /** Moves the wall clock by `deltaMs` (negative: backwards). */
  stepWall(deltaMs: number): void;
  /** Stops the wall clock (it keeps returning the same value) or lets it run again. */
  freezeWall(frozen: boolean): void;
  /** Timers armed and not yet fired or cleared, including those held by a stall. */
  pendingTimers(): number;
  /** True when a timer is due now (it fires within the next real millisecond). */
  hasDueTimer(): boolean;
}

/** Options of {@link createSkewedClock}. */
export interface SkewedClockOptions {
  readonly world: World;
  readonly process: SimProcess;
  readonly rate: number;
  /** Local time at the current real instant (processes disagree on offsets; it never matters). */
  readonly start: number;
  /** Wall-clock epoch ms at local time `start`. */
  readonly wallStart: number;
}

interface LocalTimer {
  readonly due: number;
  readonly callback: () => void;
  worldTimer: WorldTimer | undefined;
}

/** Guards against float rounding making a timer fire a hair before its local due time. */
const ROUNDING_GUARD_MS = 1e-6;

export function createSkewedClock(options: SkewedClockOptions): SkewedClock {
  const { world, process } = options;
  let rate = options.rate;
  let base = options.start;
  let baseReal = world.now();
  let wallOffset = options.wallStart - options.start;
  let frozenWall: number | undefined;
  const pending = new Set<LocalTimer>();

  const now = () => base + (world.now() - baseReal) * rate;
  const arm = (timer: LocalTimer) => {
    const realDelay = Math.max(1, (timer.due - now()) / rate + ROUNDING_GUARD_MS);
    timer.worldTimer = world.schedule(realDelay, () => {
      timer.worldTimer = undefined;
      process.deliver('timer', () => {
        if (!pending.delete(timer)) return; // cleared while held by a stall
        timer.callback();
      });
    });
  };
  process.onCrash(() => {
    for (const timer of pending) if (timer.worldTimer) world.cancel(timer.worldTimer);
    pending.clear();
  });

  return {
    now,
    wallNow: () => frozenWall ?? now() + wallOffset,
    setTimeout(callback, delayMs): TimerHandle {
      const timer: LocalTimer = {
        due: now() + Math.max(0, delayMs),
        callback,
        worldTimer: undefined,
      };
      pending.add(timer);
      arm(timer);
      return timer;
    },
    clearTimeout(handle) {
      const timer = handle as LocalTimer;
      if (!pending.delete(timer)) return;
      if (timer.worldTimer) world.cancel(timer.worldTimer);
    },
    rate: () => rate,
    setRate(next) {
      base = now();
      baseReal = world.now();
      rate = next;
      for (const timer of pending) {
        if (!timer.worldTimer) continue; // already fired, held by a stall
        world.cancel(timer.worldTimer);
        arm(timer);
      }
    },
    stepWall(deltaMs) {
      wallOffset += deltaMs;
    },
    freezeWall(frozen) {
      frozenWall = frozen ? now() + wallOffset : undefined;
    },
    pendingTimers: () => pending.size,
    hasDueTimer() {
      const now_ = now();
      for (const timer of pending) if (timer.due <= now_ + rate) return true;
      return false;
    },
  };
}
