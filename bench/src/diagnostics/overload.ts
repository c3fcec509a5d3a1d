/**
 * Reproduces B4's overload runaway in a small script: M electors (the real Kubernetes
 * adapter) in this process against an embedded server, in a child process, that delays every
 * request by `latencyMs`. Prints one JSON line per second: leading count, RSS and heap, the
 * store calls in flight by method, the process's active resources by type, event-loop delay.
 *
 * `node --conditions=@leasehold/source --expose-gc bench/run.ts` with
 * `LEASEHOLD_BENCH_ENTRY=./src/diagnostics/overload.ts` and the JSON config in
 * `LEASEHOLD_OVERLOAD` (m, latencyMs, leaseDurationMs, renewDeadlineMs, retryPeriodMs,
 * seconds, capMb, group).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { KubeConfig } from '@kubernetes/client-node';
import {
  createKubernetesLeaseStore,
  createLeaderElector,
  createLeaseElection,
  type LeaseStore,
} from '@leasehold/election';

const config = {
  m: 1000,
  latencyMs: 2000,
  leaseDurationMs: 4000,
  renewDeadlineMs: 3000,
  retryPeriodMs: 1000,
  seconds: 40,
  capMb: 3000,
  /** Seconds after start at which to write a heap snapshot (0: none). */
  snapshotA: 0,
  snapshotB: 0,
  /** 1: the electors share one createLeaseElection group (one watch, one pool, one limiter). */
  group: 0,
  ...(JSON.parse(process.env.LEASEHOLD_OVERLOAD ?? '{}') as Record<string, number>),
};

const dir = mkdtempSync(join(tmpdir(), 'leasehold-overload-'));
const kubeconfigPath = join(dir, 'kubeconfig');
const serverScript = fileURLToPath(new URL('./slow-server.ts', import.meta.url));
const hooks = fileURLToPath(new URL('../hooks.ts', import.meta.url));
const server = spawn(
  process.execPath,
  [
    '--conditions=@leasehold/source',
    '--import',
    hooks,
    serverScript,
    JSON.stringify({ latencyMs: config.latencyMs, kubeconfigPath }),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const ready = await new Promise<string>((resolve) => {
  createInterface({ input: server.stdout }).once('line', resolve);
});
process.stdout.write(`${ready}\n`);
const kill = () => server.kill('SIGTERM');
process.on('exit', kill);

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);

/** Calls in flight per store method, over every elector. */
const inFlight: Record<string, number> = {};
let calls = 0;
function counted(store: LeaseStore): LeaseStore {
  const wrap =
    <A extends unknown[], R>(method: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      inFlight[method] = (inFlight[method] ?? 0) + 1;
      calls++;
      try {
        return await fn(...args);
      } finally {
        inFlight[method] = (inFlight[method] ?? 1) - 1;
      }
    };
  return {
    name: store.name,
    namespace: store.namespace,
    get: wrap('get', (s) => store.get(s)),
    list: wrap('list', (s) => store.list(s)),
    create: wrap('create', (o, s) => store.create(o, s)),
    replace: wrap('replace', (o, v, s) => store.replace(o, v, s)),
    watch: wrap('watch', (o) => store.watch(o)),
  };
}

const group =
  config.group === 1 ? createLeaseElection({ kubeConfig, namespace: 'default' }) : undefined;
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
let leading = 0;
const t0 = performance.now();
const electors = [];
for (let i = 0; i < config.m; i++) {
  const store = counted(
    group
      ? group.store(`overload-${i}`)
      : createKubernetesLeaseStore({ kubeConfig, name: `overload-${i}`, namespace: 'default' }),
  );
  const elector = createLeaderElector({
    name: `overload-${i}`,
    namespace: 'default',
    identity: `overload-${i}`,
    store,
    leaseDurationMs: config.leaseDurationMs,
    renewDeadlineMs: config.renewDeadlineMs,
    retryPeriodMs: config.retryPeriodMs,
  });
  let was = false;
  elector.isLeader$.subscribe((is) => {
    if (is !== was) leading += is ? 1 : -1;
    was = is;
  });
  electors.push(elector.start());
}

let last = performance.now();
let cpu = process.cpuUsage();
const timer = setInterval(() => {
  const now = performance.now();
  const u = process.memoryUsage();
  const used = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  const cpuPct = Math.round(((used.user + used.system) / 1000 / (now - last)) * 100);
  const load1 = Math.round((loadavg()[0] ?? 0) * 10) / 10;
  const mb = (x: number) => Math.round(x / 2 ** 20);
  const resources: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
  process.stdout.write(
    `${JSON.stringify({
      atS: Math.round((now - t0) / 100) / 10,
      gapMs: Math.round(now - last),
      cpuPct,
      load1,
      leading,
      rssMb: mb(u.rss),
      heapMb: mb(u.heapUsed),
      externalMb: mb(u.external),
      calls,
      inFlight,
      resources,
      ...(group && { limiter: { ...group.stats.requests }, watch: { ...group.stats.watch } }),
      lagP99Ms: Math.round(lag.percentile(99) / 1e6),
      lagMaxMs: Math.round(lag.max / 1e6),
    })}\n`,
  );
  lag.reset();
  last = now;
  for (const at of [config.snapshotA, config.snapshotB]) {
    if (at > 0 && now - t0 >= at * 1000 && now - t0 < at * 1000 + 1000) {
      process.stdout.write(
        `${JSON.stringify({ snapshot: writeHeapSnapshot(join(dir, `at-${at}.heapsnapshot`)) })}\n`,
      );
    }
  }
  if (u.rss / 2 ** 20 > config.capMb || now - t0 > config.seconds * 1000) {
    clearInterval(timer);
    kill();
    process.exit(0);
  }
}, 1000);
