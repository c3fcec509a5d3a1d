import type { TestProject } from 'vitest/node';
import { type KubeApiserverInfo, startKubeApiserver } from '../src/apiserver.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kube: KubeApiserverInfo;
  }
}

/** Starts ONE etcd + kube-apiserver for the whole run; the returned teardown always runs. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kube = await startKubeApiserver();
  project.provide('kube', kube.info);
  return () => kube.stop();
}
