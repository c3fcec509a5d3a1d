/** Small helpers shared by the scenarios. */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** Milliseconds between two CLOCK_MONOTONIC ns readings. */
export function msBetween(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}

export function monoNow(): bigint {
  return process.hrtime.bigint();
}

/** A wall-clock time (ms since the epoch) on the CLOCK_MONOTONIC ns scale. */
export function wallToMono(wallMs: number): bigint {
  const mono = process.hrtime.bigint();
  const wall = performance.timeOrigin + performance.now();
  return mono - BigInt(Math.round((wall - wallMs) * 1e6));
}

export function uniform(lo: number, hi: number): number {
  return lo + Math.random() * (hi - lo);
}

export function round(x: number | null | undefined, digits = 1): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Aggregate CPU time of the machine from /proc/stat (jiffies). */
function readCpuTimes(): { busy: number; total: number } | null {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = first.trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Machine load while a piece of the benchmark ran: load averages and CPU busy share. */
export interface LoadSample {
  readonly loadavgStart: number[];
  readonly loadavgEnd: number[];
  /** Share of all cores busy (0–1) over the span, everything on the machine included. */
  readonly cpuBusy: number | null;
  readonly durationMs: number;
}

export function startLoadSample(): { end(): LoadSample } {
  const la = loadavg().map((x) => round(x, 2) ?? 0);
  const cpu = readCpuTimes();
  const t0 = performance.now();
  return {
    end() {
      const cpu1 = readCpuTimes();
      const busy =
        cpu && cpu1 && cpu1.total > cpu.total
          ? (cpu1.busy - cpu.busy) / (cpu1.total - cpu.total)
          : null;
      return {
        loadavgStart: la,
        loadavgEnd: loadavg().map((x) => round(x, 2) ?? 0),
        cpuBusy: round(busy, 3),
        durationMs: Math.round(performance.now() - t0),
      };
    },
  };
}

export type Logger = (line: string) => void;
