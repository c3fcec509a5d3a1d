/**
 * `leasehold run` never lets two COMMANDs run at once, whatever happens to the process:
 * two `leasehold run` against the embedded Lease server, the first leads, something happens
 * to it (SIGKILL, SIGSTOP, SIGHUP, SIGTERM, its stderr closed), the second takes over. The
 * second's COMMAND looks, the moment it starts, for any other COMMAND of the test still
 * alive (guarded-recorder.mjs): there must be none. Facts and order only, no timing.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type LeaseServer, startLeaseServer } from '@leasehold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from './build-cli.js';
import { isAlive, leasehold, type Run, started, waitFor } from './cli-harness.js';

const RECORDER = fileURLToPath(new URL('./guarded-recorder.mjs', import.meta.url));
const FAST = ['--lease-duration=4s', '--renew-deadline=3s', '--retry-period=1s'];

let server: LeaseServer;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  await buildCli();
  server = await startLeaseServer();
  dir = mkdtempSync(join(tmpdir(), 'leasehold-run-guard-'));
  kubeconfig = await server.writeKubeconfig(join(dir, 'kubeconfig.yaml'));
}, 120_000);

afterAll(async () => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  }
  // COMMANDs a broken run left behind.
  for (const pid of registered()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Line {
  what: string;
  token: number;
  identity: string;
  pid: number;
  /** For `start`: other COMMANDs alive at that moment. */
  alive: number[];
}

function lines(file: string): Line[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [what = '', , token = '', identity = '', pid = '0', extra = '-'] = line.split(' ');
      return {
        what,
        token: Number(token),
        identity,
        pid: Number(pid),
        alive: extra === '-' || what !== 'start' ? [] : extra.split(',').map(Number),
      };
    });
}

/** Every COMMAND of one test registers its pid in the test's registry. */
const registryFile = (lease: string) => join(dir, `${lease}.registry`);
function registered(): number[] {
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.registry'))
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n'))
    .filter(Boolean)
    .map(Number);
}

/** `ignore-sigterm`: a COMMAND that only SIGKILL ends. */
type CommandMode = 'exit-on-sigterm' | 'ignore-sigterm';

function runner(
  lease: string,
  identity: string,
  mode: CommandMode = 'exit-on-sigterm',
): { run: Run; file: string } {
  const file = join(dir, `${lease}-${identity}.log`);
  const run = leasehold([
    'run',
    `--name=${lease}`,
    `--kubeconfig=${kubeconfig}`,
    `--identity=${identity}`,
    ...FAST,
    '--',
    process.execPath,
    RECORDER,
    file,
    registryFile(lease),
    mode,
  ]);
  return { run, file };
}

/**
 * The first leads and runs COMMAND, the second competes; `fault` strikes the first; the
 * second's COMMAND must start with no other COMMAND alive.
 */
/** The parent of a process (COMMAND's is the guard). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

async function takeover(
  lease: string,
  fault: (first: Run, command: number) => void | Promise<void>,
  mode: CommandMode = 'exit-on-sigterm',
): Promise<{ first: Run; firstFile: string }> {
  const a = runner(lease, 'first', mode);
  const [aStart] = await waitFor('the first COMMAND to start', () => {
    const found = lines(a.file);
    return found.length > 0 ? found : undefined;
  });
  const b = runner(lease, 'second');
  await waitFor('the second to compete', () =>
    b.run.stderr().includes('competing for lease') ? true : undefined,
  );
  expect(lines(b.file)).toEqual([]);

  await fault(a.run, aStart!.pid);

  const bStart = await waitFor(
    'the second COMMAND to start',
    () => lines(b.file).find((line) => line.what === 'start'),
    30_000,
  );
  expect(bStart.alive, `COMMANDs alive when the second started: ${bStart.alive}`).toEqual([]);
  expect(isAlive(aStart!.pid)).toBe(false);
  expect(bStart.token).toBeGreaterThan(aStart!.token);
  b.run.child.kill('SIGTERM');
  expect(await b.run.exited).toBe(0);
  return { first: a.run, firstFile: a.file };
}

/** Who released `lease` (wrote an empty holder over their own), in order, from now on. */
function releasesOf(lease: string): string[] {
  const releasers: string[] = [];
  server.store.subscribe(({ type, object, previous }) => {
    if (type !== 'MODIFIED' || object.metadata.name !== lease) return;
    const before = previous?.spec.holderIdentity ?? '';
    if (before !== '' && (object.spec.holderIdentity ?? '') === '') releasers.push(before);
  });
  return releasers;
}

/** The library's warning when the work outlasted the drain bound (DrainTimeoutError). */
const NOT_RELEASED = /did not settle within drainTimeoutMs/;

describe('leasehold run: COMMAND is dead before another candidate leads', () => {
  it('when leasehold is SIGKILLed', async () => {
    const { first } = await takeover('sigkill', (a) => {
      a.child.kill('SIGKILL');
    });
    expect(await first.exited).toBe(null);
  }, 60_000);

  it('when leasehold is frozen with SIGSTOP (and later resumed)', async () => {
    const { first } = await takeover('sigstop', (a) => {
      a.child.kill('SIGSTOP');
    });
    first.child.kill('SIGCONT');
    // Resumed after its term ran out, it is a follower again; it stops cleanly.
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  }, 60_000);

  it('when leasehold gets SIGHUP (a graceful stop, like SIGTERM)', async () => {
    const { first } = await takeover('sighup', (a) => {
      a.child.kill('SIGHUP');
    });
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toMatch(/SIGHUP: stopping/);
  }, 60_000);

  it('when leasehold gets SIGTERM', async () => {
    const { first } = await takeover('sigterm', (a) => {
      a.child.kill('SIGTERM');
    });
    expect(await first.exited).toBe(0);
  }, 60_000);

  it('when leasehold cannot write to its stderr any more (EPIPE on the stopping note)', async () => {
    const { first } = await takeover('epipe', (a) => {
      // Nobody reads leasehold's stderr any more: its next note fails with EPIPE.
      a.child.stderr?.destroy();
      a.child.kill('SIGTERM');
    });
    expect(await first.exited).toBe(0);
  }, 60_000);

  it('when leasehold cannot write to its stderr any more (EPIPE on a warning)', async () => {
    const { first } = await takeover('epipe-warning', async (a) => {
      a.child.stderr?.destroy();
      // One failed renewal: leasehold warns, on a stderr nobody reads.
      const fault = server.faults.failNext({
        status: 503,
        match: { verb: 'update', name: 'epipe-warning' },
      });
      await waitFor('a renewal to fail', () => (fault.hits > 0 ? true : undefined));
      await sleep(500);
      a.child.kill('SIGTERM');
    });
    expect(await first.exited).toBe(0);
  }, 60_000);

  it('when leasehold gets SIGTERM and COMMAND ignores it: SIGKILLed, reaped, then the Lease released', async () => {
    const releases = releasesOf('stubborn');
    const { first, firstFile } = await takeover(
      'stubborn',
      (a) => {
        a.child.kill('SIGTERM');
      },
      'ignore-sigterm',
    );
    expect(await first.exited).toBe(0);
    // COMMAND got SIGTERM, ignored it, and was SIGKILLed (it wrote nothing more); the
    // elector's drain bound came after the reap, so it released rather than letting the
    // Lease run out.
    expect(lines(firstFile).map((line) => line.what)).toEqual(['start', 'sigterm']);
    expect(releases[0]).toBe('first');
    expect(first.stderr()).not.toMatch(NOT_RELEASED);
  }, 60_000);

  it('when the guard is frozen during a stop: COMMAND killed by the elector, the Lease not released', async () => {
    const releases = releasesOf('guard-frozen');
    let guard = 0;
    try {
      const { first } = await takeover(
        'guard-frozen',
        async (a, command) => {
          guard = parentOf(command);
          expect(parentOf(guard)).toBe(a.child.pid);
          // The guard can neither stop COMMAND nor report its end: leasehold's own timer
          // SIGKILLs the group by the deadline, and with no report the Lease must run out.
          process.kill(guard, 'SIGSTOP');
          a.child.kill('SIGTERM');
          expect(await a.exited).toBe(0);
          // Resumed, the guard reaps the killed COMMAND and, its leasehold gone, exits.
          process.kill(guard, 'SIGCONT');
          await waitFor('COMMAND to be reaped', () => (isAlive(command) ? undefined : true));
        },
        'ignore-sigterm',
      );
      expect(first.stderr()).toMatch(NOT_RELEASED);
      expect(releases).not.toContain('first');
    } finally {
      if (guard !== 0 && isAlive(guard)) {
        process.kill(guard, 'SIGCONT');
        process.kill(guard, 'SIGKILL');
      }
    }
  }, 60_000);

  it('when the guard process is SIGKILLed: leasehold kills COMMAND and exits without releasing', async () => {
    const { first } = await takeover('guard-killed', (a, command) => {
      const guard = parentOf(command);
      expect(guard).not.toBe(a.child.pid);
      expect(parentOf(guard)).toBe(a.child.pid);
      process.kill(guard, 'SIGKILL');
    });
    expect(await first.exited).toBe(1);
    expect(first.stderr()).toMatch(
      /the guard process died \(SIGKILL\): COMMAND killed; exiting without releasing/,
    );
  }, 60_000);
});
