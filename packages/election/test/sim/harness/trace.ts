/**
 * A compact account of what happened, appended to a failure: each elector's role changes and
 * the last writes to the Lease. Enough to read a shrunk counterexample without a debugger.
 *
 * @module
 */
import type { SimNode } from './sim-node.js';
import type { SimServer } from './sim-server.js';

export function describeRun(
  nodes: readonly SimNode[],
  server: SimServer,
  { roleChanges = 12, writes = 12 } = {},
): string {
  const lines: string[] = [];
  for (const node of nodes) {
    const changes: string[] = [];
    let last = '';
    for (const { at, state } of node.history) {
      const role = `${state.role}${state.role === 'leader' ? `#${state.term?.fencingToken}` : ''}`;
      const label =
        state.lastTermEnd && state.role !== 'leader' ? `${role}(${state.lastTermEnd})` : role;
      if (label === last) continue;
      last = label;
      changes.push(`${at}:${label}`);
    }
    lines.push(
      `  ${node.identity} [${node.process.status()}, rate ${node.clock.rate().toFixed(3)}]: ` +
        changes.slice(-roleChanges).join(' '),
    );
  }
  for (const write of server.store.writes.slice(-writes)) {
    const record = write.lease?.record;
    lines.push(
      `  write #${write.sequence} t=${write.atMs} ${write.method} by ` +
        `${server.attribution(write)?.client ?? 'hook'} v${write.expectedResourceVersion ?? '-'}→v${write.resourceVersion}: ` +
        (record
          ? `holder ${JSON.stringify(record.holderIdentity)} token ${record.leaseTransitions}` +
            (record.preferredHolder ? ` preferred ${record.preferredHolder}` : '')
          : 'deleted'),
    );
  }
  return lines.join('\n');
}
