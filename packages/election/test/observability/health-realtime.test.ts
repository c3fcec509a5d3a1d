/**
 * The real-time liveness cases (health-cases.ts) on the embedded server, through the real
 * `@kubernetes/client-node`; the outage is the server's partition fault scoped to the case's
 * namespace (requests hang, watches deliver nothing).
 */
import { type LeaseServer, startLeaseServer } from '@leasehold/testing';
import { afterAll, beforeAll } from 'vitest';
import { describeHealthCases } from './health-cases.js';

let server: LeaseServer;
let namespaces = 0;

beforeAll(async () => {
  server = await startLeaseServer();
});
afterAll(async () => {
  await server?.close();
});

describeHealthCases('embedded server', () => ({
  async prepare() {
    return { namespace: `health-${++namespaces}`, kubeConfig: server.kubeConfig };
  },
  async cutOff(namespace) {
    const partition = server.faults.partition({ match: { namespace } });
    return { restore: () => partition.undo() };
  },
}));
