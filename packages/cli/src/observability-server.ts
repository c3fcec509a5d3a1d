/**
 * `--health-port`, `--metrics-port` and `--listen-address` of `run` and `candidate`: serves the
 * elector's liveness and readiness (`/livez`, `/healthz`, `/readyz`) and a Prometheus
 * `/metrics` over `node:http`.
 *
 * @remarks
 * The default address is `0.0.0.0`: in a container, the kubelet's probes and Prometheus reach
 * the pod's IP, never its loopback, so a loopback default would make both flags useless there.
 * Outside a container, `--listen-address 127.0.0.1` keeps the endpoints private. When both
 * ports are equal one server answers both sets of paths.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LeaderElector } from '@leasehold/election';
import { createHealthHandler } from '@leasehold/election/health';
import { instrumentElector } from '@leasehold/election/prometheus';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { integerValue, type RawValues, stringValue } from './args.js';

/** `parseArgs` configuration of the endpoint options. */
export const OBSERVABILITY_OPTIONS = {
  'health-port': { type: 'string' },
  'metrics-port': { type: 'string' },
  'listen-address': { type: 'string' },
} as const;

/** Help text of the endpoint options. */
export const OBSERVABILITY_OPTIONS_HELP = `Endpoint options:
  --health-port PORT      serve /livez, /healthz (fails only when this process acts as leader
                          past its renewals, or the elector is stuck) and /readyz (synced)
  --metrics-port PORT     serve Prometheus /metrics: leader_election_master_status{name} and
                          the leasehold_ series (docs/observability.md)
  --listen-address ADDR   address of both endpoints (default 0.0.0.0, so that probes reach
                          a container; 127.0.0.1 keeps them local)`;

/** Which endpoints to serve. */
export interface ObservabilityConfig {
  readonly healthPort?: number;
  readonly metricsPort?: number;
  readonly address: string;
}

/**
 * Reads the endpoint options.
 * @throws {@link UsageError} for a port out of range.
 */
export function observabilityFrom(command: string, values: RawValues): ObservabilityConfig {
  const healthPort = integerValue(command, values, 'health-port', 1, 65_535);
  const metricsPort = integerValue(command, values, 'metrics-port', 1, 65_535);
  return {
    ...(healthPort !== undefined && { healthPort }),
    ...(metricsPort !== undefined && { metricsPort }),
    address: stringValue(values, 'listen-address') ?? '0.0.0.0',
  };
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** `/metrics` of a registry, in the Prometheus text format. */
function metricsHandler(registry: Registry): Handler {
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: unknown) => response.writeHead(500).end(`${String(error)}\n`),
    );
  };
}

function listen(handler: Handler, port: number, address: string): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The running endpoints. */
export interface ObservabilityServers {
  /** Stops listening and stops recording metrics. */
  close(): Promise<void>;
}

/**
 * Starts the endpoints asked for; call before `elector.start()` so that the metrics see the
 * first transitions.
 * @throws when a port cannot be bound (in use, not permitted).
 */
export async function serveObservability(
  elector: LeaderElector,
  config: ObservabilityConfig,
): Promise<ObservabilityServers> {
  const servers: Server[] = [];
  let stopMetrics = (): void => {};
  const health = config.healthPort === undefined ? undefined : createHealthHandler(elector);
  let metrics: Handler | undefined;
  if (config.metricsPort !== undefined) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    stopMetrics = instrumentElector(elector, { registry });
    metrics = metricsHandler(registry);
  }
  const close = async (): Promise<void> => {
    stopMetrics();
    await Promise.all(
      servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  };
  try {
    if (health && metrics && config.healthPort === config.metricsPort) {
      const both = metrics;
      const either: Handler = (request, response) =>
        request.url?.startsWith('/metrics') ? both(request, response) : health(request, response);
      servers.push(await listen(either, config.healthPort as number, config.address));
    } else {
      if (health) servers.push(await listen(health, config.healthPort as number, config.address));
      if (metrics) {
        servers.push(await listen(metrics, config.metricsPort as number, config.address));
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}
