/**
 * Starts a real etcd and kube-apiserver (built by test/kube/build.sh) on loopback, for tests.
 *
 * - random free loopback ports, etcd data on tmpfs (/dev/shm) with --unsafe-no-fsync;
 * - token authentication: an admin in `system:masters` and a restricted user that owns
 *   nothing until createTestNamespace binds it to the minimal elector Role;
 * - `--authorization-mode=RBAC`, so the restricted user really is least privilege;
 * - kubeconfigs trust the self-signed `apiserver.crt` the apiserver writes into --cert-dir;
 * - both processes run in their own process group and are killed by PID on stop(), and by a
 *   `process.on('exit')` / signal safety net if stop() is never reached.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import { type RawTarget, rawRequest } from './http.js';
import { ELECTOR_ROLE_NAME, electorRules } from './rbac.js';

export interface StartKubeApiserverOptions {
  /** Directory holding kube-apiserver and etcd. Default: $LEASEHOLD_KUBE_BIN, else build.sh's. */
  binDir?: string;
  /** Parent of the per-instance directory. Default: /dev/shm if present, else os.tmpdir(). */
  baseDir?: string;
  /** Budget for /readyz and `GET /api/v1/namespaces/default`. Default 120 s. */
  readyTimeoutMs?: number;
  /** Extra kube-apiserver flags, appended last (so they win). */
  apiserverArgs?: readonly string[];
  /** Extra etcd flags, appended last. */
  etcdArgs?: readonly string[];
  /** Keep the instance directory (logs, data) after stop(). Default: $LEASEHOLD_KUBE_KEEP=1. */
  keepDir?: boolean;
  /** Where progress lines go. Default: console.log. */
  log?: (line: string) => void;
}

/** Everything about a running instance that can cross a process boundary (Vitest `provide`). */
export interface KubeApiserverInfo {
  /** kube-apiserver version (the k8s.io/kubernetes version of test/kube/go.mod). */
  version: string;
  binDir: string;
  /** Instance directory: etcd data, certs, keys, token file, kubeconfigs, logs. */
  dir: string;
  url: string;
  etcdUrl: string;
  /** The self-signed serving certificate the apiserver wrote into --cert-dir. */
  caPath: string;
  adminKubeconfigPath: string;
  restrictedKubeconfigPath: string;
  adminUser: string;
  adminToken: string;
  restrictedUser: string;
  restrictedToken: string;
  pids: { etcd: number; apiserver: number };
  /** Measured start-up, in milliseconds. */
  startup: { etcdMs: number; apiserverMs: number; totalMs: number };
}

export interface NamespaceOptions {
  /** false: return one shared namespace (created on first use). Default true: a new one. */
  fresh?: boolean;
  /** Prefix of the generated name. Default 'lh'. */
  prefix?: string;
  /** Restrict get/update/watch to this Lease name (see electorRules). */
  leaseName?: string;
  /** Rules of the Role bound to the restricted user. Default electorRules(leaseName). */
  rules?: V1PolicyRule[];
}

export interface KubeApiserverHandle {
  info: KubeApiserverInfo;
  url: string;
  adminKubeconfigPath: string;
  restrictedKubeconfigPath: string;
  restrictedUser: string;
  adminKubeConfig: KubeConfig;
  restrictedKubeConfig: KubeConfig;
  /** Raw-request targets (see rawRequest) for the admin and the restricted user. */
  admin: RawTarget;
  restricted: RawTarget;
  /** A namespace in which the restricted user is bound to the elector Role (only there). */
  namespace(options?: NamespaceOptions | boolean): Promise<string>;
}

export interface KubeApiserver extends KubeApiserverHandle {
  /** Kills both processes (by process group) and removes the instance directory. */
  stop(): Promise<void>;
}

/**
 * kube-apiserver flags enabling coordinated leader election (KEP-4355): the
 * `CoordinatedLeaderElection` feature gate (beta, off by default in 1.34) and the
 * `coordination.k8s.io/v1beta1` API (LeaseCandidate), which beta APIs being off by default
 * needs explicitly. With the gate the apiserver runs the coordinator itself (no
 * controller-manager needed). Without it, `spec.strategy` and `spec.preferredHolder` are
 * silently dropped from every create, and from every update of a Lease that did not have them.
 */
export const COORDINATED_LEADER_ELECTION_ARGS: readonly string[] = [
  '--feature-gates=CoordinatedLeaderElection=true',
  '--runtime-config=coordination.k8s.io/v1beta1=true',
];

const ADMIN_USER = 'leasehold-admin';
const RESTRICTED_USER = 'leasehold-elector';

/** The k8s.io/kubernetes version required by test/kube/go.mod, e.g. `v1.34.4`. */
export function kubeVersion(): string {
  const goMod = readFileSync(fileURLToPath(new URL('../go.mod', import.meta.url)), 'utf8');
  const m = /^\s*k8s\.io\/kubernetes\s+(v\S+)/m.exec(goMod);
  if (!m?.[1]) throw new Error('test/kube/go.mod does not require k8s.io/kubernetes');
  return m[1];
}

/** Where build.sh puts the binaries for the version in go.mod. */
export function kubeBinDir(version = kubeVersion()): string {
  const fromEnv = process.env.LEASEHOLD_KUBE_BIN;
  if (fromEnv) return fromEnv;
  const cache = process.env.LEASEHOLD_KUBE_CACHE ?? join(homedir(), '.cache/leasehold/kube');
  return join(cache, version, 'bin');
}

// ---- safety net: kill every instance still running when this process goes away ----------

interface Live {
  pids: number[];
  dir: string;
  keep: boolean;
}
const live = new Set<Live>();
let netInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

function killAllSync(): void {
  for (const l of live) {
    for (const pid of l.pids) killGroup(pid, 'SIGKILL');
    if (!l.keep) rmSync(l.dir, { recursive: true, force: true });
  }
  live.clear();
}

function installSafetyNet(): void {
  if (netInstalled) return;
  netInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllSync();
      // If nobody else handles the signal, restore the default behaviour (exit by signal).
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

// ---- helpers ---------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('no port'));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

interface Proc {
  child: ChildProcess;
  pid: number;
  logPath: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited: () => boolean;
}

function startProcess(bin: string, args: string[], logPath: string): Proc {
  const fd = openSync(logPath, 'a');
  let done = false;
  let child: ChildProcess;
  try {
    // detached: own session and process group, so that kill(-pid) reaches everything.
    child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once('error', () => {
      done = true;
      resolve({ code: null, signal: null });
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${bin}`);
  return { child, pid: child.pid, logPath, exited, hasExited: () => done };
}

async function stopProcess(p: Proc, graceMs: number): Promise<void> {
  if (p.hasExited()) return;
  killGroup(p.pid, 'SIGTERM');
  const t = sleep(graceMs).then(() => 'timeout' as const);
  if ((await Promise.race([p.exited, t])) === 'timeout') {
    killGroup(p.pid, 'SIGKILL');
    await p.exited;
  } else {
    // The leader has exited; make sure nothing else in its group survives.
    killGroup(p.pid, 'SIGKILL');
  }
}

async function waitFor<T>(
  what: string,
  deadline: number,
  proc: Proc | undefined,
  probe: () => Promise<T | undefined>,
  intervalMs = 200,
): Promise<T> {
  let last: unknown;
  for (;;) {
    if (proc?.hasExited()) {
      throw new Error(`${what}: process exited early. Log tail:\n${tail(proc.logPath)}`);
    }
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (performance.now() > deadline) {
      const detail = last instanceof Error ? last.message : String(last ?? '');
      const logTail = proc ? `\nLog tail:\n${tail(proc.logPath)}` : '';
      throw new Error(`${what}: not ready in time ${detail}${logTail}`);
    }
    await sleep(intervalMs);
  }
}

function kubeconfigYaml(url: string, caPath: string, user: string, token: string): string {
  const q = JSON.stringify; // JSON strings are valid YAML double-quoted scalars
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: leasehold-kube',
    '  cluster:',
    `    server: ${q(url)}`,
    `    certificate-authority: ${q(caPath)}`,
    'users:',
    `- name: ${q(user)}`,
    '  user:',
    `    token: ${q(token)}`,
    'contexts:',
    `- name: ${q(user)}`,
    '  context:',
    '    cluster: leasehold-kube',
    `    user: ${q(user)}`,
    `current-context: ${q(user)}`,
    '',
  ].join('\n');
}

function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

// ---- start -----------------------------------------------------------------------------

/** Starts etcd and kube-apiserver; see the module comment. */
export async function startKubeApiserver(
  options: StartKubeApiserverOptions = {},
): Promise<KubeApiserver> {
  const attempts = 3;
  for (let i = 1; ; i++) {
    try {
      return await startOnce(options);
    } catch (e) {
      // A random free port can be taken between probing and binding: retry on that only.
      if (i < attempts && e instanceof Error && /address already in use/i.test(e.message)) {
        (options.log ?? console.log)(`[kube] port clash, retrying (${e.message.split('\n')[0]})`);
        continue;
      }
      throw e;
    }
  }
}

async function startOnce(options: StartKubeApiserverOptions): Promise<KubeApiserver> {
  const log = options.log ?? ((line: string) => console.log(line));
  const version = kubeVersion();
  const binDir = options.binDir ?? kubeBinDir(version);
  const etcdBin = join(binDir, 'etcd');
  const apiserverBin = join(binDir, 'kube-apiserver');
  for (const b of [etcdBin, apiserverBin]) {
    if (!existsSync(b)) {
      throw new Error(`${b} not found: run test/kube/build.sh first (or set LEASEHOLD_KUBE_BIN)`);
    }
  }
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const keep = options.keepDir ?? process.env.LEASEHOLD_KUBE_KEEP === '1';
  const baseDir = options.baseDir ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  const dir = mkdtempSync(join(baseDir, 'leasehold-kube-'));
  const entry: Live = { pids: [], dir, keep };
  installSafetyNet();
  live.add(entry);

  const procs: Proc[] = [];
  const t0 = performance.now();
  const deadline = t0 + readyTimeoutMs;
  try {
    const [etcdPort, peerPort, apiPort] = (await distinctFreePorts(3)) as [number, number, number];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;

    // etcd
    const etcd = startProcess(
      etcdBin,
      [
        '--name=default',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync',
        // A single member elects itself after one election timeout (1 s by default, up to
        // 2 s randomized); there are no peers to send heartbeats to, so shorten both.
        '--heartbeat-interval=20',
        '--election-timeout=200',
        '--log-level=error',
        ...(options.etcdArgs ?? []),
      ],
      join(dir, 'etcd.log'),
    );
    procs.push(etcd);
    entry.pids.push(etcd.pid);

    // keys, tokens, while etcd starts
    const certDir = join(dir, 'certs');
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    writeFileSync(join(dir, 'sa.pub'), publicKey, { mode: 0o600 });
    writeFileSync(join(dir, 'sa.key'), privateKey, { mode: 0o600 });
    const adminToken = randomBytes(24).toString('hex');
    const restrictedToken = randomBytes(24).toString('hex');
    writeFileSync(
      join(dir, 'tokens.csv'),
      `${adminToken},${ADMIN_USER},${ADMIN_USER}-uid,"system:masters"\n` +
        `${restrictedToken},${RESTRICTED_USER},${RESTRICTED_USER}-uid\n`,
      { mode: 0o600 },
    );

    await waitFor('etcd', deadline, etcd, async () => {
      const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { health?: string };
      return body.health === 'true' ? true : undefined;
    });
    const tEtcd = performance.now();

    // kube-apiserver
    const url = `https://127.0.0.1:${apiPort}`;
    const apiserver = startProcess(
      apiserverBin,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${certDir}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        `--service-account-issuer=${url}`,
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        ...(options.apiserverArgs ?? []),
      ],
      join(dir, 'kube-apiserver.log'),
    );
    procs.push(apiserver);
    entry.pids.push(apiserver.pid);

    const caPath = join(certDir, 'apiserver.crt');
    const ca = await waitFor('apiserver.crt', deadline, apiserver, async () =>
      existsSync(caPath) ? readFileSync(caPath) : undefined,
    );
    const admin: RawTarget = { url, ca, token: adminToken };
    await waitFor('kube-apiserver /readyz', deadline, apiserver, async () => {
      const r = await rawRequest(admin, 'GET', '/readyz', undefined, 5000);
      return r.status === 200 ? true : undefined;
    });
    await waitFor('GET /api/v1/namespaces/default', deadline, apiserver, async () => {
      const r = await rawRequest(admin, 'GET', '/api/v1/namespaces/default', undefined, 5000);
      return r.status === 200 ? true : undefined;
    });
    const tReady = performance.now();

    const adminKubeconfigPath = join(dir, 'admin.kubeconfig');
    const restrictedKubeconfigPath = join(dir, 'restricted.kubeconfig');
    writeFileSync(adminKubeconfigPath, kubeconfigYaml(url, caPath, ADMIN_USER, adminToken), {
      mode: 0o600,
    });
    writeFileSync(
      restrictedKubeconfigPath,
      kubeconfigYaml(url, caPath, RESTRICTED_USER, restrictedToken),
      { mode: 0o600 },
    );

    const info: KubeApiserverInfo = {
      version,
      binDir,
      dir,
      url,
      etcdUrl,
      caPath,
      adminKubeconfigPath,
      restrictedKubeconfigPath,
      adminUser: ADMIN_USER,
      adminToken,
      restrictedUser: RESTRICTED_USER,
      restrictedToken,
      pids: { etcd: etcd.pid, apiserver: apiserver.pid },
      startup: {
        etcdMs: Math.round(tEtcd - t0),
        apiserverMs: Math.round(tReady - tEtcd),
        totalMs: Math.round(tReady - t0),
      },
    };
    log(
      `[kube] kube-apiserver ${version} ready at ${url} in ${info.startup.totalMs} ms ` +
        `(etcd ${info.startup.etcdMs} ms, kube-apiserver ${info.startup.apiserverMs} ms); dir ${dir}`,
    );

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        const ts = performance.now();
        await stopProcess(apiserver, 5000);
        await stopProcess(etcd, 5000);
        live.delete(entry);
        if (!keep) rmSync(dir, { recursive: true, force: true });
        log(
          `[kube] stopped in ${Math.round(performance.now() - ts)} ms${keep ? `; kept ${dir}` : ''}`,
        );
      })();
      return stopped;
    };
    return { ...connectKubeApiserver(info), stop };
  } catch (e) {
    for (const p of procs.reverse()) await stopProcess(p, 2000);
    live.delete(entry);
    if (!keep) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

// ---- connect (from a test worker) and namespaces ----------------------------------------

/** Rebuilds the client-side handle from the serializable info (e.g. after Vitest `inject`). */
export function connectKubeApiserver(info: KubeApiserverInfo): KubeApiserverHandle {
  const adminKubeConfig = new KubeConfig();
  adminKubeConfig.loadFromFile(info.adminKubeconfigPath);
  const restrictedKubeConfig = new KubeConfig();
  restrictedKubeConfig.loadFromFile(info.restrictedKubeconfigPath);
  const ca = readFileSync(info.caPath);
  let shared: Promise<string> | undefined;
  const handle: KubeApiserverHandle = {
    info,
    url: info.url,
    adminKubeconfigPath: info.adminKubeconfigPath,
    restrictedKubeconfigPath: info.restrictedKubeconfigPath,
    restrictedUser: info.restrictedUser,
    adminKubeConfig,
    restrictedKubeConfig,
    admin: { url: info.url, ca, token: info.adminToken },
    restricted: { url: info.url, ca, token: info.restrictedToken },
    namespace(options?: NamespaceOptions | boolean): Promise<string> {
      const opts: NamespaceOptions =
        typeof options === 'boolean' ? { fresh: options } : (options ?? {});
      if (opts.fresh === false) {
        shared ??= createTestNamespace(handle, { ...opts, prefix: opts.prefix ?? 'lh-shared' });
        return shared;
      }
      return createTestNamespace(handle, opts);
    },
  };
  return handle;
}

/**
 * Creates a namespace, a Role (default: the minimal elector rules) and a RoleBinding of the
 * restricted user to it, then waits until the RBAC authorizer's cache has seen the binding.
 */
export async function createTestNamespace(
  kube: Pick<KubeApiserverHandle, 'adminKubeConfig' | 'restrictedKubeConfig' | 'restrictedUser'>,
  options: NamespaceOptions = {},
): Promise<string> {
  const name = randomName(options.prefix ?? 'lh');
  const core = kube.adminKubeConfig.makeApiClient(CoreV1Api);
  const rbac = kube.adminKubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespace({ body: { metadata: { name } } });
  const rules = options.rules ?? electorRules(options.leaseName);
  await rbac.createNamespacedRole({
    namespace: name,
    body: { metadata: { name: ELECTOR_ROLE_NAME }, rules },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: name,
    body: {
      metadata: { name: ELECTOR_ROLE_NAME },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ELECTOR_ROLE_NAME },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: kube.restrictedUser },
      ],
    },
  });
  // The RBAC authorizer reads from an informer: wait until the binding is effective.
  const first = rules[0];
  if (first?.verbs[0] !== undefined) {
    const authz = kube.restrictedKubeConfig.makeApiClient(AuthorizationV1Api);
    const deadline = performance.now() + 10_000;
    for (;;) {
      const review = await authz.createSelfSubjectAccessReview({
        body: {
          spec: {
            resourceAttributes: {
              namespace: name,
              verb: first.verbs[0],
              group: first.apiGroups?.[0] ?? '',
              resource: first.resources?.[0] ?? '',
              ...(first.resourceNames?.[0] === undefined ? {} : { name: first.resourceNames[0] }),
            },
          },
        },
      });
      if (review.status?.allowed) break;
      if (performance.now() > deadline) {
        throw new Error(`RoleBinding in ${name} not effective after 10 s`);
      }
      await sleep(50);
    }
  }
  return name;
}
