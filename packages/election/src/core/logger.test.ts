/**
 * The logging port takes pino's argument order, so the two loggers the guide names plug in as
 * they are: these run a real elector through its first term and read what each logger wrote.
 */
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeaderElector, type LeaderElector, type Logger } from '../index.js';
import { createInMemoryLeaseStore, createManualClock, flushMicrotasks } from '../testing/index.js';
import { toLogSink } from './logger.js';

/** A writable that keeps every chunk as text. */
function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

let electors: LeaderElector[] = [];
afterEach(async () => {
  await Promise.all(electors.map((e) => e.stop()));
  electors = [];
});

/** Runs one elector on the in-memory store until it leads, then steps it down. */
async function leadOnce(logger: Logger): Promise<void> {
  const clock = createManualClock();
  const store = createInMemoryLeaseStore({ name: 'job', namespace: 'ns', clock, precreated: true });
  const elector = createLeaderElector({ name: 'job', store, clock, identity: 'a', logger });
  electors.push(elector);
  elector.start();
  await flushMicrotasks(5);
  expect(elector.isLeader).toBe(true);
  const stepped = elector.stepDown();
  await flushMicrotasks(5);
  await clock.advanceAsync(10_000);
  await stepped;
}

describe('logger port', () => {
  it('takes a pino logger as it is: the fields arrive as JSON properties', async () => {
    const out = capture();
    await leadOnce(pino({ level: 'debug', base: null, timestamp: false }, out.stream));
    await new Promise((resolve) => setImmediate(resolve));
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 30,
        msg: 'acquired leadership',
        fencingToken: 1,
        fencingEpoch: '2',
        fence: '8589934593',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'leadership ended', reason: expect.any(String) }),
    );
  });

  it('takes a pino child logger: its bindings and the fields both arrive', async () => {
    const out = capture();
    const root = pino({ base: null, timestamp: false }, out.stream);
    await leadOnce(root.child({ component: 'elector' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text()).toContain(
      '"component":"elector","fencingToken":1,"fencingEpoch":"2","fence":"8589934593","msg":"acquired leadership"',
    );
  });

  it('takes a console: the fields object and the message are both printed', async () => {
    const out = capture();
    await leadOnce(new Console({ stdout: out.stream, stderr: out.stream }));
    expect(out.text()).toMatch(
      /\{ fencingToken: 1, fencingEpoch: '2', fence: '8589934593' \} acquired leadership/,
    );
  });

  it('passes an empty fields object when a line has none, so pino keeps the message', () => {
    const calls: unknown[][] = [];
    const record = (...args: unknown[]) => void calls.push(args);
    const sink = toLogSink({ debug: record, info: record, warn: record, error: record });
    sink.warn('release got no answer in time');
    sink.info('acquired leadership', { fencingToken: 3 });
    expect(calls).toEqual([
      [{}, 'release got no answer in time'],
      [{ fencingToken: 3 }, 'acquired leadership'],
    ]);
  });
});

describe('a logger that throws (found by review: it killed the watch loop)', () => {
  it('never breaks election: a whole term with failing watches, renewals, a step-down and a stop', async () => {
    let calls = 0;
    const throwing = () => {
      calls++;
      throw new Error('log sink is broken');
    };
    const logger: Logger = { debug: throwing, info: throwing, warn: throwing, error: throwing };
    const clock = createManualClock();
    const store = createInMemoryLeaseStore({ name: 'l', namespace: 'ns', clock, precreated: true });
    const elector = createLeaderElector({
      name: 'l',
      namespace: 'ns',
      identity: 'me',
      store,
      clock,
      logger,
      random: () => 0.5,
    });
    electors.push(elector);
    elector.start();
    await flushMicrotasks(10);
    expect(elector.isLeader).toBe(true);
    // The watch fails twice (each logged as a warning) and the loop keeps going.
    store.failNext('unavailable', { method: 'watch', count: 2 });
    store.dropWatches('unavailable');
    for (let i = 0; i < 30; i++) {
      await clock.advanceAsync(1_000);
      await flushMicrotasks(5);
    }
    expect(elector.isLeader).toBe(true);
    expect(store.activeWatches()).toBe(1);
    // One renewal fails (logged as a warning); the term survives it.
    store.failNext('unavailable', { method: 'replace', count: 1 });
    await clock.advanceAsync(2_000);
    await flushMicrotasks(5);
    expect(elector.isLeader).toBe(true);
    elector.stepDown();
    await clock.advanceAsync(0);
    await flushMicrotasks(10);
    expect(store.current()?.record.holderIdentity).toBe('');
    await elector.stop();
    expect(elector.state.role).toBe('stopped');
    expect(calls).toBeGreaterThan(3);
  });
});
