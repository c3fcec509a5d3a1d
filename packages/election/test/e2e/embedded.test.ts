import { type LeaseServer, startLeaseServer } from '@leasehold/testing';
import { afterAll, beforeAll } from 'vitest';
import { describeElectorCases } from './elector-cases.js';

let server: LeaseServer;
let namespaces = 0;

beforeAll(async () => {
  server = await startLeaseServer();
});
afterAll(async () => {
  await server?.close();
});

describeElectorCases('embedded server', () => ({
  async prepare() {
    return {
      namespace: `e2e-${++namespaces}`,
      kubeConfig: server.kubeConfig,
      adminKubeConfig: server.kubeConfig,
    };
  },
  async forbidden() {
    const namespace = `forbidden-${++namespaces}`;
    server.faults.failNext({ status: 403, count: 1_000_000, match: { namespace } });
    return { namespace, kubeConfig: server.kubeConfig };
  },
  faults: server.faults,
}));
