/**
 * The real-time liveness cases (packages/election/test/observability/health-cases.ts) on the
 * real kube-apiserver, as the least-privilege elector user. Each case reaches the apiserver
 * through its own TCP proxy; the outage closes that proxy and resets its connections (as an
 * apiserver that went away would), leaving the shared apiserver running.
 */
import { afterAll, beforeAll, inject } from 'vitest';
import { describeHealthCases } from '../../../packages/election/test/observability/health-cases.js';
import { connectKubeApiserver, type KubeApiserverHandle } from '../src/apiserver.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../src/tcp-proxy.js';

let kube: KubeApiserverHandle;
const proxies = new Map<string, TcpProxy>();
beforeAll(() => {
  kube = connectKubeApiserver(inject('kube'));
});
afterAll(async () => {
  for (const proxy of proxies.values()) await proxy.close();
});

describeHealthCases('real kube-apiserver through a TCP proxy', () => ({
  async prepare({ leaseName }) {
    const namespace = await kube.namespace({ prefix: 'health', leaseName });
    const proxy = await startTcpProxy(kube.url);
    proxies.set(namespace, proxy);
    return { namespace, kubeConfig: throughProxy(kube.restrictedKubeConfig, proxy) };
  },
  async cutOff(namespace) {
    const proxy = proxies.get(namespace);
    if (!proxy) throw new Error(`no proxy for ${namespace}`);
    await proxy.cut();
    return { restore: () => proxy.restore() };
  },
}));
