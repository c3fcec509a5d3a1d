import { describe, expect, it } from 'vitest';
import { createManualClock } from './manual-clock.js';

describe('manual clock', () => {
  it('fires timers deadline by deadline, each at its own instant, ties in creation order', () => {
    const clock = createManualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    clock.advance(25);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(25);
  });

  it('fires a periodic timer once per period within one advance', () => {
    const clock = createManualClock();
    const ticks: number[] = [];
    const tick = () => {
      ticks.push(clock.now());
      clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    clock.advance(35);
    expect(ticks).toEqual([10, 20, 30]);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('does not fire cleared timers and keeps wall time in step', () => {
    const clock = createManualClock({ wallStart: 1_000_000 });
    const handle = clock.setTimeout(() => {
      throw new Error('cleared timer fired');
    }, 5);
    clock.clearTimeout(handle);
    clock.advance(10);
    expect(clock.wallNow()).toBe(1_000_010);
  });
});
