// The example controller: every replica competes for one Lease; the leader reconciles,
// stamping each pass with its term's fencing token; SIGTERM drains the work and releases the
// Lease, so another replica takes over within a round trip.
import { createLeaderElector } from '@leasehold/election';
import { readConfig } from './config.ts';
import { startHttp } from './http.ts';
import { createMetrics } from './metrics.ts';
import { leaderWork, logReconciler } from './work.ts';

const config = readConfig();
const elector = createLeaderElector({
  name: config.leaseName,
  ...(config.namespace ? { namespace: config.namespace } : {}),
  identity: config.identity,
  // Leader work gets at most this long to stop after its term ends; the Deployment's
  // terminationGracePeriodSeconds (30 s) covers it with room for the release.
  drainTimeoutMs: 5_000,
  logger: {
    debug: () => {},
    info: (fields, message) =>
      console.log(JSON.stringify({ level: 'info', msg: message, ...fields })),
    warn: (fields, message) =>
      console.error(JSON.stringify({ level: 'warn', msg: message, ...fields })),
    error: (fields, message) =>
      console.error(JSON.stringify({ level: 'error', msg: message, ...fields })),
  },
});
const metrics = createMetrics(elector);
elector.runWhileLeader(leaderWork(logReconciler, config.reconcileEveryMs, metrics));
elector.leader$.subscribe((holder) => console.log(JSON.stringify({ msg: 'leader', holder })));
elector.start();
const server = await startHttp(elector, metrics, config.port);
const address = server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
console.log(JSON.stringify({ msg: 'started', identity: config.identity, port }));

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(JSON.stringify({ msg: 'stopping', signal }));
  await elector.stop(); // aborts the term, waits for the work (bounded), releases
  server.close();
  console.log(JSON.stringify({ msg: 'stopped' }));
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
