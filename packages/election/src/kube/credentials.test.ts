/**
 * Authentication through the real client-node against the embedded Lease API server behind a
 * token check the test controls: a hung exec plugin is bounded by the call, token files are
 * re-read when rotated, and the connection pool follows the credentials.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createLeaseApi, toNodeListener } from '@leasehold/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseStoreError } from '../core/errors.js';
import { ConnectionPool } from './connection-pool.js';
import { CredentialSource } from './credentials.js';
import { createKubernetesLeaseStore } from './kube-lease-store.js';
import { loadKubeConfigFile } from './kubeconfig.js';
import { apiServerOf } from './request.js';
import { createRequestLimiter } from './request-limiter.js';

const NAME = 'rotating';
const NAMESPACE = 'default';
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-credentials-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Guarded {
  url: string;
  /** Bearer tokens accepted now; edit to rotate. */
  readonly accepted: Set<string>;
  /** Authorization headers received, in order. */
  readonly seen: string[];
  /** Called before a request with a refused token is answered 401. */
  onRefused: () => void;
  connections: number;
}

const UNAUTHORIZED = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code: 401,
  reason: 'Unauthorized',
  message: 'Unauthorized',
});

/** The embedded Lease API behind a bearer-token check whose accepted set the test changes. */
async function guardedServer(): Promise<Guarded> {
  const api = createLeaseApi();
  const guarded: Guarded = {
    url: '',
    accepted: new Set(),
    seen: [],
    onRefused: () => {},
    connections: 0,
  };
  const server = createServer(
    toNodeListener(async (request) => {
      const header = request.headers.get('authorization') ?? '';
      guarded.seen.push(header);
      if (!guarded.accepted.has(header.replace(/^Bearer /, ''))) {
        guarded.onRefused();
        return new Response(UNAUTHORIZED, {
          status: 401,
          headers: { 'content-type': 'application/json' },
        });
      }
      return api.handler(request);
    }),
  );
  server.on('connection', () => guarded.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  guarded.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return guarded;
}

function storeFor(kubeConfig: KubeConfig, requestTimeoutMs = 10_000) {
  return createKubernetesLeaseStore({
    kubeConfig,
    name: NAME,
    namespace: NAMESPACE,
    requestTimeoutMs,
  });
}

const leaseBody = (holder: string) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: NAME, namespace: NAMESPACE },
  spec: { holderIdentity: holder, leaseDurationSeconds: 15 },
});

const signal = () => AbortSignal.timeout(10_000);

describe('token files', () => {
  it('re-reads a kubeconfig token-file rotated mid-term, after the old token was revoked', async () => {
    const server = await guardedServer();
    const dir = tempDir();
    const tokenPath = join(dir, 'token');
    writeFileSync(tokenPath, 'token-one\n');
    const configPath = join(dir, 'config');
    writeFileSync(
      configPath,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "' +
          server.url +
          '", insecure-skip-tls-verify: true}}]',
        `users: [{name: u, user: {token-file: "${tokenPath}"}}]`,
        'contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]',
        'current-context: x',
        '',
      ].join('\n'),
    );
    server.accepted.add('token-one');
    const store = storeFor(loadKubeConfigFile(configPath));
    const created = await store.create(leaseBody('me'), signal());

    // Rotation: the new token is written and the old one stops working.
    writeFileSync(tokenPath, 'token-two\n');
    server.accepted.clear();
    server.accepted.add('token-two');
    const renewed = await store.replace(leaseBody('me'), created.resourceVersion, signal());
    expect(renewed.record.holderIdentity).toBe('me');
    expect(server.seen.at(-1)).toBe('Bearer token-two');
  });

  it('honours tokenFile on a user given to loadFromOptions (client-node ignores it)', async () => {
    const server = await guardedServer();
    const tokenPath = join(tempDir(), 'token');
    writeFileSync(tokenPath, 'from-file');
    server.accepted.add('from-file');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: server.url, skipTLSVerify: true }],
      users: [{ name: 'u', tokenFile: tokenPath }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    expect(await storeFor(kubeConfig).get(signal())).toBeNull();
  });

  it('re-reads the in-cluster token file on change, not once a minute', async () => {
    const server = await guardedServer();
    const prefix = tempDir();
    const accountDir = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
    const kubeConfig = new KubeConfig();
    // loadFromCluster builds an https URL from the environment; the token path is what
    // matters here, so the cluster is pointed at the plain-HTTP test server afterwards.
    kubeConfig.loadFromCluster(prefix);
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'inCluster', server: server.url, skipTLSVerify: true }],
      users: kubeConfig.getUsers(),
      contexts: kubeConfig.getContexts(),
      currentContext: kubeConfig.getCurrentContext(),
    });
    mkdirSync(accountDir, { recursive: true });
    writeFileSync(join(accountDir, 'token'), 'pod-token-1');
    server.accepted.add('pod-token-1');
    const store = storeFor(kubeConfig);
    const created = await store.create(leaseBody('pod'), signal());
    writeFileSync(join(accountDir, 'token'), 'pod-token-2');
    server.accepted.clear();
    server.accepted.add('pod-token-2');
    await expect(
      store.replace(leaseBody('pod'), created.resourceVersion, signal()),
    ).resolves.toBeTruthy();
  });

  it('after a 401, reads the file again and repeats the request once when the token changed', async () => {
    const server = await guardedServer();
    const tokenPath = join(tempDir(), 'token');
    writeFileSync(tokenPath, 'old');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: server.url, skipTLSVerify: true }],
      users: [{ name: 'u', tokenFile: tokenPath }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const store = storeFor(kubeConfig);
    // The token is rotated between the client's read and the server's check.
    server.accepted.add('new');
    server.onRefused = () => writeFileSync(tokenPath, 'new');
    expect(await store.get(signal())).toBeNull();
    expect(server.seen).toEqual(['Bearer old', 'Bearer new']);
  });

  it('reports a 401 without repeating when the token did not change', async () => {
    const server = await guardedServer();
    const tokenPath = join(tempDir(), 'token');
    writeFileSync(tokenPath, 'refused');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: server.url, skipTLSVerify: true }],
      users: [{ name: 'u', tokenFile: tokenPath }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const error = await storeFor(kubeConfig)
      .get(signal())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseStoreError);
    expect((error as LeaseStoreError).kind).toBe('unauthorized');
    expect(server.seen).toEqual(['Bearer refused']);
  });
});

/** Writes an exec credential plugin; `body` is shell run after recording its PID. */
function execPlugin(dir: string, body: string): { command: string; starts: () => number[] } {
  const command = join(dir, 'plugin.sh');
  const startsPath = join(dir, 'starts');
  writeFileSync(startsPath, '');
  writeFileSync(command, `#!/bin/sh\necho $$ >> '${startsPath}'\n${body}\n`);
  chmodSync(command, 0o755);
  const starts = () =>
    readFileSync(startsPath, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
  cleanups.push(() => {
    for (const pid of starts()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
  return { command, starts };
}

function execKubeConfig(server: string, command: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [
      { name: 'u', exec: { apiVersion: 'client.authentication.k8s.io/v1', command, args: [] } },
    ],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kubeConfig;
}

describe('a hung exec credential plugin', () => {
  it('cannot hold a call past its timeout, and runs once however often the call is retried', async () => {
    const server = await guardedServer();
    const plugin = execPlugin(tempDir(), 'exec sleep 60');
    const store = storeFor(execKubeConfig(server.url, plugin.command), 200);
    for (let i = 0; i < 4; i++) {
      const error = await store.get(signal()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LeaseStoreError);
      expect((error as LeaseStoreError).kind).toBe('unavailable');
    }
    expect(plugin.starts()).toHaveLength(1);
    expect(server.seen).toEqual([]);
  }, 30_000);

  it('cannot hold a call past the caller’s abort', async () => {
    const server = await guardedServer();
    const plugin = execPlugin(tempDir(), 'exec sleep 60');
    const store = storeFor(execKubeConfig(server.url, plugin.command));
    const controller = new AbortController();
    const pending = store.list(controller.signal);
    setTimeout(() => controller.abort(new Error('stop now')), 100);
    await expect(pending).rejects.toThrow('stop now');
  }, 30_000);

  it('recovers when a slow plugin finally answers', async () => {
    const server = await guardedServer();
    server.accepted.add('late-token');
    const plugin = execPlugin(
      tempDir(),
      `sleep 1; printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"late-token"}}'`,
    );
    const store = storeFor(execKubeConfig(server.url, plugin.command), 200);
    await expect(store.get(signal())).rejects.toMatchObject({ kind: 'unavailable' });
    // Retries join the run still in flight until it answers; then requests go through.
    let answered = false;
    for (let i = 0; i < 50 && !answered; i++) {
      answered = await store.get(signal()).then(
        () => true,
        () => false,
      );
    }
    expect(answered).toBe(true);
    expect(plugin.starts()).toHaveLength(1);
    expect(server.seen.at(-1)).toBe('Bearer late-token');
  }, 30_000);

  it('ends a watch waiting for it when the watch is aborted', async () => {
    const server = await guardedServer();
    const plugin = execPlugin(tempDir(), 'exec sleep 60');
    const store = storeFor(execKubeConfig(server.url, plugin.command));
    const controller = new AbortController();
    const watching = store.watch({
      signal: controller.signal,
      resourceVersion: '1',
      onEvent: () => {},
    });
    setTimeout(() => controller.abort(), 100);
    await expect(watching).resolves.toBeUndefined();
    expect(server.seen).toEqual([]);
  }, 30_000);
});

/** A store whose credentials are reused on a clock the test moves. */
function storeOnClock(kubeConfig: KubeConfig) {
  const clock = { now: 0 };
  const connection = {
    server: apiServerOf(kubeConfig),
    pool: new ConnectionPool(),
    credentials: new CredentialSource(kubeConfig, { reuseMs: 1000, now: () => clock.now }),
    limiter: createRequestLimiter(),
  };
  const store = createKubernetesLeaseStore({
    kubeConfig,
    name: NAME,
    namespace: NAMESPACE,
    connection,
  });
  return { store, clock };
}

/** An exec plugin whose token is read from a file each run, expired at once (run per call). */
function rotatingExecPlugin(dir: string, token: string) {
  const tokenPath = join(dir, 'exec-token');
  writeFileSync(tokenPath, token);
  const plugin = execPlugin(
    dir,
    `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2000-01-01T00:00:00Z"}}' "$(cat '${tokenPath}')"`,
  );
  return { ...plugin, rotate: (next: string) => writeFileSync(tokenPath, next) };
}

describe('reused credentials', () => {
  it('authenticate once for the calls within the window, and again after it', async () => {
    const server = await guardedServer();
    server.accepted.add('t1');
    const plugin = rotatingExecPlugin(tempDir(), 't1');
    const { store, clock } = storeOnClock(execKubeConfig(server.url, plugin.command));
    for (let i = 0; i < 3; i++) await store.get(signal());
    expect(plugin.starts()).toHaveLength(1);
    clock.now = 999;
    await store.get(signal());
    expect(plugin.starts()).toHaveLength(1);
    clock.now = 1000;
    await store.get(signal());
    expect(plugin.starts()).toHaveLength(2);
    expect(server.seen).toEqual(Array(5).fill('Bearer t1'));
  }, 30_000);

  it('are dropped on a 401, and the call repeated once with the fresh token', async () => {
    const server = await guardedServer();
    server.accepted.add('t1');
    const plugin = rotatingExecPlugin(tempDir(), 't1');
    const { store } = storeOnClock(execKubeConfig(server.url, plugin.command));
    await store.get(signal());
    // Rotated within the window: the reused token is refused, the fresh one accepted.
    plugin.rotate('t2');
    server.accepted.clear();
    server.accepted.add('t2');
    expect(await store.get(signal())).toBeNull();
    expect(server.seen).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t2']);
    expect(plugin.starts()).toHaveLength(2);
  }, 30_000);

  it('are not taken from an authentication that started before the 401', async () => {
    // The plugin reads its token when it starts and answers half a second later: the run in
    // flight when the token is rotated and refused still carries the old one.
    const dir = tempDir();
    const tokenPath = join(dir, 'exec-token');
    const readPath = join(dir, 'read');
    writeFileSync(tokenPath, 't1');
    writeFileSync(readPath, '');
    const plugin = execPlugin(
      dir,
      `token="$(cat '${tokenPath}')"; echo "$token" >> '${readPath}'; sleep 0.5; printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2000-01-01T00:00:00Z"}}' "$token"`,
    );
    const clock = { now: 0 };
    const source = new CredentialSource(execKubeConfig('http://127.0.0.1:9', plugin.command), {
      reuseMs: 1000,
      now: () => clock.now,
    });
    const inFlight = source.credentials(signal());
    while (readFileSync(readPath, 'utf8') === '') {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    writeFileSync(tokenPath, 't2');
    const changed = source.changedSince('Bearer t1', signal());
    expect((await inFlight).headers.Authorization).toBe('Bearer t1');
    expect(await changed).toBe(true);
    expect((await source.credentials(signal())).headers.Authorization).toBe('Bearer t2');
    expect(plugin.starts()).toHaveLength(2);
  }, 30_000);

  it('report a 401 once authenticating afresh gives the same token', async () => {
    const server = await guardedServer();
    const plugin = rotatingExecPlugin(tempDir(), 'refused');
    const { store } = storeOnClock(execKubeConfig(server.url, plugin.command));
    await expect(store.get(signal())).rejects.toMatchObject({ kind: 'unauthorized' });
    expect(server.seen).toEqual(['Bearer refused']);
    expect(plugin.starts()).toHaveLength(2);
  }, 30_000);
});

describe('the connection pool', () => {
  it('opens a new connection when an exec plugin hands out a new client certificate', async () => {
    const server = await guardedServer();
    server.accepted.add('exec-token');
    const dir = tempDir();
    const certPath = join(dir, 'cert');
    writeFileSync(certPath, 'certificate-one');
    // Expired at once, so client-node runs the plugin for every request, as it would when a
    // short-lived certificate runs out.
    const plugin = execPlugin(
      dir,
      `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token","clientCertificateData":"%s","clientKeyData":"key","expirationTimestamp":"2000-01-01T00:00:00Z"}}' "$(cat '${certPath}')"`,
    );
    const { store, clock } = storeOnClock(execKubeConfig(server.url, plugin.command));
    for (let i = 0; i < 3; i++) {
      clock.now += 1000;
      await store.get(signal());
    }
    expect(plugin.starts()).toHaveLength(3);
    expect(server.connections).toBe(1);
    writeFileSync(certPath, 'certificate-two');
    for (let i = 0; i < 3; i++) {
      clock.now += 1000;
      await store.get(signal());
    }
    expect(server.connections).toBe(2);
  }, 30_000);
});
