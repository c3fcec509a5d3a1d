/**
 * Each fault kind, observed through the stock client-node: what the client sees, what the
 * fault is scoped to, and that undoing it restores normal service.
 */
import { CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type LeaseServer, type LeaseServerOptions, startLeaseServer } from '../src/index.js';
import { ManualServerClock, recordWatch, statusOf, until } from './helpers.js';

const NS = 'default';
const PATH = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;

let server: LeaseServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: LeaseServerOptions = {}) {
  server = await startLeaseServer(options);
  const api = server.kubeConfig.makeApiClient(CoordinationV1Api);
  await api.createNamespacedLease({
    namespace: NS,
    body: { metadata: { name: 'a' }, spec: { holderIdentity: 'h' } },
  });
  server.stats.reset();
  return { server, api, read: (name = 'a') => api.readNamespacedLease({ name, namespace: NS }) };
}

/** Settles a promise into a tagged result, so a test can look at it without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

describe('failNext', () => {
  it.each([
    [500, 'InternalError'],
    [503, 'ServiceUnavailable'],
    [409, 'Conflict'],
    [403, 'Forbidden'],
    [401, 'Unauthorized'],
  ] as const)('answers %i with a %s Status, for the given count only', async (code, reason) => {
    const { server, read } = await start();
    const handle = server.faults.failNext({ status: code, count: 2 });
    expect((await statusOf(read())).httpCode).toBe(code);
    // client-node keeps no body for a 401; read the second answer raw.
    const second = await fetch(`${server.url}${PATH}/a`);
    expect(second.status).toBe(code);
    expect(await second.json()).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason,
      code,
    });
    expect(handle).toMatchObject({ active: false, hits: 2 });
    expect((await read()).spec?.holderIdentity).toBe('h');
  });

  it('answers 429 with Retry-After and details.retryAfterSeconds', async () => {
    const { server, read } = await start();
    server.faults.failNext({ status: 429, retryAfterSeconds: 7 });
    const status = await statusOf(read());
    expect(status).toMatchObject({
      httpCode: 429,
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 7 },
    });
    expect(status.headers['retry-after']).toBe('7');
  });

  it('fails only requests that match verb and name', async () => {
    const { server, api, read } = await start();
    await api.createNamespacedLease({ namespace: NS, body: { metadata: { name: 'b' }, spec: {} } });
    server.faults.failNext({ status: 503, match: { verb: 'get', name: 'b' } });
    await api.listNamespacedLease({ namespace: NS });
    await read('a');
    expect((await statusOf(read('b'))).code).toBe(503);
    await read('b');
  });
});

describe('latency', () => {
  it('holds matching requests until the delay has passed', async () => {
    const clock = new ManualServerClock();
    const { server, read, api } = await start({ clock });
    const handle = server.faults.latency(500, { verb: 'get' });
    const slow = track(read());
    await until(() => server?.stats.verbs.get === 1, 'the request to arrive');
    // Other verbs are not delayed while the read waits.
    await api.listNamespacedLease({ namespace: NS });
    expect(slow.settled).toBe(false);
    clock.advance(500);
    await until(() => slow.settled, 'the delayed read');
    expect(slow.value?.spec?.holderIdentity).toBe('h');
    handle.undo();
    await read();
  });
});

describe('partition', () => {
  it('hangs requests until healed, then drops them like a reset connection', async () => {
    const { server, read } = await start();
    server.faults.partition();
    const hanging = track(read());
    await until(() => server?.stats.verbs.get === 1, 'the request to arrive');
    expect(hanging.settled).toBe(false);
    server.faults.heal();
    await until(() => hanging.settled, 'the dropped request');
    expect(hanging.error).toBeDefined();
    expect((hanging.error as { code?: number }).code).toBeUndefined();
    expect((await read()).spec?.holderIdentity).toBe('h');
  });

  it("delivers held writes late with onHeal 'deliver'", async () => {
    const { server, api, read } = await start();
    const current = await read();
    server.faults.partition({ match: { verb: 'update' }, onHeal: 'deliver' });
    const late = track(
      api.replaceNamespacedLease({
        name: 'a',
        namespace: NS,
        body: { ...current, spec: { holderIdentity: 'late' } },
      }),
    );
    await until(() => server?.stats.verbs.update === 1, 'the write to arrive');
    expect((await read()).spec?.holderIdentity).toBe('h');
    server.faults.heal();
    await until(() => late.settled, 'the delivered write');
    expect((await read()).spec?.holderIdentity).toBe('late');
  });

  it('stalls open watches until healed, then delivers what they missed', async () => {
    const { server, api } = await start();
    const current = await api.readNamespacedLease({ name: 'a', namespace: NS });
    const watch = await recordWatch(server.kubeConfig, PATH, {
      resourceVersion: current.metadata?.resourceVersion,
    });
    await until(() => server?.stats.openWatches === 1, 'the watch to open');
    const handle = server.faults.partition({ match: { verb: 'watch' } });
    await api.replaceNamespacedLease({
      name: 'a',
      namespace: NS,
      body: { ...current, spec: { holderIdentity: 'during' } },
    });
    expect(watch.events).toEqual([]);
    handle.undo();
    const [event] = await watch.atLeast(1);
    expect(event?.object.spec.holderIdentity).toBe('during');
    watch.abort();
  });
});

describe('watch faults', () => {
  const openWatch = async (srv: LeaseServer, api: CoordinationV1Api) => {
    const current: V1Lease = await api.readNamespacedLease({ name: 'a', namespace: NS });
    const watch = await recordWatch(srv.kubeConfig, PATH, {
      resourceVersion: current.metadata?.resourceVersion,
    });
    await until(() => srv.stats.openWatches === 1, 'the watch to open');
    return { watch, current };
  };

  it("dropWatches 'close' ends streams cleanly, 'reset' breaks them", async () => {
    const { server, api } = await start();
    const first = await openWatch(server, api);
    expect(server.faults.dropWatches()).toBe(1);
    expect(await first.watch.done).toBeNull();
    const second = await openWatch(server, api);
    expect(server.faults.dropWatches({ mode: 'reset' })).toBe(1);
    expect(await second.watch.done).toBeInstanceOf(Error);
    await until(() => server?.stats.openWatches === 0, 'the watches to close');
  });

  it('dropWatches only ends the watches it matches', async () => {
    const { server, api } = await start();
    const watched = await recordWatch(server.kubeConfig, PATH, {
      fieldSelector: 'metadata.name=a',
    });
    const other = await recordWatch(server.kubeConfig, PATH, { fieldSelector: 'metadata.name=b' });
    await until(() => server?.stats.openWatches === 2, 'the watches to open');
    expect(server.faults.dropWatches({ match: { name: 'a' } })).toBe(1);
    expect(await watched.done).toBeNull();
    expect(server.stats.openWatches).toBe(1);
    other.abort();
    void api;
  });

  it('stallWatches holds events, resumeWatches delivers them in order', async () => {
    const { server, api } = await start();
    const { watch, current } = await openWatch(server, api);
    server.faults.stallWatches();
    const one = await api.replaceNamespacedLease({
      name: 'a',
      namespace: NS,
      body: { ...current, spec: { holderIdentity: 'one' } },
    });
    await api.replaceNamespacedLease({
      name: 'a',
      namespace: NS,
      body: { ...one, spec: { holderIdentity: 'two' } },
    });
    expect(watch.events).toEqual([]);
    expect(server.stats.openWatches).toBe(1);
    server.faults.resumeWatches();
    const events = await watch.atLeast(2);
    expect(events.map((e) => e.object.spec.holderIdentity)).toEqual(['one', 'two']);
    watch.abort();
  });

  it('forceGone answers the next watch with an in-band 410, then lets watches through', async () => {
    const { server, api } = await start();
    server.faults.forceGone();
    const current = await api.readNamespacedLease({ name: 'a', namespace: NS });
    const gone = await recordWatch(server.kubeConfig, PATH, {
      resourceVersion: current.metadata?.resourceVersion,
    });
    expect(await gone.done).toBeNull();
    expect(gone.events.map((e) => [e.type, e.object.code, e.object.reason])).toEqual([
      ['ERROR', 410, 'Expired'],
    ]);
    const fine = await openWatch(server, api);
    expect(fine.watch.events).toEqual([]);
    fine.watch.abort();
  });

  it('compact makes every older version 410 while the current one still works', async () => {
    const { server, api } = await start();
    const before = await api.readNamespacedLease({ name: 'a', namespace: NS });
    const after = await api.replaceNamespacedLease({
      name: 'a',
      namespace: NS,
      body: { ...before, spec: { holderIdentity: 'x' } },
    });
    server.faults.compact();
    const old = await recordWatch(server.kubeConfig, PATH, {
      resourceVersion: before.metadata?.resourceVersion,
    });
    expect(await old.done).toBeNull();
    expect(old.events[0]?.object).toMatchObject({
      code: 410,
      message: `too old resource version: ${before.metadata?.resourceVersion} (${after.metadata?.resourceVersion})`,
    });
    const current = await recordWatch(server.kubeConfig, PATH, {
      resourceVersion: after.metadata?.resourceVersion,
    });
    await until(() => server?.stats.openWatches === 1, 'the watch to open');
    current.abort();
  });
});

describe('reset', () => {
  it('lifts every active fault at once', async () => {
    const { server, read } = await start();
    server.faults.failNext({ status: 500, count: 100 });
    server.faults.latency(60_000);
    server.faults.stallWatches();
    server.faults.forceGone({ count: 5 });
    expect(server.faults.active.map((f) => f.kind)).toEqual([
      'failNext',
      'latency',
      'stallWatches',
      'forceGone',
    ]);
    server.faults.reset();
    expect(server.faults.active).toEqual([]);
    expect((await read()).spec?.holderIdentity).toBe('h');
  });
});
