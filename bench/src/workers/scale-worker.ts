/**
 * A process of its own for B4 (one process electing on M Leases) and B5 (idle cost of one
 * follower), so that memory and CPU are this process's alone. Started by the benchmark with
 * `node --expose-gc scale-worker.ts '<json config>'`; prints one JSON object per line:
 * `{"phase":"baseline"|"settled"|"window-start"|"window-end"|"result"|"error", ...}`.
 * The benchmark counts the server's requests between `window-start` and `window-end`.
 *
 * Modes:
 * - `scale`: M leasehold electors (public API: createLeaderElector), one per Lease, all in
 *   this process; time until all lead, then a steady window.
 * - `idle-leasehold` / `idle-peer`: baseline window with the library loaded and nothing
 *   running, then one follower on a Lease another process holds, then the same window.
 */
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeHeapSnapshot } from 'node:v8';

interface Config {
  mode: 'scale' | 'idle-leasehold' | 'idle-peer';
  kubeconfigPath: string;
  namespace: string;
  /** scale: number of Leases. */
  m?: number;
  /** scale: `standalone` (createLeaderElector each) or `group` (one createLeaseElection). */
  path?: 'standalone' | 'group';
  /** idle: the Lease and its holder. */
  lease?: string;
  leader?: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  settleTimeoutMs: number;
  windowMs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;

function out(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

function memory(): {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
} {
  const m = process.memoryUsage();
  const mb = (x: number) => Math.round((x / 2 ** 20) * 10) / 10;
  return {
    rssMb: mb(m.rss),
    heapUsedMb: mb(m.heapUsed),
    // What V8 holds from the system for its heap: RSS above this is native memory.
    heapTotalMb: mb(m.heapTotal),
    externalMb: mb(m.external),
  };
}

/** Event-loop delay since the last call, ms (p99 and max). */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
function lag(): { lagP99Ms: number; lagMaxMs: number } {
  const toMs = (ns: number) => Math.round(ns / 1e5) / 10;
  const out = { lagP99Ms: toMs(loopDelay.percentile(99)), lagMaxMs: toMs(loopDelay.max) };
  loopDelay.reset();
  return out;
}

/** CPU share of one core used by this process over `ms`, and the peak RSS seen. */
async function window(ms: number): Promise<{
  cpuShare: number;
  peakRssMb: number;
  ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
}> {
  lag();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let peak = process.memoryUsage().rss;
  const end = t0 + ms;
  while (performance.now() < end) {
    await sleep(Math.min(1000, end - performance.now()));
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const c = process.cpuUsage(c0);
  const elapsed = performance.now() - t0;
  return {
    cpuShare: Math.round(((c.user + c.system) / 1000 / elapsed) * 10_000) / 10_000,
    peakRssMb: Math.round((peak / 2 ** 20) * 10) / 10,
    ms: Math.round(elapsed),
    ...lag(),
  };
}

async function scale(): Promise<void> {
  const tImport = performance.now();
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { createLeaderElector, createLeaseElection } = await import('@leasehold/election');
  const importMs = Math.round(performance.now() - tImport);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(config.kubeconfigPath);
  const group =
    config.path === 'group'
      ? createLeaseElection({ kubeConfig, namespace: config.namespace })
      : undefined;
  await sleep(500);
  gc();
  const baseline = memory();
  out({ phase: 'baseline', importMs, ...baseline });

  const m = config.m ?? 1;
  // A progress line every 5 s: how many lead, and where the memory is.
  const progress = setInterval(() => {
    const u = process.memoryUsage();
    const mb = (x: number) => Math.round(x / 2 ** 20);
    out({
      phase: 'progress',
      atS: Math.round((performance.now() - t0) / 1000),
      leading,
      rssMb: mb(u.rss),
      heapUsedMb: mb(u.heapUsed),
      externalMb: mb(u.external),
      arrayBuffersMb: mb(u.arrayBuffers),
      handles: (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.()
        .length,
      ...(group && { requests: { ...group.stats.requests }, watch: { ...group.stats.watch } }),
    });
  }, 5_000);
  progress.unref();
  let leading = 0;
  let lostDuringWindow = 0;
  let inWindow = false;
  const t0 = performance.now();
  let allLeading: () => void = () => {};
  const settled = new Promise<void>((resolve) => {
    allLeading = resolve;
  });
  const electors = [];
  lag();
  for (let i = 0; i < m; i++) {
    const timing = {
      identity: `scale-worker-${i}`,
      leaseDurationMs: config.leaseDurationMs,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
    };
    const elector = group
      ? group.elector(`scale-${i}`, timing)
      : createLeaderElector({
          name: `scale-${i}`,
          namespace: config.namespace,
          kubeConfig,
          ...timing,
        });
    let was = false;
    elector.isLeader$.subscribe((is) => {
      if (is && !was) {
        leading += 1;
        if (leading === m) allLeading();
      } else if (!is && was) {
        leading -= 1;
        if (inWindow) lostDuringWindow += 1;
      }
      was = is;
    });
    electors.push(elector.start());
  }
  const startedMs = Math.round(performance.now() - t0);
  const timedOut = await Promise.race([
    settled.then(() => false),
    sleep(config.settleTimeoutMs, true),
  ]);
  const settleMs = Math.round(performance.now() - t0);
  const settleLag = lag();
  out({ phase: 'settled', settleMs, startedMs, leading, timedOut, ...settleLag, ...memory() });
  // Let the start-up burst drain before measuring the steady state.
  await sleep(Math.max(3_000, 2 * config.retryPeriodMs));
  gc();
  const before = memory();
  inWindow = true;
  out({ phase: 'window-start', atMs: Date.now() });
  const w = await window(config.windowMs);
  out({ phase: 'window-end', atMs: Date.now() });
  inWindow = false;
  const after = memory();
  gc();
  const afterGc = memory();
  // LEASEHOLD_BENCH_HEAP_SNAPSHOT=DIR: a heap snapshot of the steady state (after the full
  // GC above), for bench/src/diagnostics/heap-diff.ts; written after every figure is taken.
  const snapshotDir = process.env.LEASEHOLD_BENCH_HEAP_SNAPSHOT;
  const heapSnapshot = snapshotDir
    ? writeHeapSnapshot(join(snapshotDir, `${config.path ?? 'standalone'}-${m}.heapsnapshot`))
    : undefined;
  out({
    phase: 'result',
    ...(heapSnapshot && { heapSnapshot }),
    m,
    importMs,
    baseline,
    path: config.path ?? 'standalone',
    settle: {
      ms: timedOut ? null : settleMs,
      startedMs,
      leadingAtSettle: timedOut ? leading : m,
      lagP99Ms: settleLag.lagP99Ms,
    },
    window: { ...w, lostDuringWindow, leadingAtEnd: leading },
    memoryBefore: before,
    memoryAfter: after,
    memoryAfterGc: afterGc,
  });
}

async function idle(): Promise<void> {
  const peerMode = config.mode === 'idle-peer';
  const tImport = performance.now();
  let startFollower: () => Promise<void>;
  if (peerMode) {
    const peer = (await import('@codedependant/kubernetes-leader-election')).default;
    process.env.KUBECONFIG = config.kubeconfigPath;
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    startFollower = async () => {
      const elector = new peer.Elector({
        auto_close: false,
        identity: 'idle-follower',
        lease_name: config.lease ?? 'idle',
        namespace: config.namespace,
        lease_duration_sec: config.leaseDurationMs / 1000,
        renew_interval_ms: config.retryPeriodMs,
      });
      const attempt = elector.tryToBecomeLeader.bind(elector);
      let first: () => void = () => {};
      const done = new Promise<void>((r) => {
        first = r;
      });
      elector.tryToBecomeLeader = async () => {
        await attempt();
        first();
      };
      await elector.start();
      await done;
    };
  } else {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const { createLeaderElector } = await import('@leasehold/election');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(config.kubeconfigPath);
    startFollower = async () => {
      const elector = createLeaderElector({
        name: config.lease ?? 'idle',
        namespace: config.namespace,
        kubeConfig,
        identity: 'idle-follower',
        leaseDurationMs: config.leaseDurationMs,
        renewDeadlineMs: config.renewDeadlineMs,
        retryPeriodMs: config.retryPeriodMs,
      }).start();
      await new Promise<void>((resolve) => {
        const sub = elector.state$.subscribe((s) => {
          if (s.holder === config.leader) {
            resolve();
            queueMicrotask(() => sub.unsubscribe());
          }
        });
      });
    };
  }
  const importMs = Math.round(performance.now() - tImport);
  await sleep(1000);
  gc();
  const baseMem = memory();
  const baseWindow = await window(config.windowMs);
  gc();
  const baseMemAfter = memory();
  out({ phase: 'baseline', importMs, ...baseMem });
  const t0 = performance.now();
  await Promise.race([
    startFollower(),
    sleep(config.settleTimeoutMs).then(() => {
      throw new Error('the follower did not observe the leader in time');
    }),
  ]);
  const settleMs = Math.round(performance.now() - t0);
  // Past the start-up requests and any retry window (the peer retries for one lease duration).
  await sleep(config.leaseDurationMs + config.retryPeriodMs);
  gc();
  const followerMem = memory();
  out({ phase: 'window-start', atMs: Date.now() });
  const fw = await window(config.windowMs);
  out({ phase: 'window-end', atMs: Date.now() });
  gc();
  const followerMemAfter = memory();
  out({
    phase: 'result',
    importMs,
    settleMs,
    baseline: { memory: baseMem, memoryAfter: baseMemAfter, window: baseWindow },
    follower: { memory: followerMem, memoryAfter: followerMemAfter, window: fw },
  });
}

try {
  if (config.mode === 'scale') await scale();
  else await idle();
  process.exit(0);
} catch (e) {
  out({ phase: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
}
