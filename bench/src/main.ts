/**
 * `pnpm bench [--quick] [--only=B1,B3] [--backend=apiserver|embedded] [--profile=fast|defaults]
 *   [--contender=leasehold,client-go,peer] [--trials=N] [--out=PATH]`
 *
 * Runs the scenarios (B1–B5, see README.md) for each contender on a real kube-apiserver and on
 * the embedded server, and writes bench/results/<timestamp>-<quick|full>.json. Every child
 * process is killed and every apiserver stopped on the way out, errors and signals included.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kubeBinDir, kubeVersion } from '../../test/kube/src/apiserver.js';
import {
  type Arena,
  type Backend,
  type BackendKind,
  loadStartLeaseServer,
  type MetricsSnapshot,
  startApiserverBackend,
  startEmbeddedBackend,
} from './backends.js';
import {
  CLI_BIN,
  CONTENDER_LABEL,
  CONTENDERS,
  type ContenderId,
  PROFILES,
  type Profile,
  peerTiming,
  REPO_ROOT,
  spawnCandidate,
} from './contenders.js';
import { installProcessSafetyNet, killAll, liveChildren } from './procs.js';
import type { Results } from './results.js';
import { type FailoverRun, runFailover } from './scenarios/failover.js';
import { measureLanes, prepareLane } from './scenarios/load.js';
import { runIdle, runScale, type ScalePath } from './scenarios/scale.js';
import { runScaleGo } from './scenarios/scale-go.js';
import { round, startLoadSample } from './util.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    backend: { type: 'string' },
    profile: { type: 'string' },
    contender: { type: 'string' },
    trials: { type: 'string' },
    out: { type: 'string' },
    m: { type: 'string' },
    /** B4: `standalone` (one createLeaderElector each), `group` (createLeaseElection), or both. */
    path: { type: 'string' },
    /** B4's profile (default: the first B1 profile of the apiserver). */
    'b4-profile': { type: 'string' },
    /** B4's steady window in seconds (e.g. 300 for the kubelet soak as a filtered run). */
    'b4-window-s': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help === true) {
  console.log(`usage: pnpm bench [options]

  --quick                  CI's short pass (minutes) instead of the full run
  --only=B1,B4             scenarios to run (default: B1,B2,B3,B4,B5; see bench/README.md)
  --backend=apiserver,embedded
                           where to run them (default: both)
  --profile=fast,defaults  timing profiles of B1-B3 and B5
  --contender=leasehold,client-go,peer
                           who competes (default: all three)
  --trials=N               B1/B2 trials per profile
  --m=100,1000             B4: Leases per process
  --path=standalone,group,client-go
                           B4: one elector per Lease, the shared group, client-go's goelector
  --b4-profile=NAME        B4's timing profile (default: the first apiserver profile)
  --b4-window-s=S          B4's steady window in seconds (default: 60 full, 10 quick)
  --out=PATH               where to write the results JSON (default: bench/results/)`);
  process.exit(0);
}

const quick = values.quick === true;
const mode = quick ? 'quick' : 'full';
const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()) : undefined);
const only = new Set(list(values.only) ?? ['B1', 'B2', 'B3', 'B4', 'B5']);
const backends = (list(values.backend) ?? ['apiserver', 'embedded']) as BackendKind[];
const profileFilter = list(values.profile);
/** The profiles of B1–B3 (and B5) on a backend; B4 uses the first. */
function profilesFor(kind: BackendKind): Profile[] {
  return PLAN.profiles[kind]
    .filter((n) => profileFilter === undefined || profileFilter.includes(n))
    .map((n) => PROFILES[n as Profile['name']]);
}
const allContenders = (list(values.contender) ?? [...CONTENDERS]) as ContenderId[];
/** The contenders that passed the preflight on the current backend. */
let contenders: ContenderId[] = allContenders;

/** Every count and duration of a mode, in one place. */
const PLAN = quick
  ? {
      b1Trials: 5,
      b2Trials: { defaults: 3, fast: 3, kubelet: 3 },
      lateProbe: true,
      /** Profiles of B1–B3 per backend (B4 runs with the first profile, B5 with these). */
      profiles: { apiserver: ['fast'], embedded: ['fast'] },
      b3Ns: { apiserver: [3, 10, 50], embedded: [] as number[] },
      b3WindowMs: { defaults: 10_000, fast: 10_000, kubelet: 30_000 },
      // CI's quick pass keeps B4 to M = 100 on each path (standalone, group, client-go) so that
      // it stays within minutes; M = 1,000 and 10,000 are the full run's.
      b4Ms: { apiserver: [100], embedded: [100] },
      b4WindowMs: 10_000,
      b4SettleTimeoutMs: 60_000,
      b4Soak: undefined as B4Soak | undefined,
      b5: { apiserver: true, embedded: false },
      b5WindowMs: 10_000,
      baselineMs: 10_000,
    }
  : {
      b1Trials: 30,
      b2Trials: { defaults: 10, fast: 15, kubelet: 5 },
      lateProbe: true,
      profiles: { apiserver: ['defaults', 'fast'], embedded: ['fast'] },
      b3Ns: { apiserver: [3, 10, 50], embedded: [3, 10, 50] },
      b3WindowMs: { defaults: 60_000, fast: 30_000, kubelet: 120_000 },
      // M = 100 on the embedded server only: the targets are at M = 1,000, and the apiserver's
      // minutes go to the soak below.
      b4Ms: { apiserver: [1000], embedded: [100, 1000, 10_000] },
      b4WindowMs: 60_000,
      b4SettleTimeoutMs: 150_000,
      // Issue 13: 1,000 Leases with the kubelet-like profile on the real apiserver, 0 terms lost
      // over 5 minutes, group path and client-go side by side.
      b4Soak: {
        backend: 'apiserver',
        profile: 'kubelet',
        m: 1000,
        windowMs: 300_000,
        paths: ['group', 'client-go'],
      } as B4Soak | undefined,
      b5: { apiserver: true, embedded: false },
      b5WindowMs: 30_000,
      baselineMs: 30_000,
    };
/** A long B4 window at one M (the "0 terms lost over 5 minutes" target). */
interface B4Soak {
  readonly backend: BackendKind;
  readonly profile: Profile['name'];
  readonly m: number;
  readonly windowMs: number;
  readonly paths: readonly (ScalePath | 'client-go')[];
}

/**
 * Paths not run at this M, and why: one watch connection and one connection pool per elector
 * need more file descriptors than the machine allows (20,000 here) at M = 10,000.
 */
const STANDALONE_MAX_M = 1000;

const trialsOverride = values.trials ? Number(values.trials) : undefined;

const t0 = Date.now();
const log = (line: string) => {
  const s = ((Date.now() - t0) / 1000).toFixed(0).padStart(5);
  console.log(`[${s}s] ${line}`);
};

function sh(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

function packageVersion(path: string): string | null {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

function machineInfo(): Record<string, unknown> {
  const c = cpus();
  return {
    platform: `${platform()} ${release()} ${arch()}`,
    cpuModel: c[0]?.model ?? null,
    cores: c.length,
    memoryGb: round(totalmem() / 2 ** 30, 1),
    loadavgAtStart: loadavg().map((x) => round(x, 2)),
    note: 'cores shared with other work on the machine: see each run\'s "load" (load averages and the share of all cores busy while it ran)',
  };
}

function versions(): Record<string, unknown> {
  const nm = join(REPO_ROOT, 'bench', 'node_modules');
  return {
    node: process.version,
    go: sh('go', ['version']),
    kubeApiserver: kubeVersion(),
    goelectorBin: join(kubeBinDir(), 'goelector'),
    clientGo: `k8s.io/client-go ${kubeVersion().replace(/^v1\./, 'v0.')}`,
    leaseholdCli: packageVersion(join(REPO_ROOT, 'packages/cli/package.json')),
    leaseholdElection: packageVersion(join(REPO_ROOT, 'packages/election/package.json')),
    kubernetesClientNode: packageVersion(join(nm, '@kubernetes/client-node/package.json')),
    peer: packageVersion(join(nm, '@codedependant/kubernetes-leader-election/package.json')),
    gitCommit: sh('git', ['-C', REPO_ROOT, 'rev-parse', 'HEAD']),
    gitDirty: (sh('git', ['-C', REPO_ROOT, 'status', '--porcelain']) ?? '') !== '',
  };
}

const stamp = new Date(t0).toISOString().replace(/[:.]/g, '-');
const filtered = Boolean(
  values.only ||
    values.backend ||
    values.profile ||
    values.contender ||
    values.trials ||
    values.m ||
    values.path ||
    values['b4-profile'] ||
    values['b4-window-s'],
);
// A filtered run is a supplement, never taken for "the newest full run" by the report.
const outPath =
  values.out ??
  join(REPO_ROOT, 'bench', 'results', `${stamp}-${mode}${filtered ? '-partial' : ''}.json`);
mkdirSync(join(outPath, '..'), { recursive: true });

const results: Results = {
  schema: 1,
  mode,
  startedAt: new Date(t0).toISOString(),
  command: `node bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
  machine: machineInfo(),
  versions: versions(),
  parameters: {
    plan: PLAN,
    trialsOverride,
    scenarios: [...only],
    backends,
    profiles: { apiserver: profilesFor('apiserver'), embedded: profilesFor('embedded') },
    contenders: allContenders.map((c) => ({ id: c, label: CONTENDER_LABEL[c] })),
    peerTiming: Object.fromEntries(Object.values(PROFILES).map((p) => [p.name, peerTiming(p)])),
    failoverCandidates: 3,
  },
  backends: [],
  b3CrossChecks: [],
  failover: [],
  load: [],
  scale: [],
  idle: [],
  skipped: [],
  errors: [],
};

function save(): void {
  writeFileSync(outPath, `${JSON.stringify(results, null, 1)}\n`);
}

let activeBackend: Backend | undefined;
installProcessSafetyNet(async () => {
  results.errors.push('interrupted by a signal');
  save();
  await activeBackend?.stop().catch(() => {});
});

if (!existsSync(CLI_BIN)) {
  console.error(`bench: ${CLI_BIN} is missing: run 'pnpm build' first (pnpm bench does).`);
  process.exit(1);
}
const goelectorBin = join(kubeBinDir(), 'goelector');

// ---- per-backend scenarios ---------------------------------------------------------------

async function failoverScenarios(backend: Backend, p: Profile): Promise<void> {
  const kind = backend.kind;
  if (only.has('B1')) {
    // Sequential: the headline figure is milliseconds, keep other work off the cores.
    for (const c of contenders) {
      const arena = await backend.arena(`b1-${c}`);
      log(`B1 graceful failover: ${kind}/${p.name}/${c}`);
      const run = await runFailover({
        arena,
        backend: kind,
        contender: c,
        profile: p,
        mode: 'graceful',
        trials: trialsOverride ?? PLAN.b1Trials,
        goelectorBin,
        log,
      });
      results.failover.push(run);
      log(`  → ${summary(run)}`);
      await arena.close();
      save();
    }
  }
  // B2 lanes and the late probes run at once: most of a trial is waiting out a lease duration.
  const lanes: Promise<FailoverRun>[] = [];
  if (only.has('B2')) {
    log(`B2 crash failover: ${kind}/${p.name}/${contenders.join(',')} (parallel lanes)`);
    for (const c of contenders) {
      lanes.push(
        (async () => {
          const arena = await backend.arena(`b2-${c}`);
          const run = await runFailover({
            arena,
            backend: kind,
            contender: c,
            profile: p,
            mode: 'crash',
            trials: trialsOverride ?? PLAN.b2Trials[p.name],
            goelectorBin,
            log,
          });
          await arena.close();
          log(`  → B2 ${c}: ${summary(run)}`);
          return run;
        })(),
      );
    }
  }
  if (PLAN.lateProbe && (only.has('B1') || only.has('B2'))) {
    log(`late probes (act after every retry window): ${kind}/${p.name}`);
    const modes = (['graceful', 'crash'] as const).filter((m) =>
      only.has(m === 'graceful' ? 'B1' : 'B2'),
    );
    for (const c of contenders) {
      for (const m of modes) {
        lanes.push(
          (async () => {
            const arena = await backend.arena(`late-${c}`);
            const run = await runFailover({
              arena,
              backend: kind,
              contender: c,
              profile: p,
              mode: m,
              variant: 'late',
              trials: 1,
              goelectorBin,
              log,
            });
            await arena.close();
            return run;
          })(),
        );
      }
    }
  }
  results.failover.push(...(await Promise.all(lanes)));
  save();
}

function summary(run: FailoverRun): string {
  const s = run.stats;
  return `${s.count}/${run.trials.length} failovers, p50 ${s.p50} ms, p95 ${s.p95} ms, p99 ${s.p99} ms, max ${s.max} ms${run.gaveUp ? ` (${run.gaveUp})` : ''}`;
}

async function loadScenario(backend: Backend, p: Profile): Promise<void> {
  const kind = backend.kind;
  for (const n of PLAN.b3Ns[kind]) {
    // Up to 10 candidates per contender the lanes run at once (the server tells them apart);
    // 50 Node.js processes per contender run one contender at a time (memory).
    const groups: ContenderId[][] =
      n <= 10
        ? [contenders]
        : [contenders.filter((c) => c !== 'peer'), contenders.filter((c) => c === 'peer')].filter(
            (g) => g.length > 0,
          );
    for (const group of groups) {
      log(`B3 API load: ${kind}/${p.name} N=${n} ${group.join(',')}`);
      const arenas: Arena[] = [];
      try {
        const lanes = await Promise.all(
          group.map(async (c) => {
            const arena = await backend.arena(`b3-${n}-${c}`);
            arenas.push(arena);
            return prepareLane({
              arena,
              backend: kind,
              contender: c,
              profile: p,
              n,
              goelectorBin,
              log,
            });
          }),
        );
        const m0: MetricsSnapshot | undefined = await backend.metrics?.();
        let m1: MetricsSnapshot | undefined;
        const runs = await measureLanes(lanes, PLAN.b3WindowMs[p.name], async () => {
          m1 = await backend.metrics?.();
        });
        for (const r of runs) {
          results.load.push(r);
          log(
            `  → ${r.contender} N=${n}: ${r.error ? `error: ${r.error.split('\n')[0]}` : `${r.perMinute?.total} req/min (followers ${r.perMinute?.followers ?? '–'}), ${r.openWatches} watches`}`,
          );
        }
        if (m0 && m1) {
          const minutes = (m1.atMs - m0.atMs) / 60_000;
          const delta: Record<string, number> = {};
          for (const [verb, v] of Object.entries(m1.verbs)) {
            const d = v - (m0.verbs[verb] ?? 0);
            if (d) delta[verb] = round(d / minutes, 1) ?? 0;
          }
          const metricsTotal = Object.values(delta).reduce((a, b) => a + b, 0);
          const baseline = results.apiserverBaseline
            ? Object.values(results.apiserverBaseline.perMinute).reduce((a, b) => a + b, 0)
            : 0;
          const auditTotal = runs.reduce((s, r) => s + (r.perMinute?.total ?? 0), 0);
          results.b3CrossChecks.push({
            backend: kind,
            profile: p.name,
            n,
            contenders: group,
            metricsPerMinute: delta,
            metricsTotalPerMinute: round(metricsTotal, 1),
            minusBaselinePerMinute: round(metricsTotal - baseline, 1),
            auditTotalPerMinute: round(auditTotal, 1),
            openLeaseWatches: m1.openWatches,
            note: 'apiserver_request_total counts a watch when it ends; the audit count when it starts',
          });
        }
      } catch (e) {
        results.errors.push(`B3 ${kind}/${p.name} N=${n}: ${String(e)}`);
      } finally {
        await killAll();
        for (const a of arenas) await a.close();
      }
      save();
    }
  }
}

async function scaleScenario(
  backend: Backend,
  p: Profile,
  plan: {
    ms?: readonly number[];
    windowMs?: number;
    paths?: readonly (ScalePath | 'client-go')[];
  } = {},
): Promise<void> {
  const kind = backend.kind;
  const ms = plan.ms ?? (values.m ? values.m.split(',').map(Number) : PLAN.b4Ms[kind]);
  // client-go (one goelector with M LeaderElectors) beside leasehold's two paths, when it
  // passed the preflight on this backend and was not filtered out.
  const paths = (plan.paths ??
    list(values.path) ?? [
      'standalone',
      'group',
      ...(contenders.includes('client-go') ? ['client-go'] : []),
    ]) as (ScalePath | 'client-go')[];
  for (const m of ms)
    for (const path of paths) {
      if (path === 'client-go' && !contenders.includes('client-go')) continue;
      if (path === 'standalone' && m > STANDALONE_MAX_M && values.path === undefined) {
        const why =
          'one watch connection and one connection pool per elector: 10,000 of them need more ' +
          'file descriptors than the machine allows (the group path is the one for many Leases)';
        results.skipped.push({ what: `B4 M=${m} standalone on the ${kind} server`, why });
        log(`B4 scale: ${kind}/${p.name} M=${m} standalone skipped: ${why}`);
        continue;
      }
      // ≈ 1–3 MB per elector was measured: do not push a shared machine into swapping or the
      // OOM killer.
      // Measured: ≈ 3.5 MB per elector on the apiserver (TLS), ≈ 1 MB on the embedded server.
      const needGb = (m * (kind === 'apiserver' ? 3.5 : 1)) / 1024 + 3;
      if (freemem() / 2 ** 30 < needGb) {
        const why = `needs ≈ ${needGb.toFixed(0)} GB free memory, ${(freemem() / 2 ** 30).toFixed(1)} GB were free`;
        results.skipped.push({ what: `B4 M=${m} on the ${kind} server`, why });
        log(`B4 scale: ${kind}/${p.name} M=${m} skipped: ${why}`);
        continue;
      }
      log(`B4 scale: ${kind}/${p.name} M=${m} ${path}`);
      const arena = await backend.arena(`b4-${p.name}-${m}-${path}`);
      try {
        const common = {
          arena,
          backend: kind,
          profile: p,
          m,
          windowMs:
            plan.windowMs ??
            (values['b4-window-s'] ? Number(values['b4-window-s']) * 1000 : PLAN.b4WindowMs),
          settleTimeoutMs: PLAN.b4SettleTimeoutMs,
        };
        const run =
          path === 'client-go'
            ? await runScaleGo({ ...common, goelectorBin })
            : await runScale({ ...common, path, log });
        results.scale.push(run);
        log(
          `  → ${run.error ? `error: ${run.error.split('\n')[0]}` : `settle ${run.settleMs} ms, RSS ${run.rssMb} MB (baseline ${run.baselineRssMb}), heap ${run.heapUsedMb} MB, CPU ${round((run.cpuShare ?? 0) * 100, 2)} % of a core, ${run.requestsPerMinute} req/min, ${run.openWatches} watches, ${run.lostDuringWindow} lost, loop lag p99 ${run.eventLoopLagP99Ms} ms`}`,
        );
      } finally {
        await arena.close();
        await killAll();
      }
      save();
    }
}

async function idleScenario(backend: Backend, p: Profile): Promise<void> {
  const kind = backend.kind;
  const runs = await Promise.all(
    contenders.map(async (c) => {
      const arena = await backend.arena(`b5-${c}`);
      try {
        return await runIdle({
          arena,
          backend: kind,
          contender: c,
          profile: p,
          windowMs: PLAN.b5WindowMs,
          goelectorBin,
          log,
        });
      } finally {
        await arena.close();
      }
    }),
  );
  for (const r of runs) {
    results.idle.push(r);
    log(
      `  → B5 ${kind}/${p.name}/${r.contender}: ${r.error ? `error: ${r.error.split('\n')[0]}` : `process RSS ${r.process?.rssMb} MB, CPU ${round((r.process?.cpuShare ?? 0) * 100, 3)} %; above baseline ${r.aboveBaseline ? `${r.aboveBaseline.rssMb} MB RSS, ${r.aboveBaseline.heapUsedMb} MB heap, ${round(r.aboveBaseline.cpuShare * 100, 3)} % CPU` : '–'}; follower req/min ${r.followerRequestsPerMinute ?? r.allRequestsPerMinute}`}`,
    );
  }
  save();
}

async function measureBaseline(backend: Backend): Promise<void> {
  if (!backend.metrics) return;
  log(`apiserver idle baseline (${PLAN.baselineMs / 1000} s, no candidates)`);
  const m0 = await backend.metrics();
  await new Promise((r) => setTimeout(r, PLAN.baselineMs));
  const m1 = await backend.metrics();
  const minutes = (m1.atMs - m0.atMs) / 60_000;
  const perMinute: Record<string, number> = {};
  for (const [verb, v] of Object.entries(m1.verbs)) {
    const d = v - (m0.verbs[verb] ?? 0);
    if (d) perMinute[verb] = round(d / minutes, 1) ?? 0;
  }
  results.apiserverBaseline = {
    windowMs: m1.atMs - m0.atMs,
    perMinute,
    openWatches: m1.openWatches,
  };
  log(`  → apiserver's own Lease traffic: ${JSON.stringify(perMinute)} per minute`);
}

/** Starts one candidate of each contender; one that cannot lead is skipped, with its error. */
async function preflight(backend: Backend): Promise<ContenderId[]> {
  const ok: ContenderId[] = [];
  for (const c of allContenders) {
    const arena = await backend.arena(`pre-${c}`);
    const cand = spawnCandidate({
      contender: c,
      target: arena,
      lease: 'preflight',
      identity: `${c}-preflight`,
      profile: PROFILES.fast,
      goelectorBin,
    });
    try {
      await cand.waitFor((e) => e.type === 'leading', 15_000);
      ok.push(c);
    } catch (e) {
      const stderr = cand.proc.stderrTail();
      const firstError =
        stderr.split('\n').find((l) => /^E\d{4}|error/i.test(l)) ??
        (e instanceof Error ? e.message : String(e));
      const why = `did not become leader of an uncontested Lease within 15 s: ${firstError.trim()}`;
      results.skipped.push({ what: `${CONTENDER_LABEL[c]} on the ${backend.kind} server`, why });
      log(`preflight: ${c} on ${backend.kind} skipped: ${why}`);
    } finally {
      await cand.proc.kill();
      await arena.close();
    }
  }
  return ok;
}

async function runBackend(kind: BackendKind): Promise<void> {
  let backend: Backend;
  if (kind === 'apiserver') {
    backend = await startApiserverBackend(log);
  } else {
    const start = await loadStartLeaseServer();
    if (typeof start === 'string') {
      results.skipped.push({ what: 'every scenario on the embedded server', why: start });
      log(`embedded server skipped: ${start}`);
      return;
    }
    backend = await startEmbeddedBackend(start);
  }
  activeBackend = backend;
  const load = startLoadSample();
  results.backends.push({ ...backend.info });
  if (only.has('B3') && PLAN.b3Ns[kind].length === 0) {
    results.skipped.push({ what: `B3 on the ${kind} server`, why: `not in ${mode} mode` });
  }
  if (only.has('B5') && !PLAN.b5[kind]) {
    results.skipped.push({
      what: `B5 on the ${kind} server`,
      why: `not planned in ${mode} mode (an idle follower's cost is measured on the kube-apiserver)`,
    });
  }
  try {
    contenders = await preflight(backend);
    if (kind === 'apiserver') await measureBaseline(backend);
    const profiles = profilesFor(kind);
    for (const p of profiles) {
      await failoverScenarios(backend, p);
      if (only.has('B3')) await loadScenario(backend, p);
    }
    // B4 with the first profile only (full: the defaults, quick: fast): M = 10,000 electors
    // renewing is minutes of work per profile on two shared cores. B5 with every profile.
    const b4Profile = values['b4-profile'];
    const first =
      b4Profile !== undefined
        ? PROFILES[b4Profile as Profile['name']]
        : (profilesFor('apiserver')[0] ?? profiles[0]);
    if (only.has('B4') && first) await scaleScenario(backend, first);
    const soak = PLAN.b4Soak;
    if (only.has('B4') && soak?.backend === kind && !filtered) {
      await scaleScenario(backend, PROFILES[soak.profile], {
        ms: [soak.m],
        windowMs: soak.windowMs,
        paths: soak.paths,
      });
    }
    if (only.has('B5') && PLAN.b5[kind]) for (const p of profiles) await idleScenario(backend, p);
  } catch (e) {
    const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
    results.errors.push(`${kind}: ${msg}`);
    log(`error on ${kind}: ${msg}`);
  } finally {
    await killAll();
    await backend.stop();
    activeBackend = undefined;
    const entry = results.backends.find((b) => b.kind === kind);
    if (entry) entry.load = load.end();
  }
  save();
}

log(`leasehold bench (${mode}): ${[...only].join(' ')} on ${backends.join(', ')}; → ${outPath}`);
try {
  for (const kind of backends) await runBackend(kind);
} finally {
  await killAll();
  results.finishedAt = new Date().toISOString();
  results.durationS = Math.round((Date.now() - t0) / 1000);
  save();
  log(`done in ${results.durationS} s; ${liveChildren()} children left; results: ${outPath}`);
}
// A complete full run regenerates docs/benchmarks.md (a filtered or quick one does not).
if (!quick && !filtered && !values.out) {
  const { reportMain } = await import('./report.js');
  reportMain([outPath]);
}
process.exit(results.errors.length > 0 ? 1 : 0);
