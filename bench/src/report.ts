/**
 * Renders a benchmark result as docs/benchmarks.md plus SVG charts (see ../report.ts).
 * Everything in the Markdown comes from the result file; nothing is typed in by hand.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { type ContenderId, PROFILES, REPO_ROOT } from './contenders.js';
import type { FailoverRun, IdleRun, Results } from './results.js';
import type { ScaleRun } from './scenarios/scale.js';
import { type BarGroup, barChart, fmt } from './svg.js';

const COLORS: Record<ContenderId, string> = {
  leasehold: '#1565c0',
  'client-go': '#2e7d32',
  peer: '#ef6c00',
};
const SHORT: Record<ContenderId, string> = {
  leasehold: 'leasehold',
  'client-go': 'client-go',
  peer: 'peer (@codedependant)',
};

type Stats = FailoverRun['stats'];

function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Math.abs(v) >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (Math.abs(v) >= 1000) return `${(v / 1000).toFixed(2)} s`;
  return `${v >= 100 || v <= -100 ? Math.round(v) : v.toFixed(1)} ms`;
}

function num(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined) return '–';
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

/** "12.3×" = other / leasehold (how many times leasehold's figure the other's is). */
function ratio(other: number | null | undefined, ours: number | null | undefined): string {
  if (other === null || other === undefined || ours === null || ours === undefined) return '–';
  if (ours === 0) return other === 0 ? '1×' : '∞ (leasehold: 0)';
  const r = other / ours;
  return `${r >= 10 ? Math.round(r) : r.toFixed(r >= 1 ? 1 : 2)}×`;
}

function loadText(l: { loadavgStart: number[]; cpuBusy: number | null } | undefined): string {
  if (!l) return '–';
  const busy = l.cpuBusy === null ? '' : `, ${Math.round(l.cpuBusy * 100)} % busy`;
  return `${l.loadavgStart[0] ?? '?'}${busy}`;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

interface Ctx {
  r: Results;
  charts: Record<string, string>;
  backends: string[];
  profiles: string[];
}

function failoverRuns(
  r: Results,
  mode: 'graceful' | 'crash',
  backend: string,
  profile: string,
  variant: 'random' | 'late' = 'random',
): FailoverRun[] {
  return r.failover.filter(
    (f) =>
      f.mode === mode && f.backend === backend && f.profile === profile && f.variant === variant,
  );
}

function find(runs: FailoverRun[], c: ContenderId): FailoverRun | undefined {
  return runs.find((f) => f.contender === c);
}

function failNote(f: FailoverRun): string {
  if (f.failures === 0) return '';
  const why = (f.firstError ?? '').split('\n')[0];
  return `${f.failures} without failover${f.gaveUp ? `, ${f.gaveUp}` : ''}${why ? ` (“${why}”)` : ''}`;
}

function median(xs: (number | null | undefined)[]): number | null {
  const v = xs.filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  return v.length === 0 ? null : (v[Math.floor((v.length - 1) / 2)] ?? null);
}

/** p50 of the steps of a graceful failover, where the contender's lines tell them. */
function breakdown(f: FailoverRun): string {
  const parts: string[] = [];
  const stopped = median(f.trials.map((t) => t.leaderStoppedMs));
  const seen = median(f.trials.map((t) => t.releaseSeenMs));
  const exit = median(f.trials.map((t) => t.leaderExitMs));
  if (stopped !== null) parts.push(`leader stopped ${ms(stopped)}`);
  if (seen !== null) parts.push(`release seen ${ms(seen)}`);
  if (exit !== null) parts.push(`leader exited ${ms(exit)}`);
  return parts.join(', ') || '–';
}

function statRow(label: string, f: FailoverRun, s: Stats, ours: Stats | undefined): string[] {
  return [
    label,
    `${s.count}/${f.trials.length}`,
    ms(s.p50),
    ms(s.p95),
    ms(s.p99),
    ms(s.max),
    f.contender === 'leasehold' ? '1×' : ratio(s.p50, ours?.p50),
    f.contender === 'leasehold' ? '1×' : ratio(s.p99, ours?.p99),
    breakdown(f),
    loadText(f.load),
    failNote(f),
  ];
}

function b1Section(c: Ctx): string {
  const out: string[] = ['## B1 — graceful failover (leader gets SIGTERM and releases)', ''];
  out.push(
    'Time from SIGTERM to the leader until another candidate prints its own “I lead now” line ' +
      '(1 leader + 2 followers per trial, fresh processes and Lease each trial; the action comes ' +
      'U(0.5 s, 0.5 s + 2.2 × retry period) after the followers have seen the leader). ' +
      'Ratios: the contender’s figure divided by leasehold’s (higher = slower than leasehold).',
    '',
  );
  const groups: BarGroup[] = [];
  for (const backend of c.backends) {
    for (const profile of c.profiles) {
      const runs = failoverRuns(c.r, 'graceful', backend, profile);
      if (runs.length === 0) continue;
      const ours = find(runs, 'leasehold')?.stats;
      out.push(`### ${backend}, ${profile} profile (${profileText(profile)})`, '');
      out.push(
        table(
          [
            'contender',
            'failovers',
            'p50',
            'p95',
            'p99',
            'max',
            'p50 ÷ leasehold',
            'p99 ÷ leasehold',
            'steps (p50 after SIGTERM)',
            'load avg (1 min), CPU',
            'notes',
          ],
          runs.map((f) => statRow(SHORT[f.contender], f, f.stats, ours)),
        ),
        '',
      );
      groups.push({
        label: `${backend} · ${profile}`,
        bars: runs.flatMap((f) => [
          {
            label: `${SHORT[f.contender]} p50`,
            value: f.stats.p50,
            color: COLORS[f.contender],
            ...(f.stats.p50 === null && { note: 'no failover' }),
          },
          {
            label: `${SHORT[f.contender]} p99`,
            value: f.stats.p99,
            color: `${COLORS[f.contender]}99`,
          },
        ]),
      });
    }
  }
  if (groups.length > 0) {
    c.charts['b1-graceful.svg'] = barChart({
      title: 'B1 graceful failover: SIGTERM → new leader',
      unit: 'ms',
      groups,
      log: true,
      markers: [{ value: 100, label: 'target 100 ms' }],
    });
    out.push('![B1 graceful failover](benchmarks/b1-graceful.svg)', '');
  }
  out.push(lateSection(c, 'graceful'));
  return out.join('\n');
}

function lateSection(c: Ctx, mode: 'graceful' | 'crash'): string {
  const rows: string[][] = [];
  for (const backend of c.backends) {
    for (const profile of c.profiles) {
      for (const f of failoverRuns(c.r, mode, backend, profile, 'late')) {
        const t = f.trials[0];
        rows.push([
          backend,
          profile,
          SHORT[f.contender],
          ms(t?.followerAgeMs ?? null),
          t?.failoverMs === null || t?.failoverMs === undefined
            ? `**none** (${(t?.error ?? '').split('\n')[0]})`
            : ms(t.failoverMs),
        ]);
      }
    }
  }
  if (rows.length === 0) return '';
  return [
    `#### Late ${mode === 'graceful' ? 'release' : 'crash'}: one trial acting after every retry window`,
    '',
    'The same trial, but the leader is stopped lease duration + 2.2 × retry period + 1 s after ' +
      'the followers started, when any start-up retry loop is over (the steady state of a real deployment).',
    '',
    table(['backend', 'profile', 'contender', 'follower age at the action', 'failover'], rows),
    '',
  ].join('\n');
}

function profileText(name: string): string {
  const p = PROFILES[name as keyof typeof PROFILES];
  return p
    ? `lease ${p.leaseDurationMs / 1000} s, renew deadline ${p.renewDeadlineMs / 1000} s, retry ${p.retryPeriodMs / 1000} s`
    : name;
}

function b2Section(c: Ctx): string {
  const out: string[] = ['## B2 — crash failover (leader gets SIGKILL)', ''];
  out.push(
    'Time from SIGKILL to another candidate’s `leading` line. Because the leader dies at a random ' +
      'point after its last renewal, this is *less* than the lease duration for a timely elector; ' +
      '“after expiry” is measured from the real expiry instead: `leading − (renewTime of the ' +
      'last renewal, read from the Lease right after the kill, + lease duration)`.',
    '',
  );
  const groups: BarGroup[] = [];
  for (const backend of c.backends) {
    for (const profile of c.profiles) {
      const runs = failoverRuns(c.r, 'crash', backend, profile);
      if (runs.length === 0) continue;
      const ours = find(runs, 'leasehold');
      const lease = PROFILES[profile as keyof typeof PROFILES]?.leaseDurationMs ?? 0;
      out.push(`### ${backend}, ${profile} profile (${profileText(profile)})`, '');
      out.push(
        table(
          [
            'contender',
            'failovers',
            'kill → leader p50',
            'p99',
            'max',
            'p99 − lease duration',
            'after expiry p50',
            'after expiry p99',
            'after-expiry p50 ÷ leasehold',
            'load avg, CPU',
            'notes',
          ],
          runs.map((f) => [
            SHORT[f.contender],
            `${f.stats.count}/${f.trials.length}`,
            ms(f.stats.p50),
            ms(f.stats.p99),
            ms(f.stats.max),
            f.stats.p99 === null ? '–' : ms(f.stats.p99 - lease),
            ms(f.afterExpiryStats?.p50),
            ms(f.afterExpiryStats?.p99),
            f.contender === 'leasehold'
              ? '1×'
              : ratio(f.afterExpiryStats?.p50, ours?.afterExpiryStats?.p50),
            loadText(f.load),
            failNote(f),
          ]),
        ),
        '',
      );
      groups.push({
        label: `${backend} · ${profile}`,
        bars: runs.map((f) => ({
          label: `${SHORT[f.contender]} p50`,
          value: f.afterExpiryStats?.p50 ?? null,
          color: COLORS[f.contender],
          ...((f.afterExpiryStats?.p50 ?? null) === null && { note: 'no failover' }),
        })),
      });
    }
  }
  if (groups.length > 0) {
    c.charts['b2-after-expiry.svg'] = barChart({
      title: 'B2 crash failover: takeover after the lease really expired (p50)',
      unit: 'ms after expiry',
      groups,
      log: true,
      markers: [{ value: 250, label: '250 ms' }],
    });
    out.push('![B2 takeover after expiry](benchmarks/b2-after-expiry.svg)', '');
  }
  out.push(lateSection(c, 'crash'));
  return out.join('\n');
}

function b3Section(c: Ctx): string {
  const out: string[] = ['## B3 — API load in steady state', ''];
  out.push(
    'N candidates on one Lease, after every follower has seen the leader and one lease duration ' +
      'of warm-up; requests counted **by the server** over the window. On the kube-apiserver the ' +
      'audit log attributes each request to the arena’s namespace and to the leader (admin user) ' +
      'or the followers (restricted user); on the embedded server `server.stats` counts all.',
    '',
  );
  const groups: BarGroup[] = [];
  for (const backend of c.backends) {
    for (const profile of c.profiles) {
      const runs = c.r.load.filter((l) => l.backend === backend && l.profile === profile);
      if (runs.length === 0) continue;
      out.push(`### ${backend}, ${profile} profile`, '');
      const ns = [...new Set(runs.map((r) => r.n))].sort((a, b) => a - b);
      const rows: string[][] = [];
      for (const n of ns) {
        const atN = runs.filter((r) => r.n === n);
        const ours = atN.find((r) => r.contender === 'leasehold');
        for (const r of atN) {
          rows.push([
            String(n),
            SHORT[r.contender],
            r.error ? `error: ${r.error.split('\n')[0]}` : num(r.perMinute?.total),
            verbText(r.perMinute?.verbs),
            num(r.perMinute?.leader),
            num(r.perMinute?.followers),
            num(r.perMinute?.perFollower, 2),
            num(r.openWatches, 0),
            r.contender === 'leasehold' ? '1×' : ratio(r.perMinute?.total, ours?.perMinute?.total),
            r.stable === undefined ? '–' : r.stable ? 'yes' : 'no',
            num(r.totalRssMb, 0),
          ]);
        }
        groups.push({
          label: `${backend} · ${profile} · N = ${n}`,
          bars: atN.map((r) => ({
            label: SHORT[r.contender],
            value: r.perMinute?.total ?? null,
            color: COLORS[r.contender],
            ...(r.error && { note: 'error' }),
          })),
        });
      }
      out.push(
        table(
          [
            'N',
            'contender',
            'requests/min',
            'by verb',
            'leader',
            'followers',
            'per follower',
            'open watches',
            'total ÷ leasehold',
            'leader stable',
            'RSS of all candidates (MB)',
          ],
          rows,
        ),
        '',
      );
    }
  }
  const checks = c.r.b3CrossChecks;
  if (checks.length > 0) {
    const base = c.r.apiserverBaseline;
    out.push(
      '#### Cross-check against `apiserver_request_total`',
      '',
      `The apiserver’s own Lease traffic, measured with no candidates over ${((base?.windowMs ?? 0) / 1000).toFixed(0)} s: ` +
        `${verbText(base?.perMinute)} per minute. Per window (all lanes of a group together):`,
      '',
      table(
        ['profile', 'N', 'lanes', 'metric Δ/min', 'metric Δ − baseline', 'audit total/min'],
        checks.map((k) => [
          String(k.profile),
          String(k.n),
          (k.contenders as string[]).join(', '),
          verbText(k.metricsPerMinute as Record<string, number>),
          num(k.minusBaselinePerMinute as number),
          num(k.auditTotalPerMinute as number),
        ]),
      ),
      '',
      '`apiserver_request_total` counts a watch when it ends, the audit log when it starts, so ' +
        'watch counts differ between the two; everything else should agree within the ' +
        'baseline’s own noise.',
      '',
    );
  }
  if (groups.length > 0) {
    c.charts['b3-requests.svg'] = barChart({
      title: 'B3 API requests per minute, N candidates on one Lease',
      unit: 'requests/min',
      groups,
      log: true,
    });
    out.push('![B3 requests per minute](benchmarks/b3-requests.svg)', '');
  }
  return out.join('\n');
}

function verbText(v: Record<string, number> | undefined): string {
  if (!v || Object.keys(v).length === 0) return '–';
  return Object.entries(v)
    .sort((a, b) => b[1] - a[1])
    .map(([k, x]) => `${k} ${fmt(x)}`)
    .join(', ');
}

function b4Section(c: Ctx): string {
  const runs = c.r.scale;
  if (runs.length === 0) return '';
  const out: string[] = ['## B4 — one process electing on M Leases', ''];
  out.push(
    'One Node.js process, one `createLeaderElector` per Lease (public API), every elector the only ' +
      'candidate of its Lease. Settle: start → all leading. Steady window after a pause; CPU is ' +
      '`process.cpuUsage()` over the window (100 % = one core); RSS at the end of the window, heap ' +
      'after a full GC; baseline = the same process with the modules loaded and no elector. ' +
      'Path `group`: one `createLeaseElection` for all M. Path `client-go`: one `goelector ' +
      '--leases=M` process (M `LeaderElector`s over one clientset, no client-side QPS limit), ' +
      'RSS and CPU read from /proc, its baseline printed before any elector starts, heap = Go ' +
      '`HeapInuse`. The peer is not run: it opens a namespace-wide watch per elector (M² events).',
    '',
  );
  out.push(
    table(
      [
        'backend',
        'profile',
        'M',
        'path',
        'settle',
        'RSS (MB)',
        'above baseline (MB)',
        'heap (MB)',
        'CPU (% of a core)',
        'requests/min',
        'open watches',
        'terms lost in window',
        'loop lag p99 (ms)',
        'load avg, CPU',
      ],
      runs.map((s) => [
        s.backend,
        s.profile,
        String(s.m),
        s.path ?? 'standalone',
        s.error && s.settleMs === undefined
          ? `error: ${s.error.split('\n')[0]}`
          : s.settleMs === null
            ? `not settled (${s.leadingAtSettle}/${s.m} leading)`
            : ms(s.settleMs),
        num(s.rssMb, 0),
        s.rssMb === undefined || s.baselineRssMb === undefined
          ? '–'
          : num(s.rssMb - s.baselineRssMb, 0),
        num(s.heapUsedMb, 0),
        s.cpuShare === undefined ? '–' : num(s.cpuShare * 100, 1),
        num(s.requestsPerMinute, 0),
        num(s.openWatches, 0),
        num(s.lostDuringWindow, 0),
        num(s.eventLoopLagP99Ms, 0),
        loadText(s.load),
      ]),
    ),
    '',
  );
  const groups: BarGroup[] = [];
  for (const s of runs) {
    groups.push({
      label: `${s.backend} · ${s.profile} · M = ${s.m} · ${s.path ?? 'standalone'}`,
      bars: [
        { label: 'RSS (MB)', value: s.rssMb ?? null, color: COLORS.leasehold },
        {
          label: 'CPU (% of a core)',
          value: s.cpuShare === undefined ? null : Math.max(0.01, s.cpuShare * 100),
          color: '#6a1b9a',
        },
      ],
    });
  }
  c.charts['b4-scale.svg'] = barChart({
    title: 'B4 one process, M Leases: RSS and CPU',
    unit: 'MB / % of a core',
    groups,
    log: true,
    markers: [{ value: 15, label: 'CPU target 15 %' }],
  });
  out.push('![B4 RSS and CPU](benchmarks/b4-scale.svg)', '');
  return out.join('\n');
}

function b5Section(c: Ctx): string {
  const runs = c.r.idle;
  if (runs.length === 0) return '';
  const out: string[] = ['## B5 — idle cost of one follower', ''];
  out.push(
    'A follower of a Lease another process holds, after one lease duration of warm-up. ' +
      '“Process”: the follower as a whole process (`leasehold candidate`, `goelector`, the peer ' +
      'driver) from /proc. “Above baseline” (Node.js contenders): one follower in a process that ' +
      'first measured itself with the same modules loaded and nothing running; RSS and heap after a ' +
      'full GC, CPU over the same window length.',
    '',
  );
  out.push(
    table(
      [
        'backend',
        'profile',
        'contender',
        'process RSS (MB)',
        'process CPU (% of a core)',
        'RSS above baseline (MB)',
        'heap above baseline (MB)',
        'CPU above baseline (%)',
        'follower requests/min',
        'notes',
      ],
      runs.map((i: IdleRun) => [
        i.backend,
        i.profile,
        SHORT[i.contender],
        num(i.process?.rssMb),
        i.process?.cpuShare === null || i.process?.cpuShare === undefined
          ? '–'
          : num(i.process.cpuShare * 100, 2),
        num(i.aboveBaseline?.rssMb),
        num(i.aboveBaseline?.heapUsedMb, 2),
        i.aboveBaseline ? num(i.aboveBaseline.cpuShare * 100, 3) : '–',
        i.followerRequestsPerMinute === null || i.followerRequestsPerMinute === undefined
          ? `${num(i.allRequestsPerMinute)} (leader + follower)`
          : num(i.followerRequestsPerMinute),
        i.error ? (i.error.split('\n')[0] ?? '') : '',
      ]),
    ),
    '',
  );
  return out.join('\n');
}

/** RSS above the run's own baseline, MB; `undefined` when either is missing. */
function rssAbove(s: ScaleRun): number | undefined {
  return s.rssMb === undefined || s.baselineRssMb === undefined
    ? undefined
    : s.rssMb - s.baselineRssMb;
}

/** Issue 13's targets for B4, on the group path (the one meant for many Leases). */
function scaleTargetRows(
  runs: readonly ScaleRun[],
  verdict: (ok: boolean | null) => string,
): string[][] {
  const rows: string[][] = [];
  const settledText = (s: ScaleRun) =>
    s.settleMs === null || s.settleMs === undefined
      ? `not settled (${s.leadingAtSettle ?? 0}/${s.m} leading)${s.error ? `; ${s.error.split('\n')[0]}` : ''}`
      : `settled in ${ms(s.settleMs)}`;
  const group = (backend: string, profile: string, m: number) =>
    runs.find(
      (s) => s.backend === backend && s.profile === profile && s.m === m && s.path === 'group',
    );
  const clientGo = (s: ScaleRun) =>
    runs.find(
      (x) =>
        x.backend === s.backend && x.profile === s.profile && x.m === s.m && x.path === 'client-go',
    );
  const embedded = group('embedded', 'defaults', 1000);
  if (embedded !== undefined) {
    const label = 'B4 (embedded, defaults, group)';
    const above = rssAbove(embedded);
    const settled = embedded.settleMs ?? null;
    rows.push([
      label,
      '1,000 Leases settled ≤ 5 s',
      `${settledText(embedded)}${ratioText(settled, clientGo(embedded)?.settleMs ?? null, ms)}`,
      verdict(embedded.settleMs === undefined ? null : settled !== null && settled <= 5_000),
    ]);
    rows.push([
      label,
      '≤ 50 MB RSS above the client-node baseline (≤ 50 KB per Lease)',
      above === undefined
        ? '–'
        : `${num(above, 0)} MB above a ${num(embedded.baselineRssMb, 0)} MB baseline (${num((above * 1024) / embedded.m, 0)} KB per Lease)`,
      verdict(above === undefined ? null : above <= 50),
    ]);
    const cpu = embedded.cpuShare;
    const goCpu = clientGo(embedded)?.cpuShare;
    rows.push([
      label,
      'CPU ≤ 15 % of one core',
      cpu === undefined
        ? '–'
        : `${num(cpu * 100, 1)} % (${num(embedded.requestsPerMinute, 0)} requests/min)${ratioText(cpu, goCpu ?? null, (x) => `${num(x * 100, 1)} %`)}`,
      verdict(cpu === undefined ? null : cpu <= 0.15),
    ]);
    const go = clientGo(embedded);
    const goAbove = go === undefined ? undefined : rssAbove(go);
    rows.push([
      label,
      'memory per Lease ≤ client-go’s per LeaderElector (same run)',
      above === undefined || goAbove === undefined
        ? 'no client-go run to compare with'
        : `RSS above baseline per Lease: ${num((above * 1024) / embedded.m, 0)} KB vs client-go ${num((goAbove * 1024) / embedded.m, 0)} KB (${num(above / goAbove, 1)}×)`,
      verdict(above === undefined || goAbove === undefined ? null : above <= goAbove),
    ]);
  }
  const tenK = group('embedded', 'defaults', 10_000);
  if (tenK !== undefined) {
    const emfile = `${tenK.error ?? ''} ${JSON.stringify(tenK.progress ?? [])}`.includes('EMFILE');
    rows.push([
      'B4 (embedded, defaults, group)',
      '10,000 Leases run without EMFILE',
      `${emfile ? 'EMFILE' : 'no EMFILE'}; ${settledText(tenK)}; ${num(tenK.openWatches, 0)} watch(es); ${num(rssAbove(tenK), 0)} MB above baseline`,
      verdict(!emfile && tenK.rssMb !== undefined),
    ]);
  }
  const kubelet = group('apiserver', 'kubelet', 1000);
  if (kubelet !== undefined) {
    const minutes = (kubelet.windowMs ?? 0) / 60_000;
    const lost = kubelet.lostDuringWindow;
    rows.push([
      'B4 (apiserver, kubelet, group)',
      '1,000 Leases settled, 0 terms lost over 5 minutes',
      `${settledText(kubelet)}; ${lost ?? '–'} terms lost in ${num(minutes, 1)} min`,
      verdict(
        kubelet.settleMs === undefined
          ? null
          : kubelet.settleMs !== null && lost === 0 && minutes >= 5,
      ),
    ]);
  }
  const overload = group('apiserver', 'defaults', 1000);
  if (overload !== undefined) {
    const above = rssAbove(overload);
    const lag = overload.eventLoopLagP99Ms;
    rows.push([
      'B4 (apiserver, defaults, group)',
      'overload: RSS ≤ 200 MB above baseline, loop lag p99 ≤ 100 ms, no crash, lost terms counted',
      `${above === undefined ? '–' : `${num(above, 0)} MB above baseline`}; loop lag p99 ${ms(lag)}; ${overload.error ? `error: ${overload.error.split('\n')[0]}` : 'no crash'}; ${settledText(overload)}; ${overload.lostDuringWindow ?? '–'} terms lost in the window (counted)`,
      verdict(
        above === undefined || lag === undefined
          ? null
          : above <= 200 && lag <= 100 && overload.error === undefined,
      ),
    ]);
  }
  return rows;
}

/** ` (2.3× client-go's 0.9 s)` when both values are known; `show` formats theirs. */
function ratioText(
  ours: number | null,
  theirs: number | null,
  show: (value: number) => string,
): string {
  return ours === null || theirs === null || theirs === 0
    ? ''
    : ` (${num(ours / theirs, 1)}× client-go’s ${show(theirs)})`;
}

/** The brief's targets with the measured value beside each. */
function targetsSection(c: Ctx): string {
  const r = c.r;
  const rows: string[][] = [];
  const verdict = (ok: boolean | null) =>
    ok === null ? 'not measured' : ok ? '**met**' : '**missed**';
  for (const profile of c.profiles) {
    const b1 = failoverRuns(r, 'graceful', 'apiserver', profile);
    const lh = find(b1, 'leasehold');
    const cg = find(b1, 'client-go');
    const p99 = lh?.stats.p99 ?? null;
    rows.push([
      `B1 (${profile})`,
      'leasehold p99 ≤ 100 ms on loopback',
      `${ms(p99)} (p50 ${ms(lh?.stats.p50)}, ${lh?.stats.count ?? 0} trials)`,
      verdict(p99 === null ? null : p99 <= 100),
    ]);
    const rr = cg?.stats.p50 && lh?.stats.p50 ? cg.stats.p50 / lh.stats.p50 : null;
    rows.push([
      `B1 (${profile})`,
      '≥ 20× faster than client-go’s p50',
      `client-go p50 ${ms(cg?.stats.p50)} ÷ leasehold p50 ${ms(lh?.stats.p50)} = ${rr === null ? '–' : `${rr.toFixed(1)}×`}`,
      verdict(rr === null ? null : rr >= 20),
    ]);
    const b2 = find(failoverRuns(r, 'crash', 'apiserver', profile), 'leasehold');
    const lease = PROFILES[profile as keyof typeof PROFILES]?.leaseDurationMs ?? 0;
    const b2p99 = b2?.stats.p99 ?? null;
    rows.push([
      `B2 (${profile})`,
      `p99 ≤ lease duration + 250 ms (${ms(lease + 250)})`,
      `kill → leader p99 ${ms(b2p99)}; after the real expiry p99 ${ms(b2?.afterExpiryStats?.p99)}`,
      verdict(b2p99 === null ? null : b2p99 <= lease + 250),
    ]);
    const b3 = r.load.filter((l) => l.backend === 'apiserver' && l.profile === profile);
    const lhLoad = b3.filter((l) => l.contender === 'leasehold');
    if (lhLoad.length > 0) {
      const nonWatch = lhLoad.map((l) => {
        const v = l.perMinute?.followersByVerb ?? {};
        return Object.entries(v)
          .filter(([k]) => k !== 'watch')
          .reduce((s, [, x]) => s + x, 0);
      });
      const maxNonWatch = Math.max(...nonWatch);
      rows.push([
        `B3 (${profile})`,
        'followers: 0 requests/min beyond watch renewals',
        lhLoad
          .map(
            (l) =>
              `N=${l.n}: ${verbText(l.perMinute?.followersByVerb) === '–' ? '0' : verbText(l.perMinute?.followersByVerb)}`,
          )
          .join('; '),
        verdict(maxNonWatch === 0),
      ]);
      const l50 = lhLoad.find((l) => l.n === 50);
      const c50 = b3.find((l) => l.contender === 'client-go' && l.n === 50);
      const q =
        l50?.perMinute?.total && c50?.perMinute?.total
          ? c50.perMinute.total / l50.perMinute.total
          : null;
      rows.push([
        `B3 (${profile})`,
        'total ≥ 10× fewer than client-go at N = 50',
        `client-go ${num(c50?.perMinute?.total)} ÷ leasehold ${num(l50?.perMinute?.total)} req/min = ${q === null ? '–' : `${q.toFixed(1)}×`}`,
        verdict(q === null ? null : q >= 10),
      ]);
    }
  }
  rows.push(...scaleTargetRows(r.scale, verdict));
  return [
    '## Targets',
    '',
    'Measured on the real kube-apiserver unless the row says otherwise. Why a target is missed ' +
      'and what would close it: see “Analysis” below.',
    '',
    table(['scenario', 'target', 'measured', 'verdict'], rows),
    '',
  ].join('\n');
}

export function renderReport(
  r: Results,
  source: string,
  analysis = '',
): { markdown: string; charts: Record<string, string> } {
  const profiles = [
    ...new Set(r.failover.map((f) => f.profile).concat(r.load.map((l) => l.profile))),
  ];
  const order = ['defaults', 'fast'];
  profiles.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const backends = ['apiserver', 'embedded'].filter((b) =>
    [...r.failover, ...r.load, ...r.scale, ...r.idle].some((x) => x.backend === b),
  );
  const c: Ctx = { r, charts: {}, backends, profiles };
  const m = r.machine as {
    platform?: string;
    cpuModel?: string;
    cores?: number;
    memoryGb?: number;
    loadavgAtStart?: number[];
  };
  const v = r.versions as Record<string, unknown>;
  const head = [
    '# Benchmarks',
    '',
    `<!-- Generated by \`node bench/report.ts\` from ${source}. Do not edit: re-run the script. -->`,
    '',
    'leasehold against client-go’s `leaderelection` (test/kube’s `goelector`) and the npm package ' +
      '`@codedependant/kubernetes-leader-election`, each run as real processes on one machine, ' +
      'against a real kube-apiserver and against leasehold’s embedded Lease server. Every time is ' +
      'taken from the contenders’ own JSON lines on the machine-wide CLOCK_MONOTONIC.',
    '',
    `- **Run**: ${r.mode} mode, started ${r.startedAt}, ${r.durationS === undefined ? '?' : `${Math.round(r.durationS / 60)} min`} (\`${r.command}\`).`,
    `- **Machine**: ${m.cpuModel ?? '?'}, ${m.cores ?? '?'} cores, ${m.memoryGb ?? '?'} GB, ${m.platform ?? '?'}; load average at start ${(m.loadavgAtStart ?? []).join(' / ')}. ` +
      'The cores were **shared** with other work during the run: every table gives the 1-minute load ' +
      'average at the start of the measurement and the share of all cores busy while it ran.',
    `- **Versions**: Node ${String(v.node)}, ${String(v.go ?? 'go ?')}, kube-apiserver ${String(v.kubeApiserver)} (client-go ${String(v.clientGo)}), leasehold ${String(v.leaseholdElection)}, @kubernetes/client-node ${String(v.kubernetesClientNode)}, peer ${String(v.peer)}; commit ${String(v.gitCommit ?? '?').slice(0, 12)}${v.gitDirty ? ' (with uncommitted changes)' : ''}.`,
    `- **Profiles**: ${profiles.map((p) => `${p} = ${profileText(p)}`).join('; ')}. The peer has no renew deadline or retry period: it gets the lease duration and, as its renewal interval, the retry period.`,
    `- **Raw data**: ${source
      .split(' + ')
      .map((f) => `[\`${f}\`](../${f})`)
      .join(
        ' and ',
      )} (every trial, window count and load sample; the second, if any, is a supplementary run of the rows it adds).`,
    '',
  ].join('\n');
  const skipped =
    r.skipped.length + r.errors.length === 0
      ? ''
      : [
          '## Skipped and errors',
          '',
          ...r.skipped.map((s) => `- **${s.what}** skipped: ${s.why}`),
          ...r.errors.map((e) => `- error: ${e.split('\n')[0]}`),
          '',
        ].join('\n');
  const markdown = [
    head,
    targetsSection(c),
    analysis,
    b1Section(c),
    b2Section(c),
    b3Section(c),
    b4Section(c),
    b5Section(c),
    skipped,
    '## Reproduce',
    '',
    '```sh',
    'test/kube/build.sh          # kube-apiserver, etcd, goelector (cached)',
    'pnpm install',
    'pnpm bench --quick          # fast profile, few trials (CI); results/*-quick.json are not kept',
    'pnpm bench                  # full run; then:',
    'node bench/report.ts        # this page from the newest bench/results/*-full.json; this one was made with:',
    `node bench/report.ts ${source
      .split(' + ')
      .map((f, i) => (i === 0 ? f : `--with ${f}`))
      .join(' ')}`,
    '```',
    '',
  ]
    .filter((s) => s !== '')
    .join('\n');
  return { markdown: `${markdown.replace(/\n{3,}/g, '\n\n').trimEnd()}\n`, charts: c.charts };
}

function newestFull(): string {
  const dir = join(REPO_ROOT, 'bench', 'results');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('-full.json'))
    .sort();
  const last = files.at(-1);
  if (!last) throw new Error(`no *-full.json in ${dir}: run 'pnpm bench' first`);
  return join(dir, last);
}

export function reportMain(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'out-dir': { type: 'string' }, with: { type: 'string', multiple: true } },
    allowPositionals: true,
  });
  const input = positionals[0] ?? newestFull();
  const outDir = values['out-dir'] ?? join(REPO_ROOT, 'docs');
  const results = JSON.parse(readFileSync(input, 'utf8')) as Results;
  // Supplements (filtered runs, e.g. `--only=B4 --m=10000`): their runs are added, and the
  // main run's "skipped" notes about what they measured are dropped.
  const supplements: string[] = [];
  for (const extra of values.with ?? []) {
    const sup = JSON.parse(readFileSync(extra, 'utf8')) as Results;
    supplements.push(relative(REPO_ROOT, extra));
    results.failover.push(...sup.failover);
    results.load.push(...sup.load);
    results.idle.push(...sup.idle);
    results.scale.push(...sup.scale);
    results.skipped = results.skipped.filter(
      (k) => !sup.scale.some((x) => k.what === `B4 M=${x.m} on the ${x.backend} server`),
    );
    for (const k of sup.skipped) {
      if (!results.skipped.some((x) => x.what === k.what)) results.skipped.push(k);
    }
    results.errors.push(...sup.errors);
  }
  const analysisPath = join(REPO_ROOT, 'bench', 'analysis.md');
  let analysis = '';
  try {
    analysis = readFileSync(analysisPath, 'utf8');
  } catch {
    analysis = '';
  }
  const source = [relative(REPO_ROOT, input), ...supplements].join(' + ');
  const { markdown, charts } = renderReport(results, source, analysis);
  mkdirSync(join(outDir, 'benchmarks'), { recursive: true });
  for (const [name, svg] of Object.entries(charts))
    writeFileSync(join(outDir, 'benchmarks', name), svg);
  writeFileSync(join(outDir, 'benchmarks.md'), markdown);
  console.log(
    `report: ${relative(REPO_ROOT, join(outDir, 'benchmarks.md'))} and ${Object.keys(charts).length} charts from ${source}`,
  );
}
