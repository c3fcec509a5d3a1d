/**
 * The live display leaves a record: the alternate screen vanishes at exit, so the frame at the
 * end of the run (kubectl commands, table, status) and the tail of the event log are written
 * again after leaving it. The plain display ends with the final table.
 */
import { describe, expect, it } from 'vitest';
import { monotonicNow } from '../events.js';
import { type Candidate, candidateRecord } from '../fleet/candidates.js';
import { type DemoSnapshot, type DisplayOutput, LiveDisplay, PlainDisplay } from './display.js';

const LEAVE_ALTERNATE_SCREEN = '\u001b[?1049l';
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes on purpose
const plain = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

function candidate(identity: string): Candidate {
  const now = monotonicNow();
  return {
    ...candidateRecord(identity, 4242),
    role: 'leader',
    fencingToken: 7,
    deadline: now + 60_000_000_000n,
    leadingSince: now,
  };
}

function setup() {
  const writes: string[] = [];
  const out: DisplayOutput = { write: (text) => void writes.push(text), columns: 200 };
  const leader = candidate('candidate-1');
  let status = 'status while running';
  const snapshot = (): DemoSnapshot => ({
    header: ['leasehold demo: 1 candidate', '  watch it:  kubectl get lease demo -w'],
    candidates: [leader],
    status,
  });
  return {
    writes,
    out,
    leader,
    snapshot,
    setStatus: (s: string) => {
      status = s;
    },
  };
}

describe('LiveDisplay', () => {
  it('prints the final frame and the event-log tail on the normal screen at stop', () => {
    const { writes, out, leader, snapshot, setStatus } = setup();
    const display = new LiveDisplay(monotonicNow(), snapshot, out);
    display.start();
    for (let i = 1; i <= 30; i++) display.log(`event ${i}`);
    display.end();
    // The shutdown changes the state; the record shows the run's end, not the teardown.
    leader.state = 'exited';
    leader.exitedAt = monotonicNow();
    setStatus('status after the stop');
    display.log('stopping: SIGTERM to every candidate');
    display.stop();

    const all = writes.join('');
    const after = plain(all.slice(all.lastIndexOf(LEAVE_ALTERNATE_SCREEN)));
    expect(after).toContain('  watch it:  kubectl get lease demo -w');
    expect(after).toMatch(/^candidate-1 +4242 +running +leader +7 +term /m);
    expect(after).toContain('status while running');
    expect(after).not.toContain('status after the stop');
    expect(after).toContain('Events (last 20)');
    expect(after).toMatch(/ event 30\n/);
    expect(after).toMatch(/ stopping: SIGTERM to every candidate\n/);
    expect(after).not.toMatch(/ event 11\n/);
    // The cursor comes back, and nothing is drawn on the alternate screen afterwards.
    expect(all).toContain('\u001b[?25h');
    expect(after).not.toContain('\u001b[?1049h');
  });

  it('writes nothing more after a second stop', () => {
    const { writes, out, snapshot } = setup();
    const display = new LiveDisplay(monotonicNow(), snapshot, out);
    display.start();
    display.stop();
    const count = writes.length;
    display.stop();
    expect(writes).toHaveLength(count);
  });
});

describe('PlainDisplay', () => {
  it('starts with the header and ends with the final table', () => {
    const { writes, out, snapshot } = setup();
    const display = new PlainDisplay(monotonicNow(), snapshot, out);
    display.start();
    display.log('something happened');
    display.end();
    const all = writes.join('');
    expect(all.startsWith('leasehold demo: 1 candidate\n')).toBe(true);
    expect(all).toMatch(/\] something happened\nFinal state:\nCANDIDATE +PID/);
    expect(all).toMatch(
      /^candidate-1 +4242 +running +leader +7 +term .*\nstatus while running\n$/m,
    );
  });
});
