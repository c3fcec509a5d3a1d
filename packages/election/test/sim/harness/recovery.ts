/**
 * The end of every chaos schedule: the world heals, and it must recover — a live candidate
 * leads within a bound (L0), then everyone stops, every `stop()` settles and nothing is left
 * running (L3).
 *
 * @module
 */
import { InvariantViolation } from './invariants.js';
import { recoveryBoundMs, stopBoundMs } from './scenario.js';
import type { SimulationControl } from './simulation.js';

/** Heals the world, requires a leader within the recovery bound, stops all, checks cleanup. */
export async function recover(control: SimulationControl): Promise<void> {
  // A healthy world: every link healed and back to the scenario's network, no faults queued.
  for (const slot of control.slots) {
    slot.transport.heal();
    slot.transport.setProfile(control.link);
    slot.transport.clearFaults();
  }
  const faultsLeft = await drainStoreFaults(control);
  const live = () => control.slots.filter(control.alive);
  // preferredHolder is left as the schedule left it, even naming a candidate that is gone:
  // the others must still lead (they once took and dropped the Lease in turn instead).
  if (live().length > 0) {
    // A create fault still queued costs whoever creates the Lease one more backoff.
    const bound = recoveryBoundMs(control.scenario) * (1 + faultsLeft);
    const start = control.world.now();
    while (!live().some((node) => node.elector.isLeader)) {
      if (control.world.now() - start > bound) {
        throw new InvariantViolation({
          property: 'L0',
          at: control.world.now(),
          message:
            `no leader ${bound} ms after the world healed, with live candidates: ` +
            live()
              .map((node) => `${node.identity} (${control.describe(node)})`)
              .join('; '),
        });
      }
      await control.run(500);
    }
  }
  // L3: stop() settles, and leaves no timer, call or watch behind.
  for (const node of live()) control.callStop(node);
  const stopBound = stopBoundMs(control.scenario) + 30_000;
  // Requested, not settled, and not dead: a stop held by a stall counts as pending.
  const stopping = () =>
    control.nodes.filter(
      (node) =>
        node.stopRequestedAt !== null &&
        node.stop?.settledAt == null &&
        node.process.status() !== 'crashed',
    );
  const start = control.world.now();
  while (stopping().length > 0) {
    if (control.world.now() - start > stopBound) {
      throw new InvariantViolation({
        property: 'L3',
        at: control.world.now(),
        message:
          `stop() has not settled ${stopBound} ms after the world healed: ` +
          stopping()
            .map(
              (node) =>
                `${node.identity} (stop requested at t=${node.stopRequestedAt}, ${control.describe(node)})`,
            )
            .join('; '),
      });
    }
    await control.run(500);
  }
  for (const node of control.nodes) {
    if (node.stop === null || node.process.status() === 'crashed') continue;
    const left = [
      node.clock.pendingTimers() > 0 && `${node.clock.pendingTimers()} timers`,
      node.transport.pendingCalls() > 0 && `${node.transport.pendingCalls()} calls`,
      node.transport.openWatches() > 0 && `${node.transport.openWatches()} watches`,
      node.elector.state.role !== 'stopped' && `role ${node.elector.state.role}`,
      node.stop.error !== null && `stop() rejected: ${String(node.stop.error)}`,
    ].filter(Boolean);
    if (left.length > 0) {
      throw new InvariantViolation({
        property: 'L3',
        at: control.world.now(),
        message: `${node.identity} after stop(): ${left.join(', ')}`,
      });
    }
  }
  // Watch requests still travelling reach the server, find their client gone, and end.
  await control.run(30_000);
  if (control.server.store.activeWatches() > 0) {
    throw new InvariantViolation({
      property: 'L3',
      at: control.world.now(),
      message: `${control.server.store.activeWatches()} watches still open on the server after every elector stopped or died`,
    });
  }
}

/**
 * Uses up whatever is left in the store's fault queue with calls that change nothing (a read;
 * a replace or create that is refused anyway), as time would in a healthy world. A create
 * fault can only be used up while a Lease exists; the count of those left is returned.
 */
async function drainStoreFaults(control: SimulationControl): Promise<number> {
  const signal = new AbortController().signal;
  const ignore = () => {};
  let createsLeft = 0;
  for (const method of control.storeFaults.splice(0)) {
    const lease = control.server.store.current();
    if (method === 'get') await control.server.store.get(signal).catch(ignore);
    else if (method === 'list') await control.server.store.list(signal).catch(ignore);
    else if (method === 'replace' && lease) {
      await control.server.store.replace(lease.object, '1', signal).catch(ignore); // never current
    } else if (method === 'create' && lease) {
      await control.server.store.create(lease.object, signal).catch(ignore); // already exists
    } else createsLeft++;
  }
  return createsLeft;
}
