/**
 * B4's client-go contender: one `goelector --leases=M` process, M client-go `LeaderElector`s
 * over one clientset, each the only candidate of its own Lease (`scale-0` … `scale-(M-1)`),
 * with the same profile as the leasehold worker. goelector prints aggregate lines
 * (`baseline`, `progress`, `settled`, `lost`; see test/kube/cmd/goelector/multi.go); memory
 * and CPU are read from /proc from outside, as for every other process here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Arena, BackendKind } from '../backends.js';
import { goDuration, goelectorFormat, type Profile } from '../contenders.js';
import { procCpuMs, procRss, spawnTracked } from '../procs.js';
import { round, startLoadSample } from '../util.js';
import type { ScaleRun } from './scale.js';

interface GoLine {
  type: string;
  at: string;
  leading: number;
  lost: number;
  rssMb: number;
  heapMb: number;
  goroutines: number;
  settleMs?: number;
}

export async function runScaleGo(o: {
  arena: Arena;
  backend: BackendKind;
  profile: Profile;
  m: number;
  windowMs: number;
  settleTimeoutMs: number;
  goelectorBin: string;
}): Promise<ScaleRun> {
  // The same pre-created Leases as leasehold's paths get (scale.ts).
  await o.arena.createLeases(Array.from({ length: o.m }, (_, i) => `scale-${i}`));
  const load = startLoadSample();
  const p = o.profile;
  const base = {
    scenario: 'B4' as const,
    backend: o.backend,
    profile: p.name,
    contender: 'client-go' as const,
    m: o.m,
    path: 'client-go' as const,
  };
  const lines: GoLine[] = [];
  const waiters = new Set<() => void>();
  const proc = spawnTracked(
    `client-go:scale-${o.m}`,
    o.goelectorBin,
    [
      `--kubeconfig=${o.arena.kubeconfigPath}`,
      `--namespace=${o.arena.namespace}`,
      '--name=scale',
      '--identity=scale-go',
      `--leases=${o.m}`,
      `--lease-duration=${goDuration(p.leaseDurationMs)}`,
      `--renew-deadline=${goDuration(p.renewDeadlineMs)}`,
      `--retry-period=${goDuration(p.retryPeriodMs)}`,
      // client-go's default limiter (5 QPS, burst 10) cannot carry M renewals per retry period
      // through one clientset; a process hosting many electors raises it. None here, like
      // leasehold's group, which limits requests in flight rather than their rate.
      '--qps=-1',
      ...goelectorFormat(o.arena),
    ],
    {
      onLine(line) {
        try {
          const l = JSON.parse(line) as GoLine;
          if (typeof l.type !== 'string') return;
          lines.push(l);
          for (const w of waiters) w();
        } catch {
          // not one of ours (klog goes to stderr)
        }
      },
    },
  );
  const waitLine = async (type: string, timeoutMs: number): Promise<GoLine | undefined> => {
    const end = performance.now() + timeoutMs;
    for (;;) {
      const hit = lines.find((l) => l.type === type);
      if (hit || proc.hasExited() || performance.now() >= end) return hit;
      await new Promise<void>((resolve) => {
        const w = () => {
          waiters.delete(w);
          resolve();
        };
        waiters.add(w);
        setTimeout(w, Math.max(1, Math.min(500, end - performance.now()))).unref();
      });
    }
  };
  try {
    const baseline = await waitLine('baseline', 30_000);
    if (!baseline) {
      return {
        ...base,
        error: `goelector printed no baseline: ${proc.stderrTail().slice(-1500)}`,
        load: load.end(),
      };
    }
    const settled = await waitLine('settled', o.settleTimeoutMs);
    const last = lines.at(-1);
    // Let the start-up burst drain before measuring the steady state (as the Node.js worker).
    await sleep(Math.max(3_000, 2 * p.retryPeriodMs));
    if (proc.hasExited()) throw new Error(`goelector exited: ${proc.stderrTail().slice(-1500)}`);
    const win = o.arena.window();
    const lostBefore = lines.filter((l) => l.type === 'lost').length;
    const cpu0 = procCpuMs(proc.pid);
    const t0 = performance.now();
    let peak = procRss(proc.pid) ?? 0;
    while (performance.now() - t0 < o.windowMs) {
      await sleep(Math.min(1000, o.windowMs - (performance.now() - t0)));
      peak = Math.max(peak, procRss(proc.pid) ?? 0);
    }
    const cpu1 = procCpuMs(proc.pid);
    const elapsed = performance.now() - t0;
    const rss = procRss(proc.pid);
    const counts = await win.end();
    const lost = lines.filter((l) => l.type === 'lost').length - lostBefore;
    const leadingAtEnd = lines.at(-1)?.leading;
    // Go heap in use (runtime.MemStats.HeapInuse) at the last progress line.
    const heap = lines.filter((l) => l.type === 'progress').at(-1)?.heapMb;
    const perMin = (x: number) => round((x * 60_000) / counts.windowMs, 1) ?? 0;
    return {
      ...base,
      settleMs: settled?.settleMs ?? null,
      leadingAtSettle: settled ? o.m : (last?.leading ?? 0),
      ...(rss !== null && { rssMb: round(rss / 2 ** 20, 1) ?? 0 }),
      peakRssMb: round(peak / 2 ** 20, 1) ?? 0,
      baselineRssMb: baseline.rssMb,
      ...(heap !== undefined && { heapUsedMb: heap }),
      baselineHeapMb: baseline.heapMb,
      ...(cpu0 !== null && cpu1 !== null && { cpuShare: round((cpu1 - cpu0) / elapsed, 4) ?? 0 }),
      lostDuringWindow: lost,
      windowMs: Math.round(elapsed),
      requestsPerMinute: perMin(counts.total),
      verbsPerMinute: Object.fromEntries(
        Object.entries(counts.verbs).map(([k, v]) => [k, perMin(v)]),
      ),
      openWatches: counts.openWatches,
      raw: { baseline, settled, leadingAtEnd, goroutines: lines.at(-1)?.goroutines },
      load: load.end(),
    };
  } catch (e) {
    return {
      ...base,
      error: e instanceof Error ? e.message : String(e),
      progress: lines.slice(-20) as unknown as Record<string, unknown>[],
      load: load.end(),
    };
  } finally {
    await proc.kill();
  }
}
