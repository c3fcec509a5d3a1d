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
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
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
  /**
   * Seconds after start to start and stop V8's sampling heap profiler (0: off). The profile
   * keeps objects a major GC collected but not those a scavenge did: what was promoted to old
   * space and died there, which is what grows the RSS between major GCs.
   */
  promotedFrom: 0,
  promotedTo: 0,
  staggerMs: 0,
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
  // staggerMs > 0: start the electors spread evenly over that many milliseconds.
  if (config.staggerMs > 0) {
    electors.push(
      new Promise((resolve) => setTimeout(resolve, (i * config.staggerMs) / config.m)).then(() =>
        elector.start(),
      ),
    );
  } else {
    electors.push(elector.start());
  }
}

const profiler = new Session();
profiler.connect();
let profiling = false;
async function promotedProfile(now: number): Promise<void> {
  if (config.promotedFrom <= 0) return;
  if (!profiling && now - t0 >= config.promotedFrom * 1000) {
    profiling = true;
    await profiler.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: false,
    });
  } else if (profiling && now - t0 >= config.promotedTo * 1000) {
    profiling = false;
    config.promotedFrom = 0;
    const { profile } = await profiler.post('HeapProfiler.stopSampling');
    const file = join(dir, 'promoted.heapprofile');
    writeFileSync(file, JSON.stringify(profile));
    process.stdout.write(`${JSON.stringify({ promotedProfile: file })}\n`);
  }
}

const snapshotsWritten = new Set<number>();
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
  void promotedProfile(now);
  for (const at of [config.snapshotA, config.snapshotB]) {
    if (at > 0 && now - t0 >= at * 1000 && !snapshotsWritten.has(at)) {
      snapshotsWritten.add(at);
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
