/**
 * Test helpers: a manual clock, a client-node watch recorder, ApiException parsing and a
 * kubectl runner.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { LeaseServer, ServerClock, Status } from '../src/index.js';

/** A clock that only moves when told; timers fire in due order, ties in insertion order. */
export class ManualServerClock implements ServerClock {
  #now = Date.parse('2026-01-01T00:00:00Z');
  #timers: { at: number; seq: number; callback: () => void }[] = [];
  #seq = 0;

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { at: this.#now + ms, seq: this.#seq++, callback };
    this.#timers.push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t !== handle);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const due = this.#timers
        .filter((t) => t.at <= until)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = due.at;
      due.callback();
    }
    this.#now = until;
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.#timers.length;
  }
}

/** Polls `condition` until true (each try one macrotask apart); fails after `tries`. */
export async function until(
  condition: () => boolean,
  what = 'condition',
  tries = 2000,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One event as client-node delivers it. */
export interface RecordedEvent {
  readonly type: string;
  // biome-ignore lint/suspicious/noExplicitAny: watch objects arrive as raw JSON
  readonly object: any;
}

/** A client-node watch whose events are recorded. */
export interface RecordedWatch {
  readonly events: RecordedEvent[];
  /** Resolves with `done`'s argument (null on a clean end). */
  readonly done: Promise<unknown>;
  /** Waits until `count` events arrived; returns them all. */
  atLeast(count: number): Promise<RecordedEvent[]>;
  abort(): void;
}

/** Starts a client-node `Watch` on `path` and records what it delivers. */
export async function recordWatch(
  kubeConfig: KubeConfig,
  path: string,
  query: Record<string, string | number | boolean | undefined> = {},
): Promise<RecordedWatch> {
  const events: RecordedEvent[] = [];
  let finish: (error: unknown) => void = () => undefined;
  const done = new Promise<unknown>((resolve) => {
    finish = resolve;
  });
  const controller = await new Watch(kubeConfig).watch(
    path,
    query,
    (type, object) => events.push({ type, object }),
    (error) => finish(error),
  );
  return {
    events,
    done,
    async atLeast(count) {
      await until(() => events.length >= count, `${count} watch events (have ${events.length})`);
      return events;
    },
    abort: () => controller.abort(),
  };
}

/** The Status inside a client-node ApiException (its body is the raw text). */
export async function statusOf(
  promise: Promise<unknown>,
): Promise<Status & { httpCode: number; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: number; body?: unknown; headers?: Record<string, string> };
    // client-node drops the body of a 401 (its OpenAPI spec declares none).
    const body =
      typeof e.body === 'string' ? (JSON.parse(e.body) as Status) : ((e.body ?? {}) as Status);
    return { ...body, httpCode: e.code ?? 0, headers: e.headers ?? {} };
  }
  throw new Error('expected the request to fail');
}

/** Runs kubectl against a server, with its own discovery cache directory. */
export async function kubectlFor(
  server: LeaseServer,
): Promise<
  (args: string[], input?: string) => Promise<{ code: number; stdout: string; stderr: string }>
> {
  const dir = await mkdtemp(join(tmpdir(), 'leasehold-kubectl-'));
  const kubeconfig = await server.writeKubeconfig(join(dir, 'kubeconfig.yaml'));
  return (args, input) =>
    new Promise((resolve) => {
      const child = execFile(
        'kubectl',
        ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: 15_000 },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
}

/** A MicroTime for `iso` (six fractional digits), as client-go writes them. */
export function micro(iso: string): string {
  return iso.replace(/\.(\d{3})Z$/, '.$1000Z');
}
