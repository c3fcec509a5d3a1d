/**
 * Helpers of the end-to-end tests: run the built binary, wait for things, read what the
 * recorder child (child-recorder.mjs) wrote.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BIN } from './build-cli.js';

/** The recorder child: `node child-recorder.mjs FILE [wait|exit-soon]`. */
export const RECORDER = fileURLToPath(new URL('./child-recorder.mjs', import.meta.url));

/** Every process started, to kill whatever a failed test left behind. */
export const started: ChildProcess[] = [];

export interface Run {
  child: ChildProcess;
  stderr: () => string;
  /** stdout and stderr, interleaved. */
  output: () => string;
  exited: Promise<number | null>;
}

export function leasehold(args: readonly string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stderr = '';
  let output = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
    output += String(chunk);
  });
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, stderr: () => stderr, output: () => output, exited };
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs = 40_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface Record {
  what: string;
  at: bigint;
  token: string;
  identity: string;
  pid: number;
}

export function records(file: string): Record[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [what = '', at = '0', token = '', identity = '', pid = '0'] = line.split(' ');
      return { what, at: BigInt(at), token, identity, pid: Number(pid) };
    });
}

/** A loopback port nobody listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
