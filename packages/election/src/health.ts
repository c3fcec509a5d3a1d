/**
 * `@leasehold/election/health`: liveness and readiness endpoints for `node:http`.
 *
 * @remarks
 * Answers like the Kubernetes components' health endpoints: `GET /livez` (and `/healthz`)
 * runs each elector's `health()`, `GET /readyz` its `readiness()`; 200 when every check
 * passes, 500 otherwise, with one `[+]name ok` / `[-]name failed: reason` line per check. A
 * liveness probe on `/livez` restarts a process that acts as leader past its lease (or whose
 * elector is stuck) and never one that merely cannot reach the API server.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createHealthHandler } from '@leasehold/election/health';
 * createServer(createHealthHandler(elector)).listen(8081);
 * ```
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HealthOptions, HealthStatus } from './handle/elector-health.js';

export type { HealthOptions, HealthStatus } from './handle/elector-health.js';

/** What the handler probes: an elector, or anything with the same two methods. */
export interface HealthSource {
  readonly config?: { readonly name: string; readonly namespace: string };
  health(options?: HealthOptions): HealthStatus;
  readiness(): HealthStatus;
}

/** Options of {@link createHealthHandler}. */
export interface HealthHandlerOptions extends HealthOptions {
  /** Liveness paths. @defaultValue `['/livez', '/healthz']` */
  readonly livenessPaths?: readonly string[];
  /** Readiness paths. @defaultValue `['/readyz']` */
  readonly readinessPaths?: readonly string[];
}

/** The check name of a source: `leaderElection`, or with the Lease when there are several. */
const checkName = (source: HealthSource, many: boolean) =>
  many && source.config
    ? `leaderElection:${source.config.namespace}/${source.config.name}`
    : 'leaderElection';

/** Runs the checks and renders the body; `ok` when all passed. */
export function renderChecks(
  sources: readonly HealthSource[],
  probe: (source: HealthSource) => HealthStatus,
): { readonly ok: boolean; readonly body: string } {
  const many = sources.length > 1;
  const lines: string[] = [];
  let ok = true;
  for (const source of sources) {
    let status: HealthStatus;
    try {
      status = probe(source);
    } catch (error) {
      status = { ok: false, reason: `check threw: ${String(error)}` };
    }
    ok &&= status.ok;
    const name = checkName(source, many);
    lines.push(
      status.ok ? `[+]${name} ok: ${status.reason}` : `[-]${name} failed: ${status.reason}`,
    );
  }
  lines.push(ok ? 'check passed' : 'check failed');
  return { ok, body: `${lines.join('\n')}\n` };
}

/**
 * A `node:http` request listener serving liveness and readiness of one or more electors.
 * Other paths and methods get 404 / 405.
 */
export function createHealthHandler(
  electors: HealthSource | readonly HealthSource[],
  options: HealthHandlerOptions = {},
): (request: IncomingMessage, response: ServerResponse) => void {
  const sources = Array.isArray(electors) ? electors : [electors as HealthSource];
  const liveness = options.livenessPaths ?? ['/livez', '/healthz'];
  const readiness = options.readinessPaths ?? ['/readyz'];
  const probeOptions: HealthOptions =
    options.toleranceMs === undefined ? {} : { toleranceMs: options.toleranceMs };
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const live = liveness.includes(path);
    if (!live && !readiness.includes(path)) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const { ok, body } = renderChecks(sources, (source) =>
      live ? source.health(probeOptions) : source.readiness(),
    );
    response
      .writeHead(ok ? 200 : 500, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      })
      .end(request.method === 'HEAD' ? undefined : body);
  };
}
