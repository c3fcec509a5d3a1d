/**
 * A KubeConfig from @kubernetes/client-node 1.x cannot drive the 2.x client the library makes
 * its requests with. These prove the failure is real (against the embedded API server) and
 * that the public entry refuses such a config at once, with a ConfigError naming the versions
 * that work, while a 2.x one (ours or a fresh one) is accepted and leads.
 */
import { startLeaseServer } from '@leasehold/testing';
import { KubeConfig as KubeConfigV1 } from 'kubernetes-client-node-1';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  createKubernetesLeaseStore,
  createLeaderElector,
  type LeaderElector,
} from './index.js';
import { createKubernetesLeaseStore as createUncheckedStore } from './kube/kube-lease-store.js';
import { assertUsableKubeConfig, SUPPORTED_CLIENT_NODE } from './kube-config-check.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function server() {
  const s = await startLeaseServer();
  closers.push(() => s.close());
  return s;
}

/** A client-node 1.4 KubeConfig for the same server (plain HTTP needs skipTLSVerify). */
function v1KubeConfig(url: string): KubeConfigV1 {
  const kc = new KubeConfigV1();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('a KubeConfig from client-node 1.x', () => {
  it('really cannot drive the library: every request fails (the check is not arbitrary)', async () => {
    const s = await server();
    const kubeConfig = v1KubeConfig(s.url) as unknown as Parameters<
      typeof createUncheckedStore
    >[0]['kubeConfig'];
    const store = createUncheckedStore({ kubeConfig, name: 'job', namespace: 'default' });
    await expect(store.get(new AbortController().signal)).rejects.toThrow(
      /(getDispatcher|setAgent) is not a function/,
    );
  });

  it('is refused by createLeaderElector with a ConfigError naming the working versions', async () => {
    const s = await server();
    const kubeConfig = v1KubeConfig(s.url) as never;
    let error: unknown;
    try {
      createLeaderElector({ name: 'job', kubeConfig });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option: 'kubeConfig', code: 'ERR_LEASEHOLD_CONFIG' });
    expect((error as Error).message).toContain('@kubernetes/client-node 1.x');
    expect((error as Error).message).toContain(`@kubernetes/client-node ${SUPPORTED_CLIENT_NODE}`);
  });

  it('is refused by createKubernetesLeaseStore too', async () => {
    const s = await server();
    expect(() =>
      createKubernetesLeaseStore({
        kubeConfig: v1KubeConfig(s.url) as never,
        name: 'j',
        namespace: 'd',
      }),
    ).toThrow(ConfigError);
  });

  it('is recognised by shape, as a 1.x-like object without createDispatcher', () => {
    const like1x = { makeApiClient() {}, applyToFetchOptions() {}, loadFromDefault() {} };
    expect(() => assertUsableKubeConfig(like1x)).toThrow(/client-node 1\.x/);
    expect(() => assertUsableKubeConfig({})).toThrow(
      /not a KubeConfig from @kubernetes\/client-node 2\.x/,
    );
    expect(() => assertUsableKubeConfig(undefined)).toThrow(ConfigError);
  });
});

describe('a KubeConfig from client-node 2.x', () => {
  let elector: LeaderElector | undefined;
  afterEach(async () => {
    await elector?.stop();
    elector = undefined;
  });

  it('is accepted, and the elector leads through it', async () => {
    const s = await server();
    elector = createLeaderElector({ name: 'job', namespace: 'default', kubeConfig: s.kubeConfig });
    await expect(elector.start().whenLeader()).resolves.toMatchObject({ fencingToken: 0 });
  });
});
