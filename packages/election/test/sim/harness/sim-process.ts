/**
 * One simulated process: the thing that can be paused or killed. Every way into an elector —
 * its timers firing, a response or a watch event arriving, the user calling `stop()` — is an
 * event delivered through its process.
 *
 * @remarks
 * - *running*: events run as they come;
 * - *stalled* (a long GC, SIGSTOP, a suspended VM): time passes and its clock moves, but
 *   nothing runs; events are held and replay in arrival order when the stall ends, each as its
 *   own event. A stalled elector still answers `isLeader` for the invariant checks, since that
 *   getter only reads the clock;
 * - *crashed*: events are dropped for good; hooks close its connections.
 *
 * @module
 */
import type { FaultCounters } from './fault-counters.js';
import type { World, WorldTimer } from './world.js';

export type ProcessStatus = 'running' | 'stalled' | 'crashed';

/** Why an event is delivered; only used for counting what a stall or crash affected. */
export type DeliveryKind = 'timer' | 'message';

export interface SimProcess {
  readonly name: string;
  status(): ProcessStatus;
  /** Runs `event` now, holds it (stalled) or drops it (crashed). */
  deliver(kind: DeliveryKind, event: () => void): void;
  /** Pauses the process for `ms` of real time (extends a stall already in progress). */
  stall(ms: number): void;
  /** Kills the process: nothing is delivered to it any more. Idempotent. */
  crash(): void;
  /** Called once, when the process crashes. */
  onCrash(hook: () => void): void;
  /** Held events not yet replayed: while non-zero the process is catching up after a stall. */
  backlog(): number;
}

export function createSimProcess(name: string, world: World, counters: FaultCounters): SimProcess {
  let status: ProcessStatus = 'running';
  let held: (() => void)[] = [];
  let replaying = 0;
  let resumeAt = 0;
  let resumeTimer: WorldTimer | undefined;
  const crashHooks: (() => void)[] = [];

  const resume = () => {
    if (status !== 'stalled') return;
    status = 'running';
    const events = held;
    held = [];
    for (const event of events) {
      replaying++;
      world.enqueue(() => {
        replaying--;
        process.deliver('message', event);
      });
    }
  };

  const process: SimProcess = {
    name,
    status: () => status,
    deliver(kind, event) {
      if (status === 'crashed') {
        counters.count('delivery dropped (crashed)');
        return;
      }
      if (status === 'stalled') {
        counters.count(kind === 'timer' ? 'timer held by stall' : 'delivery held by stall');
        held.push(event);
        return;
      }
      event();
    },
    stall(ms) {
      if (status === 'crashed') return;
      const until = world.now() + Math.ceil(ms);
      if (status === 'stalled' && until <= resumeAt) return;
      if (resumeTimer) world.cancel(resumeTimer);
      status = 'stalled';
      resumeAt = until;
      resumeTimer = world.schedule(until - world.now(), resume);
    },
    crash() {
      if (status === 'crashed') return;
      status = 'crashed';
      held = [];
      if (resumeTimer) world.cancel(resumeTimer);
      for (const hook of crashHooks) hook();
    },
    onCrash(hook) {
      crashHooks.push(hook);
    },
    backlog: () => held.length + replaying,
  };
  return process;
}
