/**
 * End to end, with the built binary (one file, so that one build serves every test):
 * - `leasehold run` against the embedded Lease server, with a recorder child that writes down
 *   when it runs, with which token, and how it ends;
 * - `leasehold candidate` against an unreachable API server;
 * - a short `leasehold demo` (no terminal: plain lines), checking what it concludes: failovers
 *   happened and no two leaders overlapped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { type LeaseServer, startLeaseServer } from '@leasehold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from './build-cli.js';
import {
  type Record as CommandRecord,
  closedPort,
  isAlive,
  leasehold,
  RECORDER,
  records,
  started,
  waitFor,
} from './cli-harness.js';

/** Starting a process and its first requests can take long on a loaded two-core machine. */
const LOADED_MACHINE_WAIT_MS = 45_000;

// A renew deadline of 5 s: a stall of the loaded test machine shorter than that costs no term.
const FAST = ['--lease-duration=6s', '--renew-deadline=5s', '--retry-period=1s'];

/**
 * The command's records form whole terms, in order: each `start` (with a fencing token higher
 * than the last) is followed by its end (`sigterm` or `done`) before the next `start`. On a
 * loaded machine a term may end and another start in between (a stall past the deadline), so
 * the tests assert this order and the first and last records, not an exact count of terms.
 */
function expectWholeTerms(list: CommandRecord[], options: { open?: boolean } = {}) {
  const whats = list.map((r) => r.what).join(' ');
  expect(whats).toMatch(
    options.open ? /^(start (sigterm|done) )*start$/ : /^(start (sigterm|done) ?)+$/,
  );
  const tokens = list.filter((r) => r.what === 'start').map((r) => Number(r.token));
  for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]!);
  for (let i = 1; i < list.length; i++) expect(list[i]!.at).toBeGreaterThan(list[i - 1]!.at);
}

let server: LeaseServer;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  await buildCli();
  server = await startLeaseServer();
  dir = mkdtempSync(join(tmpdir(), 'leasehold-run-e2e-'));
  kubeconfig = await server.writeKubeconfig(join(dir, 'kubeconfig.yaml'));
}, 120_000);

afterAll(async () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('leasehold run', () => {
  it('runs the command only while leader, stops it when leadership ends, hands over', async () => {
    const firstFile = join(dir, 'first.log');
    const secondFile = join(dir, 'second.log');
    const common = ['run', '--name=handover', `--kubeconfig=${kubeconfig}`, ...FAST];
    const first = leasehold([
      ...common,
      '--identity=first',
      '--',
      process.execPath,
      RECORDER,
      firstFile,
    ]);
    const [firstStart] = await waitFor(
      'the first command to start',
      () => (records(firstFile).length > 0 ? records(firstFile) : undefined),
      LOADED_MACHINE_WAIT_MS,
    );
    expect(firstStart).toMatchObject({ what: 'start', token: '0', identity: 'first' });

    // A second candidate: it must not run its command while the first leads.
    const second = leasehold([
      ...common,
      '--identity=second',
      '--',
      process.execPath,
      RECORDER,
      secondFile,
      'exit-soon',
    ]);
    await waitFor(
      'the second to compete',
      () => (second.stderr().includes('competing for lease') ? true : undefined),
      LOADED_MACHINE_WAIT_MS,
    );

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const firstRecords = records(firstFile);
    expectWholeTerms(firstRecords);
    expect(firstRecords.at(-1)?.what).toBe('sigterm');
    for (const record of firstRecords) expect(isAlive(record.pid)).toBe(false);

    // The second leads next, with a higher fencing token, and only after the first stopped;
    // its command exits 0 by itself, so the second releases and exits 0 too.
    expect(await second.exited).toBe(0);
    const secondRecords = records(secondFile);
    expectWholeTerms(secondRecords);
    expect(secondRecords.at(-1)?.what).toBe('done');
    const firstTokens = firstRecords.filter((r) => r.what === 'start').map((r) => Number(r.token));
    expect(secondRecords[0]).toMatchObject({ what: 'start', identity: 'second' });
    expect(Number(secondRecords[0]!.token)).toBeGreaterThan(Math.max(...firstTokens));
    // Never both at once: in time order, every command ends before the next one starts.
    const merged = [...firstRecords, ...secondRecords].sort((x, y) => (x.at < y.at ? -1 : 1));
    expectWholeTerms(merged);
    for (let i = 1; i < merged.length; i += 2) {
      expect(merged[i]!.pid).toBe(merged[i - 1]!.pid);
    }
    expect(second.stderr()).toMatch(/ended \(exit code 0\); releasing the lease/);

    const api = server.kubeConfig.makeApiClient(CoordinationV1Api);
    const lease = await api.readNamespacedLease({ name: 'handover', namespace: 'default' });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
    const lastToken = secondRecords.filter((r) => r.what === 'start').at(-1)!.token;
    expect(String(lease.spec?.leaseTransitions)).toBe(lastToken);
  }, 60_000);

  it('stops the command when the term ends with leasehold still running, and restarts it next term', async () => {
    const file = join(dir, 'flaky.log');
    const run = leasehold([
      'run',
      '--name=flaky',
      `--kubeconfig=${kubeconfig}`,
      '--lease-duration=4s',
      '--renew-deadline=3s',
      '--retry-period=1s',
      '--drain-timeout=1s',
      '--',
      process.execPath,
      RECORDER,
      file,
    ]);
    const [first] = await waitFor('the command to start', () =>
      records(file).length > 0 ? records(file) : undefined,
    );
    // Every write to this Lease fails: renewals cannot succeed, so the term must end by its
    // deadline, and the command before it, while leasehold keeps running as a candidate.
    const outage = server.faults.failNext({
      status: 503,
      count: 1_000_000,
      match: { verb: 'update', name: 'flaky' },
    });
    await waitFor('the command to be stopped', () =>
      records(file).some((r) => r.what === 'sigterm') ? true : undefined,
    );
    expect(run.child.exitCode).toBeNull();
    // The guard stops it before the deadline (so that it is dead by then), not at it. Its note
    // reaches our stderr pipe after COMMAND's own record reached the file: wait for it.
    await waitFor('the guard to say why it stopped COMMAND', () =>
      /no renewal and the term's deadline is near: stopping COMMAND/.test(run.stderr())
        ? true
        : undefined,
    );
    outage.undo();
    const again = await waitFor('the command to start again', () =>
      records(file).find((r, i) => r.what === 'start' && i > 0),
    );
    expect(again.at).toBeGreaterThan(records(file)[1]!.at);
    expect(Number(again.token)).toBeGreaterThan(Number(first!.token));
    expectWholeTerms(records(file), { open: true });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const all = records(file);
    expectWholeTerms(all);
    expect(all.slice(0, 2).map((r) => r.what)).toEqual(['start', 'sigterm']);
    expect(all.at(-1)?.what).toBe('sigterm');
    expect(all.filter((r) => r.what === 'start').length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('serves /readyz, /livez and /metrics: the gauge is 1 on the leader, 0 on the follower, and moves on failover', async () => {
    const [leaderHealth, leaderMetrics, followerPort] = [
      await closedPort(),
      await closedPort(),
      await closedPort(),
    ];
    const common = ['run', '--name=scraped', `--kubeconfig=${kubeconfig}`, ...FAST];
    const command = ['--', process.execPath, '-e', 'setInterval(() => {}, 1000)'];
    const leader = leasehold([
      ...common,
      '--identity=leader',
      `--health-port=${leaderHealth}`,
      `--metrics-port=${leaderMetrics}`,
      '--listen-address=127.0.0.1',
      ...command,
    ]);
    await waitFor('the leader to start its command', () =>
      leader.stderr().includes('leading as leader') ? true : undefined,
    );
    // One port for both endpoints, on the default address (0.0.0.0).
    const follower = leasehold([
      ...common,
      '--identity=follower',
      `--health-port=${followerPort}`,
      `--metrics-port=${followerPort}`,
      ...command,
    ]);
    const get = async (port: number, path: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: response.status, body: await response.text() };
    };
    /** The sample of `series` in a scrape, or undefined. */
    const sample = (body: string, series: string): number | undefined => {
      const line = body.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const gauge = 'leader_election_master_status{name="scraped"}';
    const started = 'leasehold_terms_started_total{name="scraped",namespace="default"}';

    const leaderScrape = await get(leaderMetrics, '/metrics');
    expect(leaderScrape.status).toBe(200);
    expect(sample(leaderScrape.body, gauge)).toBe(1);
    expect(sample(leaderScrape.body, started)).toBe(1);
    expect(leaderScrape.body).toMatch(/^process_cpu_seconds_total /m);
    expect(await get(leaderHealth, '/readyz')).toMatchObject({ status: 200 });
    expect(await get(leaderHealth, '/livez')).toEqual({
      status: 200,
      body: expect.stringMatching(/^\[\+\]leaderElection ok/),
    });
    expect((await get(leaderHealth, '/metrics')).status).toBe(404);

    // The follower binds its port before it starts competing; readiness follows the first sync.
    await waitFor('the follower to compete', () =>
      follower.stderr().includes('competing for lease') ? true : undefined,
    );
    let ready = await get(followerPort, '/readyz');
    for (let i = 0; ready.status !== 200 && i < 100; i++) {
      await sleep(100);
      ready = await get(followerPort, '/readyz');
    }
    expect(ready.status).toBe(200);
    const followerScrape = await get(followerPort, '/metrics');
    expect(sample(followerScrape.body, gauge)).toBe(0);
    expect(sample(followerScrape.body, started)).toBe(0);

    leader.child.kill('SIGTERM');
    expect(await leader.exited).toBe(0);
    await waitFor('the follower to lead', () =>
      follower.stderr().includes('leading as follower') ? true : undefined,
    );
    const after = await get(followerPort, '/metrics');
    expect(sample(after.body, gauge)).toBe(1);
    expect(sample(after.body, started)).toBe(1);
    expect((await get(followerPort, '/livez')).status).toBe(200);
    follower.child.kill('SIGTERM');
    expect(await follower.exited).toBe(0);
  });

  it("exits with the command's status, and 127 when it cannot be found", async () => {
    const common = ['run', '--name=status', `--kubeconfig=${kubeconfig}`, ...FAST, '--'];
    expect(await leasehold([...common, process.execPath, '-e', 'process.exit(3)']).exited).toBe(3);
    const missing = leasehold([...common, 'leasehold-no-such-command']);
    expect(await missing.exited).toBe(127);
    expect(missing.stderr()).toMatch(/failed to start: spawn leasehold-no-such-command ENOENT/);
  }, 60_000);

  it('reports bad arguments with exit code 2 and no stack trace', async () => {
    const run = leasehold(['run', '--name=x', '--lease-duration=4500ms', '--', 'true']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toBe(
      "leasehold: --lease-duration: must be a whole number of seconds, at least 1000, got 4500 (values in ms)\nSee 'leasehold run --help'.\n",
    );
  });
});

describe('leasehold candidate', () => {
  it('keeps competing while the API server is unreachable, until SIGTERM', async () => {
    const unreachable = join(dir, 'unreachable.yaml');
    writeFileSync(
      unreachable,
      `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:${await closedPort()}', insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`,
    );
    const candidate = leasehold(['candidate', '--name=x', `--kubeconfig=${unreachable}`]);
    await waitFor('an error to be reported', () =>
      candidate.output().includes('"error":') ? true : undefined,
    );
    // The elector now waits out a backoff with nothing open: the command must still be there.
    await sleep(500);
    expect(candidate.child.exitCode).toBeNull();
    candidate.child.kill('SIGTERM');
    expect(await candidate.exited).toBe(0);
    expect(candidate.output()).toMatch(
      /\{"type":"exit","identity":"[^"]+","at":"\d+","code":0\}\n$/,
    );
  });
});

describe('leasehold demo', () => {
  it('fails over repeatedly without overlapping leaders', async () => {
    const demo = leasehold(['demo', '--duration=12s', '--interval=3s', '--profile=fast']);
    const code = await demo.exited;
    const output = demo.output();

    expect(output, output).toMatch(/^ {2}overlapping leaders seen: 0$/m);
    const failovers = [...output.matchAll(/^ {2}(?:graceful|crash|pause) .*?\) +(\d+) /gm)].map(
      (match) => Number(match[1]),
    );
    expect(failovers).toHaveLength(3);
    expect(failovers.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(output).toMatch(/^ {2}leadership intervals checked: [1-9]/m);
    expect(output).not.toMatch(/exited unexpectedly/);
    // It leaves a record: the final table, what was still in flight, where to read on.
    expect(output).toMatch(/^Final state:\nCANDIDATE +PID +PROCESS +ROLE +TOKEN +TIME LEFT\n/m);
    expect(output).toMatch(/^ {2}still in flight at the end: (none|\d+ \(not counted above\))$/m);
    expect(output).toMatch(/^Read next .*\n {2}docs\/demo\.md/m);
    expect(code, output).toBe(0);
  }, 40_000);
});
