import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthHandler } from '../../src/health.js';
import { createFleet, type Fleet } from './fleet.js';

let fleets: Fleet[] = [];
let servers: Server[] = [];
afterEach(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  for (const f of fleets) await f.stopAll();
  servers = [];
  fleets = [];
});

async function serve(handler: RequestListener) {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, body: await response.text() };
  };
}

describe('createHealthHandler', () => {
  it('serves liveness and readiness over HTTP, failing liveness for a wedged leader', async () => {
    const f = createFleet(1);
    fleets.push(f);
    const elector = f.electors[0]!;
    const get = await serve(createHealthHandler(elector));
    expect((await get('/readyz')).status).toBe(500);
    elector.start();
    await f.settle();
    expect(await get('/readyz')).toMatchObject({ status: 200 });
    const live = await get('/livez');
    expect(live.status).toBe(200);
    expect(live.body).toMatch(/^\[\+\]leaderElection ok: leading ns\/lease/);
    f.clock.stall(40_000); // the event loop of the elector "blocked" past lease + 20 s
    const wedged = await get('/healthz');
    expect(wedged.status).toBe(500);
    expect(wedged.body).toMatch(/^\[-\]leaderElection failed: failed election to renew/);
    expect(wedged.body).toMatch(/check failed\n$/);
    expect((await get('/metrics')).status).toBe(404);
  });

  it('names each Lease when it checks several electors, and applies the tolerance', async () => {
    const f = createFleet(1);
    fleets.push(f);
    const g = createFleet(1);
    fleets.push(g);
    const other = {
      config: { name: 'other', namespace: 'ns' },
      health: g.electors[0]!.health.bind(g.electors[0]!),
      readiness: g.electors[0]!.readiness.bind(g.electors[0]!),
    };
    f.electors[0]!.start();
    await f.settle();
    const get = await serve(createHealthHandler([f.electors[0]!, other], { toleranceMs: 60_000 }));
    f.clock.stall(40_000);
    const live = await get('/livez');
    expect(live.status).toBe(200);
    expect(live.body).toContain('[+]leaderElection:ns/lease ok');
    expect(live.body).toContain('[+]leaderElection:ns/other ok: not started');
    const ready = await get('/readyz');
    expect(ready.status).toBe(500);
    expect(ready.body).toContain('[-]leaderElection:ns/other failed: not started');
  });
});
