/**
 * Short-lived service-account tokens on the real apiserver: a token from the TokenRequest API
 * is bound to a Secret, so deleting the Secret revokes it. Mid-term, the token file is
 * rotated to a token bound to a second Secret and the first Secret is deleted; the elector
 * keeps its term. Once through a kubeconfig `token-file`, once through the in-cluster layout
 * of `KubeConfig.loadFromCluster(prefix)`.
 */
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  createLeaderElector,
  type LeaderElector,
  loadKubeConfigFile,
} from '../../../packages/election/src/index.js';
import { connectKubeApiserver, type KubeApiserverHandle } from '../src/apiserver.js';
import { rawRequest } from '../src/http.js';
import { ELECTOR_ROLE_NAME } from '../src/rbac.js';

let kube: KubeApiserverHandle;
beforeAll(() => {
  kube = connectKubeApiserver(inject('kube'));
});

const NAME = 'rotation';
const ACCOUNT = 'elector';
const FAST = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 400 } as const;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllEnvs();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-rotation-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 15_000) {
  const started = performance.now();
  while (!(await predicate())) {
    if (performance.now() - started > ms) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

/** A namespace with a ServiceAccount bound to the elector Role. */
async function accountNamespace(): Promise<string> {
  const namespace = await kube.namespace({ leaseName: NAME });
  const core = kube.adminKubeConfig.makeApiClient(CoreV1Api);
  const rbac = kube.adminKubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: ACCOUNT } } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: `${ELECTOR_ROLE_NAME}-sa` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ELECTOR_ROLE_NAME },
      subjects: [{ kind: 'ServiceAccount', name: ACCOUNT, namespace }],
    },
  });
  return namespace;
}

/** A 10-minute token of the ServiceAccount, valid while the Secret `bound` exists. */
async function boundToken(namespace: string, bound: string): Promise<string> {
  const core = kube.adminKubeConfig.makeApiClient(CoreV1Api);
  const secret = await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: bound }, stringData: { purpose: 'token binding' } },
  });
  const request = await core.createNamespacedServiceAccountToken({
    name: ACCOUNT,
    namespace,
    body: {
      spec: {
        audiences: [],
        expirationSeconds: 600,
        boundObjectRef: {
          apiVersion: 'v1',
          kind: 'Secret',
          name: bound,
          uid: secret.metadata?.uid ?? '',
        },
      },
    },
  });
  const token = request.status?.token;
  if (!token) throw new Error('TokenRequest returned no token');
  return token;
}

/** Status of `GET` of the Lease with `token`: 200/404 when valid, 401 when not. */
async function statusWith(namespace: string, token: string): Promise<number> {
  const response = await rawRequest(
    { ...kube.admin, token },
    'GET',
    `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${NAME}`,
  );
  return response.status;
}

/** Replaces the file atomically, as the kubelet does for projected tokens. */
function writeAtomically(path: string, content: string): void {
  writeFileSync(`${path}.next`, content);
  renameSync(`${path}.next`, path);
}

/**
 * Runs the rotation mid-term and checks that the term survives: same fencing token, same
 * holder, renewals continuing with the new token after the old one was revoked.
 */
async function rotateMidTerm(
  kubeConfig: KubeConfig,
  namespace: string,
  tokenPath: string,
  firstToken: string,
) {
  const elector: LeaderElector = createLeaderElector({
    name: NAME,
    namespace,
    kubeConfig,
    identity: 'rotating',
    ...FAST,
  }).start();
  cleanups.push(() => elector.stop());
  await until(() => elector.state.role === 'leader', 'leadership with the first token').catch(
    (error: unknown) => {
      throw new Error(`${String(error)}; elector error: ${elector.state.error?.message}`);
    },
  );
  const term = elector.state.term;
  expect(term).not.toBeNull();

  const second = await boundToken(namespace, 'binding-2');
  writeAtomically(tokenPath, second);
  const core = kube.adminKubeConfig.makeApiClient(CoreV1Api);
  await core.deleteNamespacedSecret({ name: 'binding-1', namespace });
  await until(
    async () => (await statusWith(namespace, firstToken)) === 401,
    'the first token to be revoked',
  );
  expect(await statusWith(namespace, second)).toBe(200);

  const lease = kube.adminKubeConfig.makeApiClient(CoordinationV1Api);
  const before = await lease.readNamespacedLease({ name: NAME, namespace });
  // Longer than a lease duration: a term that could not renew would have ended.
  await sleep(FAST.leaseDurationMs * 2);
  const after = await lease.readNamespacedLease({ name: NAME, namespace });
  expect(elector.state.role).toBe('leader');
  expect(elector.state.term).toBe(term);
  expect(elector.state.error).toBeNull();
  expect(after.spec?.holderIdentity).toBe('rotating');
  expect(after.spec?.leaseTransitions).toBe(before.spec?.leaseTransitions);
  expect(after.metadata?.resourceVersion).not.toBe(before.metadata?.resourceVersion);
}

describe('a rotated, revoked service-account token does not end the term', () => {
  it('through a kubeconfig token-file', async () => {
    const namespace = await accountNamespace();
    const firstToken = await boundToken(namespace, 'binding-1');
    expect(await statusWith(namespace, firstToken)).toBe(404);
    const dir = tempDir();
    const tokenPath = join(dir, 'token');
    writeAtomically(tokenPath, firstToken);
    const configPath = join(dir, 'config');
    writeFileSync(
      configPath,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'c', cluster: { server: kube.url, 'certificate-authority': kube.info.caPath } },
        ],
        users: [{ name: 'sa', user: { 'token-file': tokenPath } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'sa', namespace } }],
        'current-context': 'x',
      }),
    );
    await rotateMidTerm(loadKubeConfigFile(configPath), namespace, tokenPath, firstToken);
  });

  it('in cluster, through loadFromCluster(prefix)', async () => {
    const namespace = await accountNamespace();
    const firstToken = await boundToken(namespace, 'binding-1');
    const prefix = tempDir();
    const accountDir = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(accountDir, { recursive: true });
    copyFileSync(kube.info.caPath, join(accountDir, 'ca.crt'));
    writeFileSync(join(accountDir, 'namespace'), namespace);
    const tokenPath = join(accountDir, 'token');
    writeAtomically(tokenPath, firstToken);
    const url = new URL(kube.url);
    vi.stubEnv('KUBERNETES_SERVICE_HOST', url.hostname);
    vi.stubEnv('KUBERNETES_SERVICE_PORT', url.port);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromCluster(prefix);
    await rotateMidTerm(kubeConfig, namespace, tokenPath, firstToken);
  });
});
