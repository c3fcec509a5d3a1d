/**
 * How one machine definition serves many electors: each running machine's services (store,
 * clock, logger, random, drain, policy) are bound, when its context is created, to a key
 * only that machine's context holds, and every guard, delay, action and actor input looks
 * them up from the context it is given.
 *
 * @remarks
 * XState builds a machine's whole state-node tree per `createMachine` call (≈ 46 KB of heap
 * for this chart); built once per elector, that was more than half of an elector's memory.
 * The context stays data only: the key is the context's own copy of the configuration, made
 * when the context is created, so two machines never share one (even when started with one
 * configuration object) and the binding lives exactly as long as the machine's context does.
 *
 * @module
 */

import type { ElectionConfig } from '../core/config.js';
import { electionPolicy } from '../core/election-policy.js';
import { silentSink } from '../core/logger.js';
import { contextUpdates } from './context-updates.js';
import type { ElectionEffects } from './election-actors.js';
import {
  type ElectionContext,
  type ElectionMachineInput,
  type ElectionServices,
  initialContext,
} from './election-context.js';

/** What a running machine uses: its services, resolved, and the context updates over them. */
export interface BoundServices {
  readonly effects: ElectionEffects;
  readonly update: ReturnType<typeof contextUpdates>;
}

const bound = new WeakMap<ElectionConfig, BoundServices>();

/** Resolves `services` (defaults for the optional ones) and the updates that use them. */
function resolve(services: ElectionServices): BoundServices {
  const effects: ElectionEffects = {
    store: services.store,
    clock: services.clock,
    logger: services.logger ?? silentSink,
    random: services.random ?? Math.random,
    drain: services.drain ?? (async () => {}),
    policy: { ...electionPolicy, ...services.policy },
  };
  return { effects, update: contextUpdates(effects) };
}

/** The initial context of one machine, with `services` bound to it. */
export function bindServices(
  input: ElectionMachineInput,
  services: ElectionServices,
): ElectionContext {
  // The context's own copy of the configuration is the key (see the module documentation).
  const config: ElectionConfig = { ...input.config };
  bound.set(config, resolve(services));
  return initialContext({ config });
}

/** The services bound to the machine whose context this is. */
export function servicesOf(context: ElectionContext): BoundServices {
  const services = bound.get(context.config);
  // Only a context built by bindServices reaches the machine's implementations.
  if (services === undefined) throw new TypeError('election machine: no services bound');
  return services;
}
