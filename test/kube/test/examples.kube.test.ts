/**
 * The examples' manifests on the real apiserver: they pass `kubectl apply --dry-run=server`
 * and apply for real (Deployments run no pods here: there is no kubelet). Then the example
 * controller runs out of cluster three times, authenticated as the manifests' own
 * ServiceAccount (a TokenRequest token) and authorized only by their Role: one replica leads,
 * its SIGTERM hands over to another. That proves the Role is sufficient, not just valid.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectKubeApiserver, type KubeApiserverHandle } from '../src/apiserver.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CONTROLLER = join(ROOT, 'examples/controller');
const LEASE = 'example-controller';

let kube: KubeApiserverHandle;
let namespace: string;
let dir: string;
beforeAll(async () => {
  kube = connectKubeApiserver(inject('kube'));
  namespace = `examples-${Math.random().toString(36).slice(2, 8)}`;
  await kube.adminKubeConfig
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: namespace } } });
  dir = mkdtempSync(join(tmpdir(), 'leasehold-examples-'));
});
afterAll(() => {
  for (const p of processes) if (p.exitCode === null) p.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function kubectl(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(
    'kubectl',
    ['--kubeconfig', kube.adminKubeconfigPath, '-n', namespace, ...args],
    {
      encoding: 'utf8',
    },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.each(['controller', 'run-sidecar'])('examples/%s/deploy', (example) => {
  const manifests = () => join(ROOT, 'examples', example, 'deploy');

  it('passes kubectl apply --dry-run=server', () => {
    const r = kubectl('apply', '--dry-run=server', '-f', manifests());
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`serviceaccount/example-${example} created (server dry run)`);
    expect(r.out).toContain(`deployment.apps/example-${example} created (server dry run)`);
    // Nothing was created by the dry run.
    expect(kubectl('get', 'deployment', `example-${example}`).status).not.toBe(0);
  });

  it('applies for real', () => {
    const r = kubectl('apply', '-f', manifests());
    expect(r.status, r.out).toBe(0);
    const got = kubectl('get', 'serviceaccount,role,rolebinding,deployment', '-o', 'name');
    expect(got.out).toContain(`deployment.apps/example-${example}`);
    expect(got.out).toContain(`role.rbac.authorization.k8s.io/example-${example}`);
    const deployment = JSON.parse(
      kubectl('get', 'deployment', `example-${example}`, '-o', 'json').out,
    );
    const env = deployment.spec.template.spec.containers[0].env as {
      name: string;
      valueFrom?: unknown;
    }[];
    expect(env.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom).toEqual({
      fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
    });
  });
});

interface Replica {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  port?: number;
}
const processes: ChildProcess[] = [];

function startReplica(name: string, kubeconfig: string): Replica {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: CONTROLLER,
    env: {
      PATH: process.env.PATH ?? '',
      KUBECONFIG: kubeconfig,
      POD_NAMESPACE: namespace,
      POD_NAME: name,
      PORT: '0',
      RECONCILE_EVERY_MS: '200',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.push(child);
  const replica: Replica = { name, child, lines: [] };
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface(stream).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        replica.lines.push(parsed);
        if (parsed.msg === 'started') replica.port = parsed.port as number;
      } catch {
        replica.lines.push({ unparsed: line });
      }
    });
  }
  return replica;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 60_000,
): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() - started > ms) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

const leadingTokens = (r: Replica) =>
  r.lines.filter((l) => l.msg === 'leading').map((l) => l.fencingToken as number);

async function get(r: Replica, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${r.port}${path}`);
  return { status: response.status, body: await response.text() };
}

describe('examples/controller out of cluster, as its own ServiceAccount', () => {
  it('three replicas: one leads, a SIGTERM hands over, the Role suffices', async () => {
    const core = kube.adminKubeConfig.makeApiClient(CoreV1Api);
    const kubeconfig = await serviceAccountKubeconfig(LEASE);

    const replicas = ['replica-0', 'replica-1', 'replica-2'].map((n) =>
      startReplica(n, kubeconfig),
    );
    const leader = await until(() => replicas.find((r) => leadingTokens(r).length > 0), 'a leader');
    await until(() => (replicas.every((r) => r.port) ? true : undefined), 'every replica serving');
    // Exactly one leads, and the Lease names it.
    await sleep(1_000);
    expect(replicas.filter((r) => leadingTokens(r).length > 0)).toEqual([leader]);
    const leases = kube.adminKubeConfig.makeApiClient(CoordinationV1Api);
    const lease = await leases.readNamespacedLease({ name: LEASE, namespace });
    expect(lease.spec?.holderIdentity).toMatch(new RegExp(`^${leader.name}_`));
    // Probes and metrics.
    for (const r of replicas) {
      expect((await get(r, '/livez')).status).toBe(200);
      expect((await get(r, '/readyz')).status).toBe(200);
      const gauge =
        /leader_election_master_status\{[^}]*name="example-controller"[^}]*\} (\d)/.exec(
          (await get(r, '/metrics')).body,
        )?.[1];
      expect(gauge).toBe(r === leader ? '1' : '0');
    }
    const firstToken = leadingTokens(leader)[0] as number;
    expect(leader.lines.some((l) => l.msg === 'reconcile' && l.fencingToken === firstToken)).toBe(
      true,
    );

    // SIGTERM: the leader drains, releases and exits; another replica takes over at once.
    const exited = new Promise<number | null>((resolve) => leader.child.once('exit', resolve));
    leader.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const successor = await until(
      () => replicas.find((r) => r !== leader && leadingTokens(r).length > 0),
      'a successor',
      10_000,
    );
    expect(leadingTokens(successor)[0]).toBeGreaterThan(firstToken);
    const after = await leases.readNamespacedLease({ name: LEASE, namespace });
    expect(after.spec?.holderIdentity).toMatch(new RegExp(`^${successor.name}_`));

    // The transitions were recorded as Events about the Lease (the Role's events rule).
    const events = await until(async () => {
      const list = await core.listNamespacedEvent({
        namespace,
        fieldSelector: `involvedObject.kind=Lease,involvedObject.name=${LEASE}`,
      });
      const messages = list.items.map((e) => e.message ?? '');
      return messages.some((m) => m.startsWith(successor.name)) ? messages : undefined;
    }, 'an Event naming the successor');
    expect(events.some((m) => m.startsWith(leader.name) && /became leader/.test(m))).toBe(true);

    // No replica met a 403 anywhere: the Role is sufficient.
    for (const r of replicas) {
      const refused = r.lines.filter((l) => JSON.stringify(l).includes('forbidden'));
      expect(refused, r.name).toEqual([]);
    }
    for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGTERM');
    await Promise.all(
      replicas.map((r) =>
        r.child.exitCode === null ? new Promise((res) => r.child.once('exit', res)) : null,
      ),
    );
  });
});

/**
 * A kubeconfig that authenticates as the ServiceAccount `account` of the test namespace, with
 * a token from the TokenRequest API: only the manifests' RoleBinding authorizes it.
 */
async function serviceAccountKubeconfig(account: string): Promise<string> {
  const core = kube.adminKubeConfig.makeApiClient(CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    name: account,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error('TokenRequest returned no token');
  const path = join(dir, `${account}.kubeconfig.yaml`);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'test', cluster: { server: kube.url, 'certificate-authority': kube.info.caPath } },
      ],
      users: [{ name: 'sa', user: { token } }],
      contexts: [{ name: 'sa', context: { cluster: 'test', user: 'sa', namespace } }],
      'current-context': 'sa',
    }),
  );
  return path;
}

describe('examples/run-sidecar out of cluster, as its own ServiceAccount', () => {
  it('two `leasehold run` around job.sh: one runs the job, a SIGTERM hands it over', async () => {
    const kubeconfig = await serviceAccountKubeconfig('example-run-sidecar');
    const start = (name: string) => {
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'packages/cli/dist/bin.js'),
          'run',
          '--name',
          'example-run-sidecar',
          '--identity',
          name,
          '--',
          join(ROOT, 'examples/run-sidecar/job.sh'),
        ],
        {
          env: {
            PATH: process.env.PATH ?? '',
            KUBECONFIG: kubeconfig,
            POD_NAMESPACE: namespace,
            JOB_INTERVAL_SECONDS: '0.2',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      processes.push(child);
      const out: string[] = [];
      for (const stream of [child.stdout, child.stderr]) {
        if (stream) createInterface(stream).on('line', (line) => out.push(line));
      }
      return { name, child, out };
    };
    // The deploy kit applied above pre-created the Lease (empty spec): its first holder gets
    // fencing token 1, and the next 2.
    const a = start('sidecar-a');
    await until(
      () => (a.out.some((l) => l.includes('job: working (token 1)')) ? true : undefined),
      'a runs the job',
    );
    const b = start('sidecar-b');
    await until(
      () => (b.out.some((l) => l.startsWith('leasehold: competing')) ? true : undefined),
      'b competes',
    );
    await sleep(1_000);
    expect(b.out.some((l) => l.startsWith('job:'))).toBe(false); // never twice at once

    const exited = new Promise<number | null>((resolve) => a.child.once('exit', resolve));
    a.child.kill('SIGTERM');
    expect(await exited, a.out.join('\n')).toBe(0);
    expect(a.out).toContain('job: SIGTERM, stopping (token 1)');
    await until(
      () => (b.out.some((l) => l.includes('job: working (token 2)')) ? true : undefined),
      'b runs the job with the next fencing token',
      10_000,
    );
    expect([...a.out, ...b.out].filter((l) => /forbidden/i.test(l))).toEqual([]);
    const done = new Promise((resolve) => b.child.once('exit', resolve));
    b.child.kill('SIGTERM');
    await done;
  });
});
