import type { TestProject } from 'vitest/node';
import {
  COORDINATED_LEADER_ELECTION_ARGS,
  type KubeApiserverInfo,
  startKubeApiserver,
} from '../src/apiserver.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kube: KubeApiserverInfo;
  }
}

/**
 * Starts ONE etcd + kube-apiserver for the whole run; the returned teardown always runs.
 * It runs with coordinated leader election on (see COORDINATED_LEADER_ELECTION_ARGS): the
 * elector's preferredHolder case and the coordinator case need it, and the embedded server
 * behaves like such a cluster (it keeps `strategy`/`preferredHolder`). What a default
 * cluster does instead is checked on a second apiserver (differential.kube.test.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kube = await startKubeApiserver({ apiserverArgs: COORDINATED_LEADER_ELECTION_ARGS });
  project.provide('kube', kube.info);
  return () => kube.stop();
}
