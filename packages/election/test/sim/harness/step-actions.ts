/**
 * What each step does to the simulated world. Every step is total: aimed at an elector that
 * is gone (or stopped), it does nothing, so shrinking may drop any step.
 *
 * @module
 */
import { LINK_PROFILES } from './link-profiles.js';
import { rateAt } from './scenario.js';
import type { SimulationControl } from './simulation.js';
import type { Step } from './steps.js';

/** Applies `step` at the current instant (an `advance` only lets time pass, elsewhere). */
export function applyStep(control: SimulationControl, step: Step): void {
  switch (step.kind) {
    case 'advance':
      return;
    case 'stop': {
      const node = control.current(step.slot);
      if (control.alive(node)) control.callStop(node);
      return;
    }
    case 'stepDown': {
      const node = control.current(step.slot);
      if (!control.alive(node)) return;
      node.process.deliver('message', () => {
        control.counters.count('stepDown');
        void node.elector.stepDown();
      });
      return;
    }
    case 'crash': {
      const node = control.current(step.slot);
      if (node.process.status() === 'crashed') return;
      control.counters.count('crash');
      node.process.crash();
      return;
    }
    case 'restart':
      control.restart(control.current(step.slot), step.sameIdentity);
      return;
    case 'stall': {
      const node = control.current(step.slot);
      if (node.process.status() === 'crashed') return;
      control.counters.count('stall');
      node.process.stall(step.ms);
      return;
    }
    case 'partition':
      control.current(step.slot).transport.partition(step.mode);
      return;
    case 'heal':
      control.current(step.slot).transport.heal();
      return;
    case 'fail':
      control.current(step.slot).transport.failNext(step.fault, step.method ?? undefined);
      return;
    case 'dropWatch':
      control.current(step.slot).transport.dropWatches(step.end === 'clean' ? undefined : step.end);
      return;
    case 'goneAll':
      control.counters.count('watch 410 gone (all, compacted)');
      control.server.store.compact();
      control.server.store.dropWatches('gone');
      return;
    case 'compact':
      control.counters.count('history compacted');
      control.server.store.compact();
      return;
    case 'bookmark':
      control.counters.count('bookmark sent');
      control.server.store.bookmark();
      return;
    case 'storeFail':
      control.storeFaults.push(step.method);
      control.server.store.failNext(step.error, {
        method: step.method,
        afterCommit: step.afterCommit && (step.method === 'create' || step.method === 'replace'),
      });
      return;
    case 'link':
      control.current(step.slot).transport.setProfile(LINK_PROFILES[step.profile]);
      return;
    case 'rate':
      control.counters.count('clock rate changed');
      control.current(step.slot).clock.setRate(rateAt(control.scenario, step.fraction));
      return;
    case 'wallStep':
      control.counters.count('wall clock stepped');
      control.current(step.slot).clock.stepWall(step.ms);
      return;
    case 'wallFreeze':
      control.counters.count('wall clock stepped');
      control.current(step.slot).clock.freezeWall(step.frozen);
      return;
    case 'prefer': {
      control.counters.count('preferredHolder changed');
      const preferred = step.slot === null ? null : control.current(step.slot).identity;
      void control.server.operatorEdit((object) => {
        const spec = { ...(object.spec ?? {}) };
        if (preferred === null) {
          delete spec.preferredHolder;
        } else {
          spec.strategy = 'OldestEmulationVersion';
          spec.preferredHolder = preferred;
        }
        return { ...object, spec };
      });
      return;
    }
    case 'label':
      control.counters.count('foreign label edit');
      void control.server.operatorEdit((object) => ({
        ...object,
        metadata: {
          ...object.metadata,
          labels: { ...(object.metadata.labels ?? {}), edited: String(control.world.now()) },
        },
      }));
      return;
    case 'deleteLease':
      if (control.server.store.delete()) control.counters.count('lease deleted');
      return;
  }
}
