/**
 * B4 (one process electing on M Leases) and B5 (idle cost of one follower). The electors run
 * in a worker process of their own (workers/scale-worker.ts); the server counts requests.
 */

import { freemem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Arena, BackendKind, Window, WindowCounts } from '../backends.js';
import { type ContenderId, type Profile, spawnCandidate } from '../contenders.js';
import { procRss, spawnTracked } from '../procs.js';
import { type LoadSample, type Logger, round, startLoadSample } from '../util.js';

const WORKER = fileURLToPath(new URL('../workers/scale-worker.ts', import.meta.url));
/** Minimum RSS cap of a worker (MB); LEASEHOLD_BENCH_WORKER_RSS_CAP_MB overrides. */
const WORKER_RSS_CAP_MB = Number(process.env.LEASEHOLD_BENCH_WORKER_RSS_CAP_MB ?? 4096);

interface WorkerOutcome {
  /** The worker's progress lines (every 5 s: leading count and memory breakdown). */
  progress: Record<string, unknown>[];
  result?: Record<string, unknown>;
  settled?: Record<string, unknown>;
  counts?: WindowCounts;
  error?: string;
}

async function runWorker(
  config: Record<string, unknown>,
  arena: Arena,
  timeoutMs: number,
  /** RSS cap of the worker, MB: ≈ 2 MB per elector, at least 4 GB, leaving 3 GB free. */
  capMb = Math.min(
    Math.max(WORKER_RSS_CAP_MB, 2 * Number(config.m ?? 1)),
    Math.max(1024, freemem() / 2 ** 20 - 3072),
  ),
): Promise<WorkerOutcome> {
  const outcome: WorkerOutcome = { progress: [] };
  let window: Window | undefined;
  let countsP: Promise<WindowCounts> | undefined;
  const proc = spawnTracked(
    `worker:${String(config.mode)}`,
    process.execPath,
    // LEASEHOLD_BENCH_WORKER_ARGS: extra Node.js flags for the worker (e.g. `--prof`, whose
    // tick log is written as it goes and so survives the watchdog's SIGKILL).
    [
      '--expose-gc',
      ...(process.env.LEASEHOLD_BENCH_WORKER_ARGS ?? '').split(' ').filter(Boolean),
      WORKER,
      JSON.stringify(config),
    ],
    {
      onLine(line) {
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        switch (msg.phase) {
          case 'window-start':
            window = arena.window();
            break;
          case 'window-end':
            countsP = window?.end();
            break;
          case 'settled':
            outcome.settled = msg;
            break;
          case 'progress':
            outcome.progress.push(msg);
            break;
          case 'result':
            outcome.result = msg;
            break;
          case 'error':
            outcome.error = String(msg.error);
            break;
        }
      },
    },
  );
  // A shared machine must not be pushed into the OOM killer (it happened: a worker with 1,000
  // electors on an overloaded apiserver grew to 23 GB): kill the worker above the cap.
  const capBytes = capMb * 2 ** 20;
  const t0 = performance.now();
  const watchdog = setInterval(() => {
    const rss = procRss(proc.pid);
    if (rss !== null && rss > capBytes && !proc.hasExited()) {
      outcome.error = `worker killed: RSS ${Math.round(rss / 2 ** 20)} MB exceeded the ${Math.round(capMb)} MB cap ${Math.round((performance.now() - t0) / 1000)} s after start`;
      proc.signal('SIGKILL');
    }
  }, 500);
  let exitStatus: number | string | null = null;
  const exited = await Promise.race([
    proc.exited.then((status) => {
      exitStatus = status;
      return true;
    }),
    sleep(timeoutMs, false),
  ]);
  if (!exited) {
    await proc.kill();
    outcome.error ??= `worker did not finish within ${timeoutMs} ms`;
  }
  clearInterval(watchdog);
  if (countsP) outcome.counts = await countsP;
  if (!outcome.result && !outcome.error) {
    outcome.error = `worker exited (${String(exitStatus)}) without a result: ${proc.stderrTail().slice(-1500)}`;
  }
  return outcome;
}

/** How B4's electors are built: one `createLeaderElector` each, or one `createLeaseElection` group. */
export type ScalePath = 'standalone' | 'group';

export interface ScaleRun {
  readonly scenario: 'B4';
  /** `client-go`: one goelector process with M LeaderElectors (scale-go.ts). */
  readonly path?: ScalePath | 'client-go';
  /** Event-loop delay over the steady window (perf_hooks.monitorEventLoopDelay), ms. */
  readonly eventLoopLagP99Ms?: number;
  readonly eventLoopLagMaxMs?: number;
  /** The same from start until all lead (or the settle timeout). */
  readonly settleLagP99Ms?: number;
  readonly backend: BackendKind;
  readonly profile: Profile['name'];
  readonly contender: 'leasehold' | 'client-go';
  readonly m: number;
  readonly settleMs?: number | null;
  readonly leadingAtSettle?: number;
  readonly rssMb?: number;
  readonly peakRssMb?: number;
  readonly heapUsedMb?: number;
  readonly baselineRssMb?: number;
  readonly baselineHeapMb?: number;
  /** Share of one core over the steady window (1 = one full core). */
  readonly cpuShare?: number;
  readonly requestsPerMinute?: number;
  readonly verbsPerMinute?: Record<string, number>;
  readonly openWatches?: number;
  readonly lostDuringWindow?: number;
  readonly windowMs?: number;
  readonly raw?: Record<string, unknown>;
  /** The worker's progress lines, kept when it failed. */
  readonly progress?: Record<string, unknown>[];
  readonly error?: string;
  readonly load: LoadSample;
}

export async function runScale(o: {
  arena: Arena;
  backend: BackendKind;
  profile: Profile;
  m: number;
  path?: ScalePath;
  windowMs: number;
  settleTimeoutMs: number;
  log: Logger;
}): Promise<ScaleRun> {
  // Created before the clock starts, as a deployment kit's manifests would be.
  await o.arena.createLeases(Array.from({ length: o.m }, (_, i) => `scale-${i}`));
  const load = startLoadSample();
  const p = o.profile;
  const w = await runWorker(
    {
      mode: 'scale',
      kubeconfigPath: o.arena.kubeconfigPath,
      namespace: o.arena.namespace,
      m: o.m,
      path: o.path ?? 'standalone',
      leaseDurationMs: p.leaseDurationMs,
      renewDeadlineMs: p.renewDeadlineMs,
      retryPeriodMs: p.retryPeriodMs,
      settleTimeoutMs: o.settleTimeoutMs,
      windowMs: o.windowMs,
    },
    o.arena,
    o.settleTimeoutMs + o.windowMs + 120_000,
  );
  const base = {
    scenario: 'B4' as const,
    backend: o.backend,
    profile: p.name,
    contender: 'leasehold' as const,
    m: o.m,
    path: o.path ?? 'standalone',
  };
  const r = w.result as
    | {
        baseline: { rssMb: number; heapUsedMb: number };
        settle: { ms: number | null; leadingAtSettle: number; lagP99Ms?: number };
        window: {
          cpuShare: number;
          peakRssMb: number;
          ms: number;
          lostDuringWindow: number;
          lagP99Ms?: number;
          lagMaxMs?: number;
        };
        memoryAfter: { rssMb: number; heapUsedMb: number };
        memoryAfterGc: { rssMb: number; heapUsedMb: number };
      }
    | undefined;
  if (!r) return { ...base, error: w.error ?? 'no result', progress: w.progress, load: load.end() };
  const c = w.counts;
  const perMin = (x: number) => (c ? (round((x * 60_000) / c.windowMs, 1) ?? 0) : 0);
  return {
    ...base,
    settleMs: r.settle.ms,
    leadingAtSettle: r.settle.leadingAtSettle,
    rssMb: r.memoryAfter.rssMb,
    peakRssMb: r.window.peakRssMb,
    heapUsedMb: r.memoryAfterGc.heapUsedMb,
    baselineRssMb: r.baseline.rssMb,
    baselineHeapMb: r.baseline.heapUsedMb,
    cpuShare: r.window.cpuShare,
    ...(r.window.lagP99Ms !== undefined && { eventLoopLagP99Ms: r.window.lagP99Ms }),
    ...(r.window.lagMaxMs !== undefined && { eventLoopLagMaxMs: r.window.lagMaxMs }),
    ...(r.settle.lagP99Ms !== undefined && { settleLagP99Ms: r.settle.lagP99Ms }),
    lostDuringWindow: r.window.lostDuringWindow,
    windowMs: r.window.ms,
    ...(c && {
      requestsPerMinute: perMin(c.total),
      verbsPerMinute: Object.fromEntries(Object.entries(c.verbs).map(([k, v]) => [k, perMin(v)])),
      openWatches: c.openWatches,
    }),
    ...(w.result && { raw: w.result }),
    ...(w.error && { error: w.error }),
    load: load.end(),
  };
}

export interface IdleRun {
  readonly scenario: 'B5';
  readonly backend: BackendKind;
  readonly profile: Profile['name'];
  readonly contender: ContenderId;
  /** In-process: the follower's cost above the process baseline (library loaded, idle). */
  readonly aboveBaseline?: {
    readonly rssMb: number;
    readonly heapUsedMb: number;
    readonly cpuShare: number;
    readonly baselineRssMb: number;
    readonly baselineCpuShare: number;
  };
  /** The follower as a whole process (CLI candidate, goelector, peer driver). */
  readonly process?: { readonly rssMb: number | null; readonly cpuShare: number | null };
  /** Requests per minute of the follower alone (apiserver: by user) or of both (embedded). */
  readonly followerRequestsPerMinute?: number | null;
  readonly allRequestsPerMinute?: number | null;
  readonly windowMs: number;
  readonly error?: string;
  readonly load: LoadSample;
}

/** B5 for one contender: the follower process as a whole, and (Node.js) above the baseline. */
export async function runIdle(o: {
  arena: Arena;
  backend: BackendKind;
  contender: ContenderId;
  profile: Profile;
  windowMs: number;
  goelectorBin: string;
  log: Logger;
}): Promise<IdleRun> {
  const load = startLoadSample();
  const p = o.profile;
  const lease = `b5-${o.contender}`;
  const leaderId = `${o.contender}-idle-leader`;
  // The peer is measured as it was: creating its own Lease.
  if (o.contender !== 'peer') await o.arena.createLeases([lease]);
  const base = {
    scenario: 'B5' as const,
    backend: o.backend,
    profile: p.name,
    contender: o.contender,
    windowMs: o.windowMs,
  };
  const leader = spawnCandidate({
    contender: o.contender,
    target: o.arena,
    kubeconfigPath: o.arena.leaderKubeconfigPath,
    lease,
    identity: leaderId,
    profile: p,
    goelectorBin: o.goelectorBin,
  });
  try {
    await leader.waitFor((e) => e.type === 'leading', 30_000);
    // 1. The follower as a whole process.
    const follower = spawnCandidate({
      contender: o.contender,
      target: o.arena,
      lease,
      identity: `${o.contender}-idle-follower-process`,
      profile: p,
      goelectorBin: o.goelectorBin,
    });
    await follower.waitSettled(leaderId, 30_000);
    await sleep(p.leaseDurationMs + p.retryPeriodMs);
    const win = o.arena.window();
    const cpu0 = follower.cpuMs();
    const t0 = performance.now();
    await sleep(o.windowMs);
    const cpu1 = follower.cpuMs();
    const elapsed = performance.now() - t0;
    const rss = follower.rss();
    const counts = await win.end();
    await follower.proc.kill();
    const perMin = (x: number) => round((x * 60_000) / counts.windowMs, 1);
    const processCost = {
      rssMb: rss === null ? null : round(rss / 2 ** 20, 1),
      cpuShare: cpu0 === null || cpu1 === null ? null : round((cpu1 - cpu0) / elapsed, 4),
    };
    const requests = {
      followerRequestsPerMinute: counts.followers ? perMin(counts.followers.total) : null,
      allRequestsPerMinute: perMin(counts.total),
    };
    if (o.contender === 'client-go') {
      return { ...base, process: processCost, ...requests, load: load.end() };
    }
    // 2. In-process, above the baseline of a process with the library loaded.
    const w = await runWorker(
      {
        mode: o.contender === 'peer' ? 'idle-peer' : 'idle-leasehold',
        kubeconfigPath: o.arena.kubeconfigPath,
        namespace: o.arena.namespace,
        lease,
        leader: leaderId,
        leaseDurationMs: p.leaseDurationMs,
        renewDeadlineMs: p.renewDeadlineMs,
        retryPeriodMs: p.retryPeriodMs,
        settleTimeoutMs: 30_000,
        windowMs: o.windowMs,
      },
      o.arena,
      2 * o.windowMs + p.leaseDurationMs + 90_000,
    );
    const r = w.result as
      | {
          baseline: {
            memoryAfter: { rssMb: number; heapUsedMb: number };
            window: { cpuShare: number };
          };
          follower: {
            memoryAfter: { rssMb: number; heapUsedMb: number };
            window: { cpuShare: number };
          };
        }
      | undefined;
    return {
      ...base,
      process: processCost,
      ...requests,
      ...(r && {
        aboveBaseline: {
          rssMb: round(r.follower.memoryAfter.rssMb - r.baseline.memoryAfter.rssMb, 1) ?? 0,
          heapUsedMb:
            round(r.follower.memoryAfter.heapUsedMb - r.baseline.memoryAfter.heapUsedMb, 2) ?? 0,
          cpuShare: round(r.follower.window.cpuShare - r.baseline.window.cpuShare, 4) ?? 0,
          baselineRssMb: r.baseline.memoryAfter.rssMb,
          baselineCpuShare: r.baseline.window.cpuShare,
        },
      }),
      ...(w.error && { error: w.error }),
      load: load.end(),
    };
  } catch (e) {
    return { ...base, error: e instanceof Error ? e.message : String(e), load: load.end() };
  } finally {
    await leader.proc.kill();
  }
}
