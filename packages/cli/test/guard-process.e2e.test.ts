/**
 * The guard process on its own, driven through its pipes as `leasehold run` drives it: it
 * stops COMMAND when the deadline comes near without a renewal (SIGKILL for a COMMAND that
 * ignores SIGTERM), when its stdin ends (the elector died), and reports only after COMMAND
 * is gone. Order and facts only, no timing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monotonicMs } from '../src/guard/monotonic.js';
import {
  decodeFromGuard,
  encode,
  type FromGuard,
  lineReader,
  type ToGuard,
} from '../src/guard/protocol.js';
import { buildCli } from './build-cli.js';
import { isAlive, waitFor } from './cli-harness.js';

const GUARD = fileURLToPath(new URL('../dist/guard/guard-main.js', import.meta.url));
const TIMING = { killMarginMs: 100, deadlineGraceMs: 300, stopGraceMs: 300 };
/** A COMMAND that records SIGTERM and exits, or (stubborn) records it and keeps running. */
const COMMAND = (file: string, stubborn: boolean) => [
  '-e',
  `const fs = require('node:fs');
   fs.appendFileSync(${JSON.stringify(file)}, 'start\\n');
   process.on('SIGTERM', () => {
     fs.appendFileSync(${JSON.stringify(file)}, 'sigterm\\n');
     if (!${stubborn}) process.exit(0);
   });
   setInterval(() => {}, 1000);`,
];

let dir: string;
const guards: ChildProcess[] = [];

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'leasehold-guard-'));
}, 120_000);

afterAll(() => {
  for (const guard of guards) if (guard.exitCode === null) guard.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startGuard() {
  const guard = spawn(process.execPath, [GUARD, JSON.stringify(TIMING)], {
    stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
  });
  guards.push(guard);
  const reports: FromGuard[] = [];
  (guard.stdio[3] as Readable).on(
    'data',
    lineReader((line) => {
      const report = decodeFromGuard(line);
      if (report) reports.push(report);
    }),
  );
  let stderr = '';
  guard.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const send = (order: ToGuard) => (guard.stdin as Writable).write(encode(order));
  const exited = new Promise<number | null>((resolve) => guard.once('exit', resolve));
  return { guard, reports, send, exited, stderr: () => stderr };
}

function commandOf(g: ReturnType<typeof startGuard>, file: string, stubborn: boolean) {
  g.send({
    type: 'start',
    file: process.execPath,
    args: COMMAND(file, stubborn),
    env: {},
    deadline: monotonicMs() + 60_000,
  });
}

const records = (file: string) => {
  try {
    return readFileSync(file, 'utf8').trim().split('\n');
  } catch {
    return [];
  }
};

describe('the guard process', () => {
  it('SIGTERMs COMMAND as the deadline comes near with no renewal, and reports after reaping', async () => {
    const g = startGuard();
    const file = join(dir, 'deadline.log');
    commandOf(g, file, false);
    const started = await waitFor('started', () => g.reports.find((r) => r.type === 'started'));
    await waitFor('COMMAND to record its start', () =>
      records(file).length > 0 ? true : undefined,
    );
    // Renewals stop: the deadline is now near.
    g.send({ type: 'deadline', deadline: monotonicMs() + 1_000 });
    const exited = await waitFor('exited', () => g.reports.find((r) => r.type === 'exited'));
    expect(exited).toMatchObject({ cause: 'deadline', code: 0 });
    expect(records(file)).toEqual(['start', 'sigterm']);
    expect(started.type === 'started' && isAlive(started.pid)).toBe(false);
    (g.guard.stdin as Writable).end();
    expect(await g.exited).toBe(0);
  });

  it("SIGKILLs a COMMAND that ignores SIGTERM, at the deadline's cut", async () => {
    const g = startGuard();
    const file = join(dir, 'stubborn.log');
    commandOf(g, file, true);
    await waitFor('COMMAND to record its start', () =>
      records(file).length > 0 ? true : undefined,
    );
    g.send({ type: 'deadline', deadline: monotonicMs() + 1_000 });
    const exited = await waitFor('exited', () => g.reports.find((r) => r.type === 'exited'));
    expect(exited).toMatchObject({ cause: 'deadline', code: null, signal: 'SIGKILL' });
    expect(records(file)).toEqual(['start', 'sigterm']);
    expect(g.stderr()).toMatch(/deadline is near: COMMAND killed/);
  });

  it('stops COMMAND when its stdin ends (the elector died), then exits', async () => {
    const g = startGuard();
    const file = join(dir, 'eof.log');
    commandOf(g, file, false);
    const started = await waitFor('started', () => g.reports.find((r) => r.type === 'started'));
    await waitFor('COMMAND to record its start', () =>
      records(file).length > 0 ? true : undefined,
    );
    (g.guard.stdin as Writable).end();
    expect(await g.exited).toBe(0);
    expect(records(file)).toEqual(['start', 'sigterm']);
    expect(started.type === 'started' && isAlive(started.pid)).toBe(false);
    expect(g.stderr()).toMatch(/leasehold is gone/);
  });

  it('ignores SIGTERM, SIGINT and SIGHUP sent to it; refuses a start too close to the deadline', async () => {
    const g = startGuard();
    await waitFor('the guard to be ready', () => g.reports.find((r) => r.type === 'ready'));
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) g.guard.kill(signal);
    g.send({
      type: 'start',
      file: process.execPath,
      args: ['-e', ''],
      env: {},
      deadline: monotonicMs() + 200,
    });
    const exited = await waitFor('exited', () => g.reports.find((r) => r.type === 'exited'));
    expect(exited).toMatchObject({ cause: 'too-late' });
    expect(g.guard.exitCode).toBeNull();
    (g.guard.stdin as Writable).end();
    expect(await g.exited).toBe(0);
  });
});
