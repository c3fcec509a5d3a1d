// /livez, /healthz, /readyz (the library's health handler) and /metrics on one port.
//
// Liveness fails only when this process would act as leader past its lease or its elector is
// stuck, never because the API server is unreachable (restarting would not help). Readiness
// follows the elector's readiness() (e.g. it fails while a 403 says the Role lacks a verb).
// A follower is live and ready: waiting for its turn is its job.
import { createServer, type Server } from 'node:http';
import type { LeaderElector } from '@leasehold/election';
import { createHealthHandler } from '@leasehold/election/health';
import type { ControllerMetrics } from './metrics.ts';

export function startHttp(
  elector: LeaderElector,
  metrics: ControllerMetrics,
  port: number,
): Promise<Server> {
  const health = createHealthHandler(elector);
  const server = createServer((request, response) => {
    if (request.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) =>
          response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
      return;
    }
    health(request, response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
