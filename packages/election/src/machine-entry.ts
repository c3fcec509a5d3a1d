/**
 * The election's XState machine, for inspection (e.g. with `@statelyai/inspect`) and for
 * drawing its states.
 *
 * @remarks
 * Experimental: the machine's states, events and context change with the implementation,
 * and this entry follows them in minor releases. Applications use `createLeaderElector` and
 * its `state$`; `elector.actor` is the running instance of this machine.
 *
 * @experimental
 * @packageDocumentation
 */
import './node-guard.js';

export {
  createElectionMachine,
  type ElectionServices,
  type LeaderElectionMachine,
} from './machine/election-machine.js';
