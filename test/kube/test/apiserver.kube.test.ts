import { performance } from 'node:perf_hooks';
import {
  ApiException,
  CoordinationV1Api,
  type KubeConfig,
  type V1Lease,
  V1MicroTime,
  Watch,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectKubeApiserver,
  type KubeApiserverHandle,
  startKubeApiserver,
} from '../src/apiserver.js';
import { leadershipIntervals, overlaps, startGoElector } from '../src/electors.js';
import { rawRequest } from '../src/http.js';
import { electorRules, watchOnlyRules } from '../src/rbac.js';

const LEASES = '/apis/coordination.k8s.io/v1';

let kube: KubeApiserverHandle;
beforeAll(() => {
  kube = connectKubeApiserver(inject('kube'));
});

interface Status {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; group?: string; kind?: string };
}

function lease(name: string, holder: string): V1Lease {
  const now = new V1MicroTime();
  return {
    metadata: { name },
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: 15,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    },
  };
}

/** Runs a client-node call that must fail; returns the HTTP code and the parsed Status. */
async function failure(call: Promise<unknown>): Promise<{ code: number; status: Status }> {
  try {
    await call;
  } catch (e) {
    if (e instanceof ApiException) {
      const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
      return { code: e.code, status: JSON.parse(body) as Status };
    }
    throw e;
  }
  throw new Error('expected the call to fail');
}

type WatchEvent = { type: string; object: Record<string, unknown> };

/**
 * Opens a client-node watch, collects events until `until` matches one (or the watch ends),
 * then aborts it. Returns the events and how it ended.
 */
async function collectWatch(
  kc: KubeConfig,
  path: string,
  query: Record<string, string>,
  until: (e: WatchEvent) => boolean,
  timeoutMs = 15_000,
  onOpen?: () => Promise<void>,
): Promise<{ events: WatchEvent[]; done: unknown }> {
  const events: WatchEvent[] = [];
  let finish!: (done: unknown) => void;
  const ended = new Promise<unknown>((resolve) => {
    finish = resolve;
  });
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, object: Record<string, unknown>) => {
      const e = { type, object };
      events.push(e);
      if (until(e)) finish('matched');
    },
    (err) => finish(err ?? 'closed'),
  );
  const timer = setTimeout(() => finish('timeout'), timeoutMs);
  if (onOpen) await onOpen();
  const done = await ended;
  clearTimeout(timer);
  controller.abort();
  return { events, done };
}

/**
 * Creates a Lease, updates it three times, compacts etcd (through its gRPC gateway) at its
 * head revision, then watches the Lease from the first (now compacted) resourceVersion.
 */
async function compactedWatch(server: KubeApiserverHandle): Promise<{
  rv0: string;
  compactedAt: string;
  events: WatchEvent[];
  done: unknown;
}> {
  const ns = await server.namespace();
  const api = server.adminKubeConfig.makeApiClient(CoordinationV1Api);
  const first = await api.createNamespacedLease({ namespace: ns, body: lease('old', 'a') });
  const rv0 = first.metadata?.resourceVersion ?? '';
  let cur = first;
  for (let i = 0; i < 3; i++) {
    const body = { ...cur, spec: { ...cur.spec, renewTime: new V1MicroTime() } };
    cur = await api.replaceNamespacedLease({ name: 'old', namespace: ns, body });
  }
  const etcd = server.info.etcdUrl;
  const head = (await (
    await fetch(`${etcd}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({ key: Buffer.from('/').toString('base64'), limit: 1 }),
    })
  ).json()) as { header: { revision: string } };
  const compactedAt = head.header.revision;
  const compact = await fetch(`${etcd}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: compactedAt, physical: true }),
  });
  if (compact.status !== 200)
    throw new Error(`compaction: ${compact.status} ${await compact.text()}`);
  const lastRv = cur.metadata?.resourceVersion;
  const { events, done } = await collectWatch(
    server.adminKubeConfig,
    `${LEASES}/namespaces/${ns}/leases`,
    { fieldSelector: 'metadata.name=old', resourceVersion: rv0 },
    (e) =>
      e.type === 'ERROR' ||
      (e.object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion === lastRv,
    10_000,
  );
  return { rv0, compactedAt, events, done };
}

describe('the built kube-apiserver', () => {
  it('reports the version it was built as', async () => {
    const r = await rawRequest(kube.admin, 'GET', '/version');
    expect(r.status).toBe(200);
    const v = r.json as { gitVersion: string; major: string; minor: string };
    console.log(`[kube] /version: ${r.text.replace(/\s+/g, ' ')}`);
    expect(v.gitVersion).toBe(kube.info.version);
    expect(`v${v.major}.${v.minor}.`).toBe(kube.info.version.replace(/^(v\d+\.\d+\.).*$/, '$1'));
  });
});

describe('the minimal elector Role (docs/rbac.md)', () => {
  const NAME = 'lock';

  it('lets the restricted user get, create, update, list and watch its Lease by name', async () => {
    const ns = await kube.namespace({ leaseName: NAME });
    const api = kube.restrictedKubeConfig.makeApiClient(CoordinationV1Api);

    // get of a missing Lease is authorized (404, not 403)
    const missing = await failure(api.readNamespacedLease({ name: NAME, namespace: ns }));
    expect(missing.code).toBe(404);

    const created = await api.createNamespacedLease({ namespace: ns, body: lease(NAME, 'a') });
    expect(created.spec?.holderIdentity).toBe('a');
    const read = await api.readNamespacedLease({ name: NAME, namespace: ns });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    // On reads, MicroTime arrives as a string with six fractional digits.
    expect(String(read.spec?.renewTime)).toMatch(/\.\d{6}Z$/);
    const listed = await api.listNamespacedLease({
      namespace: ns,
      fieldSelector: `metadata.name=${NAME}`,
    });
    expect(listed.items.map((l) => l.metadata?.resourceVersion)).toEqual([
      read.metadata?.resourceVersion,
    ]);

    // watch one Lease by name (no `list` in the Role), starting at the read's version
    const watched = await collectWatch(
      kube.restrictedKubeConfig,
      `${LEASES}/namespaces/${ns}/leases`,
      {
        fieldSelector: `metadata.name=${NAME}`,
        resourceVersion: read.metadata?.resourceVersion ?? '',
        allowWatchBookmarks: 'true',
      },
      (e) => e.type === 'MODIFIED',
      15_000,
      async () => {
        const body = { ...read, spec: { ...read.spec, holderIdentity: 'b' } };
        body.spec.renewTime = new V1MicroTime();
        const updated = await api.replaceNamespacedLease({ name: NAME, namespace: ns, body });
        expect(updated.spec?.holderIdentity).toBe('b');
      },
    );
    expect(watched.done).toBe('matched');
    const modified = watched.events.find((e) => e.type === 'MODIFIED');
    expect((modified?.object.spec as { holderIdentity?: string } | undefined)?.holderIdentity).toBe(
      'b',
    );
  });

  it('forbids everything else, with a 403 Status naming the verb', async () => {
    const ns = await kube.namespace({ leaseName: NAME });
    const api = kube.restrictedKubeConfig.makeApiClient(CoordinationV1Api);
    await api.createNamespacedLease({ namespace: ns, body: lease(NAME, 'a') });
    const user = kube.restrictedUser;

    const cases: [string, string, () => Promise<unknown>][] = [
      [
        'create',
        'default',
        () => api.createNamespacedLease({ namespace: 'default', body: lease(NAME, 'a') }),
      ],
      ['get', 'default', () => api.readNamespacedLease({ name: NAME, namespace: 'default' })],
      ['get', ns, () => api.readNamespacedLease({ name: 'other', namespace: ns })],
      [
        'update',
        ns,
        () =>
          api.replaceNamespacedLease({ name: 'other', namespace: ns, body: lease('other', 'a') }),
      ],
      ['list', ns, () => api.listNamespacedLease({ namespace: ns })],
      ['delete', ns, () => api.deleteNamespacedLease({ name: NAME, namespace: ns })],
      [
        'patch',
        ns,
        () =>
          api.patchNamespacedLease({
            name: NAME,
            namespace: ns,
            body: [{ op: 'test', path: '/spec/holderIdentity', value: 'a' }],
          }),
      ],
    ];
    for (const [verb, where, call] of cases) {
      const { code, status } = await failure(call());
      expect(code, `${verb} in ${where}`).toBe(403);
      expect(status.reason).toBe('Forbidden');
      expect(status.message).toContain(`User "${user}" cannot ${verb} resource "leases"`);
      expect(status.message).toContain(`in the namespace "${where}"`);
      console.log(`[kube] 403 ${verb}: ${status.message}`);
    }

    // Watches: by name is allowed (above); without the field selector, or on another name, not.
    for (const [query, verb] of [
      ['watch=true', 'watch'],
      ['watch=true&fieldSelector=metadata.name%3Dother', 'watch'],
    ] as const) {
      const r = await rawRequest(
        kube.restricted,
        'GET',
        `${LEASES}/namespaces/${ns}/leases?${query}`,
      );
      expect(r.status, query).toBe(403);
      const status = r.json as Status;
      expect(status.message).toContain(`cannot ${verb} resource "leases"`);
      console.log(`[kube] 403 ${query}: ${status.message}`);
    }
    // What client-node's Watch does with a 403: done(err) with statusCode, no Status body.
    const w = await collectWatch(
      kube.restrictedKubeConfig,
      `${LEASES}/namespaces/${ns}/leases`,
      {},
      () => true,
    );
    expect((w.done as { statusCode?: number }).statusCode).toBe(403);
  });

  it('a watch by name needs no list; list by name needs the field selector', async () => {
    const ns = await kube.namespace({ rules: watchOnlyRules(NAME) });
    const admin = kube.adminKubeConfig.makeApiClient(CoordinationV1Api);
    const created = await admin.createNamespacedLease({ namespace: ns, body: lease(NAME, '') });
    const api = kube.restrictedKubeConfig.makeApiClient(CoordinationV1Api);

    // Without `list` in the Role: the watch by name works ...
    const watched = await collectWatch(
      kube.restrictedKubeConfig,
      `${LEASES}/namespaces/${ns}/leases`,
      { fieldSelector: `metadata.name=${NAME}`, resourceVersion: '0' },
      (e) => e.type === 'ADDED',
    );
    expect(watched.done).toBe('matched');
    expect(
      (watched.events[0]?.object.metadata as { resourceVersion?: string } | undefined)
        ?.resourceVersion,
    ).toBe(created.metadata?.resourceVersion);
    // ... and a list, even by name, does not.
    const noList = await failure(
      api.listNamespacedLease({ namespace: ns, fieldSelector: `metadata.name=${NAME}` }),
    );
    expect(noList.code).toBe(403);
    console.log(`[kube] 403 list by name without list: ${noList.status.message}`);

    // With the full elector Role: list by name works, a plain list does not.
    const ns2 = await kube.namespace({ leaseName: NAME });
    await admin.createNamespacedLease({ namespace: ns2, body: lease(NAME, '') });
    const list = await api.listNamespacedLease({
      namespace: ns2,
      fieldSelector: `metadata.name=${NAME}`,
    });
    expect(list.items.map((l) => l.metadata?.name)).toEqual([NAME]);
    expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);
    // An empty list (the Lease does not exist yet) still carries a resourceVersion to watch from.
    const ns3 = await kube.namespace({ leaseName: NAME });
    const empty = await api.listNamespacedLease({
      namespace: ns3,
      fieldSelector: `metadata.name=${NAME}`,
    });
    expect(empty.items).toEqual([]);
    expect(empty.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect((await failure(api.listNamespacedLease({ namespace: ns2 }))).code).toBe(403);
  });

  it('no create needed when the Lease is pre-created', async () => {
    const rules = electorRules(NAME).filter((r) => r.resourceNames !== undefined);
    const ns = await kube.namespace({ rules });
    const admin = kube.adminKubeConfig.makeApiClient(CoordinationV1Api);
    await admin.createNamespacedLease({ namespace: ns, body: lease(NAME, '') });
    const api = kube.restrictedKubeConfig.makeApiClient(CoordinationV1Api);
    const cur = await api.readNamespacedLease({ name: NAME, namespace: ns });
    const body = { ...cur, spec: { ...cur.spec, holderIdentity: 'me' } };
    body.spec.renewTime = new V1MicroTime();
    const taken = await api.replaceNamespacedLease({ name: NAME, namespace: ns, body });
    expect(taken.spec?.holderIdentity).toBe('me');
    const denied = await failure(
      api.createNamespacedLease({ namespace: ns, body: lease('another', 'me') }),
    );
    expect(denied.code).toBe(403);
  });
});

describe('API behaviour the elector depends on', () => {
  it('rejects a MicroTime with three fractional digits (400)', async () => {
    const ns = await kube.namespace();
    const ms = '2026-01-01T00:00:00.123Z';
    const r = await rawRequest(kube.admin, 'POST', `${LEASES}/namespaces/${ns}/leases`, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'three-digits' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: ms, acquireTime: ms },
    });
    expect(r.status).toBe(400);
    const status = r.json as Status;
    expect(status.reason).toBe('BadRequest');
    console.log(`[kube] 400 MicroTime: ${status.message}`);
    expect(status.message).toContain(ms);

    // The same through client-node when a plain Date is passed (Date#toISOString: 3 digits).
    const api = kube.adminKubeConfig.makeApiClient(CoordinationV1Api);
    const body = lease('plain-date', 'a');
    if (body.spec) body.spec.renewTime = new Date() as V1MicroTime;
    const viaClient = await failure(api.createNamespacedLease({ namespace: ns, body }));
    expect(viaClient.code).toBe(400);

    // Six digits are fine.
    const six = '2026-01-01T00:00:00.123456Z';
    const ok = await rawRequest(kube.admin, 'POST', `${LEASES}/namespaces/${ns}/leases`, {
      metadata: { name: 'six-digits' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: six },
    });
    expect(ok.status).toBe(201);
    expect((ok.json as V1Lease).spec?.renewTime).toBe(six);
  });

  it('rejects leaseDurationSeconds: 0 (422)', async () => {
    const ns = await kube.namespace();
    const r = await rawRequest(kube.admin, 'POST', `${LEASES}/namespaces/${ns}/leases`, {
      metadata: { name: 'zero' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 0 },
    });
    console.log(`[kube] ${r.status} leaseDurationSeconds 0: ${(r.json as Status).message}`);
    expect(r.status).toBe(422);
  });

  it('watch after etcd compaction: the watch cache still serves it; without the cache, 410', async () => {
    // On the shared apiserver (watch cache on, the default everywhere) ...
    const cached = await compactedWatch(kube);
    console.log(
      `[kube] watch cache on: compacted etcd at ${cached.compactedAt}, watch from ${cached.rv0}: ` +
        `${cached.events.map((e) => e.type).join(',')} (${String(cached.done)})`,
    );
    expect(cached.events.map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'MODIFIED']);

    // ... and on a second apiserver with --watch-cache=false, where watches go to etcd.
    const uncachedServer = await startKubeApiserver({ apiserverArgs: ['--watch-cache=false'] });
    try {
      const uncached = await compactedWatch(uncachedServer);
      const status = uncached.events[0]?.object as Status | undefined;
      console.log(
        `[kube] watch cache off: compacted etcd at ${uncached.compactedAt}, watch from ${uncached.rv0}: ` +
          `${uncached.events.map((e) => e.type).join(',')} ${JSON.stringify(status)} (${String(uncached.done)})`,
      );
      expect(uncached.events.map((e) => e.type)).toEqual(['ERROR']);
      expect(status?.code).toBe(410);
      expect(status?.reason).toBe('Expired');
    } finally {
      await uncachedServer.stop();
    }
  });
});

describe('client-go reference elector (cmd/goelector)', () => {
  it('two candidates on one Lease: exactly one leads; SIGTERM hands over without overlap', async () => {
    const NAME = 'goelector';
    const ns = await kube.namespace({ leaseName: NAME });
    const common = {
      binDir: kube.info.binDir,
      kubeconfig: kube.restrictedKubeconfigPath, // the minimal Role is enough for client-go
      namespace: ns,
      name: NAME,
      leaseDuration: '4s',
      renewDeadline: '3s',
      retryPeriod: '1s',
    };
    const a = startGoElector({ ...common, identity: 'go-a' });
    const b = startGoElector({ ...common, identity: 'go-b' });
    try {
      const first = await Promise.any([
        a.waitFor((e) => e.type === 'leading', 30_000),
        b.waitFor((e) => e.type === 'leading', 30_000),
      ]);
      const [leader, follower] = first.identity === 'go-a' ? [a, b] : [b, a];
      // Several retry periods later, still exactly one leader, and both agree on who.
      await follower.waitFor(
        (e) => e.type === 'new-leader' && e.leader === leader.identity,
        10_000,
      );
      await new Promise((r) => setTimeout(r, 3000));
      expect(follower.events.some((e) => e.type === 'leading')).toBe(false);
      expect(leader.events.some((e) => e.type === 'stopped-leading')).toBe(false);

      const tStop = performance.now();
      leader.signal('SIGTERM');
      const takeover = await follower.waitFor((e) => e.type === 'leading', 20_000);
      const code = await leader.exited;
      expect(code).toBe(0);
      const stopped = leader.events.find((e) => e.type === 'stopped-leading');
      expect(stopped).toBeDefined();
      expect(leader.events.at(-1)?.type).toBe('exit');

      const intervals = leadershipIntervals([...a.events, ...b.events]);
      expect(intervals.map((i) => i.identity)).toEqual([leader.identity, follower.identity]);
      expect(overlaps(intervals)).toEqual([]);
      const gapMs = Number(takeover.at - (stopped?.at ?? 0n)) / 1e6;
      console.log(
        `[kube] goelector handover ${leader.identity} -> ${follower.identity}: ` +
          `${gapMs.toFixed(1)} ms from stopped-leading to leading ` +
          `(${(performance.now() - tStop).toFixed(0)} ms after SIGTERM, as observed by the test)`,
      );
      // Released lease + retry period 1 s × jitter ≤ 2.2: well under the 4 s lease duration.
      expect(gapMs).toBeGreaterThan(0);
      expect(gapMs).toBeLessThan(4000);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
