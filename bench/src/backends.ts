/**
 * The two servers the contenders run against:
 * - `apiserver`: a real kube-apiserver + etcd on loopback (test/kube's harness), with an audit
 *   log counting every Lease request per namespace and user;
 * - `embedded`: leasehold's in-process Lease API server (`startLeaseServer()` of
 *   `@leasehold/testing`), counting requests in `server.stats`.
 *
 * Each measurement runs in an "arena": its own namespace (apiserver) or its own server
 * (embedded), so that requests are attributed to one contender even when arenas run at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import {
  type KubeApiserver,
  kubeBinDir,
  kubeVersion,
  startKubeApiserver,
} from '../../test/kube/src/apiserver.js';
import { rawRequest } from '../../test/kube/src/http.js';
import { AuditLog, auditPolicy } from './audit.js';
import type { Target } from './contenders.js';

export type BackendKind = 'apiserver' | 'embedded';

/** Requests counted by the server during a window. */
export interface WindowCounts {
  readonly windowMs: number;
  /** Requests per verb (lower-case Kubernetes verbs: get, list, watch, create, update, …). */
  readonly verbs: Record<string, number>;
  readonly total: number;
  /** Watches open at the end of the window. */
  readonly openWatches: number;
  /**
   * apiserver only: the same split by who sent them. The first candidate (the leader) runs as
   * the admin user, every other candidate as the restricted user.
   */
  readonly leader?: { verbs: Record<string, number>; total: number; openWatches: number };
  readonly followers?: { verbs: Record<string, number>; total: number; openWatches: number };
}

export interface Window {
  end(): Promise<WindowCounts>;
}

export interface Arena extends Target {
  /** Kubeconfig for the candidate started first (the leader); see WindowCounts.leader. */
  readonly leaderKubeconfigPath: string;
  /** Starts counting requests in this arena. */
  window(): Window;
  /**
   * Creates these Leases with an empty spec (an existing one is left as it is), as a deployment
   * kit's `lease.yaml` does. leasehold takes a pre-created empty Lease at once; one it finds
   * absent it creates only after a lease duration (it cannot tell a deletion it missed from a
   * Lease that never existed), so every scenario pre-creates its Leases for both contenders.
   */
  createLeases(names: readonly string[]): Promise<void>;
  /** Reads a Lease (holder, renewTime as wall-clock ms), or null when absent. */
  readLease(name: string): Promise<{ holder: string | null; renewMs: number | null } | null>;
  close(): Promise<void>;
}

export interface Backend {
  readonly kind: BackendKind;
  readonly info: Record<string, unknown>;
  arena(label: string): Promise<Arena>;
  /** apiserver: `apiserver_request_total` for leases by verb, and open Lease watches. */
  metrics?(): Promise<MetricsSnapshot>;
  stop(): Promise<void>;
}

export interface MetricsSnapshot {
  readonly atMs: number;
  readonly verbs: Record<string, number>;
  readonly openWatches: number;
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

function countVerbs(reqs: readonly { verb: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reqs) out[r.verb] = (out[r.verb] ?? 0) + 1;
  return out;
}

function makeLeaseReader(kubeconfigPath: string, namespace: string): Arena['readLease'] {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = kc.makeApiClient(CoordinationV1Api);
  return async (name) => {
    try {
      const lease = await api.readNamespacedLease({ name, namespace });
      const renew = lease.spec?.renewTime as unknown;
      const renewMs =
        renew === undefined || renew === null ? null : new Date(renew as string | Date).getTime();
      return { holder: lease.spec?.holderIdentity ?? null, renewMs };
    } catch (e) {
      if ((e as { code?: number }).code === 404) return null;
      throw e;
    }
  };
}

function makeLeaseCreator(kubeconfigPath: string, namespace: string): Arena['createLeases'] {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = kc.makeApiClient(CoordinationV1Api);
  const create = async (name: string): Promise<void> => {
    // client-node opens a connection per request: 10,000 creates churn through the loopback's
    // ephemeral ports, and one may fail on the socket ("fetch failed"). Try again a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await api.createNamespacedLease({ namespace, body: { metadata: { name }, spec: {} } });
        return;
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (code === 409) return;
        if (typeof code === 'number' || attempt >= 5) throw e;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  };
  return async (names) => {
    // A few at a time: 10,000 Leases in one go would be 10,000 sockets.
    const queue = [...names];
    const lane = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) await create(name);
    };
    await Promise.all(Array.from({ length: Math.min(16, queue.length) }, lane));
  };
}

// ---- real kube-apiserver ---------------------------------------------------------------

const ADMIN_USER = 'leasehold-admin';
const RESTRICTED_USER = 'leasehold-elector';

export async function startApiserverBackend(log: (line: string) => void): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-bench-audit-'));
  const policyPath = join(dir, 'audit-policy.yaml');
  const auditPath = join(dir, 'audit.log');
  writeFileSync(policyPath, auditPolicy([ADMIN_USER, RESTRICTED_USER]));
  let kube: KubeApiserver;
  try {
    kube = await startKubeApiserver({
      log,
      apiserverArgs: [
        `--audit-policy-file=${policyPath}`,
        `--audit-log-path=${auditPath}`,
        '--audit-log-format=json',
        '--audit-log-mode=blocking',
        '--audit-log-maxsize=0',
      ],
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const audit = new AuditLog(auditPath);
  const info = {
    kind: 'apiserver',
    version: kube.info.version,
    binDir: kubeBinDir(kubeVersion()),
    startupMs: kube.info.startup.totalMs,
    counting:
      'audit log (Metadata level, Lease requests of the leader and follower users, per namespace); ' +
      'cross-checked against apiserver_request_total{resource="leases"} minus an idle baseline',
  };

  const metrics = async (): Promise<MetricsSnapshot> => {
    const res = await rawRequest(kube.admin, 'GET', '/metrics', undefined, 20_000);
    const verbs: Record<string, number> = {};
    let openWatches = 0;
    for (const line of res.text.split('\n')) {
      if (line.startsWith('apiserver_request_total{') && line.includes('resource="leases"')) {
        const verb = /verb="([^"]+)"/.exec(line)?.[1] ?? '?';
        const value = Number(line.slice(line.lastIndexOf(' ') + 1));
        verbs[verb] = (verbs[verb] ?? 0) + value;
      } else if (
        line.startsWith('apiserver_longrunning_requests{') &&
        line.includes('resource="leases"') &&
        line.includes('verb="WATCH"')
      ) {
        openWatches += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
    return { atMs: Date.now(), verbs, openWatches };
  };

  return {
    kind: 'apiserver',
    info,
    metrics,
    async arena(label) {
      const namespace = await kube.namespace({ prefix: `b-${label}`.slice(0, 40) });
      return {
        namespace,
        kubeconfigPath: kube.restrictedKubeconfigPath,
        leaderKubeconfigPath: kube.adminKubeconfigPath,
        createLeases: makeLeaseCreator(kube.adminKubeconfigPath, namespace),
        readLease: makeLeaseReader(kube.adminKubeconfigPath, namespace),
        window() {
          const from = Date.now();
          return {
            async end() {
              const to = Date.now();
              // The log backend writes each event as the request completes; give it a moment.
              await sleep(500);
              const reqs = audit.requests(namespace, from, to);
              const open = audit.openWatches(namespace, to);
              const leaderReqs = reqs.filter((r) => r.user === ADMIN_USER);
              const followerReqs = reqs.filter((r) => r.user === RESTRICTED_USER);
              const verbs = countVerbs(reqs);
              return {
                windowMs: to - from,
                verbs,
                total: sum(verbs),
                openWatches: sum(open),
                leader: {
                  verbs: countVerbs(leaderReqs),
                  total: leaderReqs.length,
                  openWatches: open[ADMIN_USER] ?? 0,
                },
                followers: {
                  verbs: countVerbs(followerReqs),
                  total: followerReqs.length,
                  openWatches: open[RESTRICTED_USER] ?? 0,
                },
              };
            },
          };
        },
        async close() {
          audit.prune(Date.now() - 1000);
        },
      };
    },
    async stop() {
      try {
        await kube.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

// ---- embedded server -------------------------------------------------------------------

interface StatsLike {
  readonly verbs: Readonly<Record<string, number>>;
  readonly total: number;
  readonly openWatches: number;
}
interface LeaseServerLike {
  readonly url: string;
  readonly stats: StatsLike;
  close?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}
type StartLeaseServer = (options?: Record<string, unknown>) => Promise<LeaseServerLike>;

/** The embedded server's constructor, or the reason it is not usable. */
export async function loadStartLeaseServer(): Promise<StartLeaseServer | string> {
  try {
    const mod = (await import('@leasehold/testing')) as unknown as {
      startLeaseServer?: StartLeaseServer;
    };
    if (typeof mod.startLeaseServer !== 'function') {
      return '@leasehold/testing does not export startLeaseServer (yet)';
    }
    return mod.startLeaseServer;
  } catch (e) {
    return `cannot import @leasehold/testing: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function httpKubeconfig(url: string, namespace: string): string {
  const q = JSON.stringify;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: embedded',
    '  cluster:',
    `    server: ${q(url)}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: bench',
    '  user:',
    '    token: bench',
    'contexts:',
    '- name: bench',
    '  context:',
    '    cluster: embedded',
    '    user: bench',
    `    namespace: ${q(namespace)}`,
    'current-context: bench',
    '',
  ].join('\n');
}

export async function startEmbeddedBackend(start: StartLeaseServer): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-bench-embedded-'));
  const servers = new Set<LeaseServerLike>();
  const closeServer = async (s: LeaseServerLike): Promise<void> => {
    servers.delete(s);
    await (s.close?.() ?? s.stop?.());
  };
  let n = 0;
  return {
    kind: 'embedded',
    info: {
      kind: 'embedded',
      server: '@leasehold/testing startLeaseServer() in the benchmark process',
      counting: 'server.stats of a server per arena',
    },
    async arena(label) {
      const server = await start({ host: '127.0.0.1', port: 0 });
      servers.add(server);
      const namespace = 'bench';
      const kubeconfigPath = join(dir, `${label}-${n++}.kubeconfig`);
      writeFileSync(kubeconfigPath, httpKubeconfig(server.url, namespace));
      return {
        namespace,
        kubeconfigPath,
        // The embedded server speaks JSON only; client-go defaults to protobuf.
        clientGoContentType: 'json',
        leaderKubeconfigPath: kubeconfigPath,
        createLeases: makeLeaseCreator(kubeconfigPath, namespace),
        readLease: makeLeaseReader(kubeconfigPath, namespace),
        window() {
          const from = Date.now();
          const before = { ...server.stats.verbs };
          return {
            async end() {
              const after = { ...server.stats.verbs };
              const verbs: Record<string, number> = {};
              for (const [verb, count] of Object.entries(after)) {
                const d = count - (before[verb] ?? 0);
                if (d !== 0) verbs[verb] = d;
              }
              return {
                windowMs: Date.now() - from,
                verbs,
                total: sum(verbs),
                openWatches: server.stats.openWatches,
              };
            },
          };
        },
        close: () => closeServer(server),
      };
    },
    async stop() {
      for (const s of [...servers]) await closeServer(s);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
