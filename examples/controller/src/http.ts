// /livez, /readyz and /metrics on one port.
//
// Liveness: the process is serving and its elector has not stopped. A follower is alive and
// ready: it is waiting for its turn, which is its job. Readiness fails while the elector's
// last error is fatal (e.g. 403: the Role is missing a verb), so a broken rollout shows up
// as unready pods instead of silently never leading.
import { createServer, type Server } from 'node:http';
import { type LeaderElector, LeaseStoreError } from '@leasehold/election';
import type { ControllerMetrics } from './metrics.ts';

export function startHttp(
  elector: LeaderElector,
  metrics: ControllerMetrics,
  port: number,
): Promise<Server> {
  const server = createServer((request, response) => {
    const state = elector.state;
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'content-type': type }).end(body);
    };
    switch (request.url) {
      case '/livez':
        return state.role === 'stopped' ? reply(503, 'stopped\n') : reply(200, 'ok\n');
      case '/readyz':
        if (state.role === 'stopped') return reply(503, 'stopped\n');
        if (state.error instanceof LeaseStoreError && state.error.isFatal)
          return reply(503, `${state.error.message}\n`);
        return reply(200, `${state.role}\n`);
      case '/metrics':
        return reply(200, metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
      default:
        return reply(404, 'not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
