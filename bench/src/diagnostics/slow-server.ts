/**
 * An embedded Lease API server in a process of its own, slowed by a fixed latency on every
 * request: `node bench/run.ts` with LEASEHOLD_BENCH_ENTRY pointing here, or
 * `node --import ./bench/src/hooks.ts bench/src/diagnostics/slow-server.ts '<json>'`.
 * Prints `{"url","kubeconfigPath"}` once listening, then a stats line every 5 s.
 */
import { startLeaseServer } from '@leasehold/testing';

const config = JSON.parse(process.argv[2] ?? '{}') as {
  latencyMs?: number;
  kubeconfigPath: string;
};
const server = await startLeaseServer();
if ((config.latencyMs ?? 0) > 0) server.faults.latency(config.latencyMs ?? 0);
await server.writeKubeconfig(config.kubeconfigPath);
process.stdout.write(
  `${JSON.stringify({ url: server.url, kubeconfigPath: config.kubeconfigPath })}\n`,
);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
