import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { createInMemoryLeaseStore } from '../store/index.js';
import { createElectionMachine } from './election-machine.js';
import { toMermaid } from './state-diagram.js';

const docPath = fileURLToPath(new URL('../../../../docs/state-diagram.md', import.meta.url));
const BEGIN = '```mermaid\n';
const END = '```\n';

describe('state diagram', () => {
  // The chart does not depend on the services; any will do.
  const machine = createElectionMachine({
    store: createInMemoryLeaseStore({ name: 'l', namespace: 'ns' }),
    clock: systemClock,
  });
  const diagram = toMermaid(machine);

  it('shows every role and the transitions that matter for safety', () => {
    for (const state of ['follower', 'candidate', 'leader', 'stepping_down', 'stopped']) {
      expect(diagram).toContain(state);
    }
    expect(diagram).toContain('leader_holding --> stepping_down : after termDeadline');
    expect(diagram).toContain('leader_retrying --> stepping_down : after termDeadline');
    expect(diagram).toContain('leader --> stepping_down : lease.observed [observedAnotherHolder]');
    expect(diagram).toContain('follower --> candidate : always [canAcquire]');
  });

  it('matches docs/state-diagram.md (regenerate with `pnpm docs:diagram`)', () => {
    const doc = readFileSync(docPath, 'utf8');
    const start = doc.indexOf(BEGIN) + BEGIN.length;
    const end = doc.indexOf(END, start);
    if (process.env.UPDATE_DOCS === '1') {
      writeFileSync(docPath, doc.slice(0, start) + diagram + doc.slice(end));
      return;
    }
    expect(doc.slice(start, end)).toBe(diagram);
  });
});
