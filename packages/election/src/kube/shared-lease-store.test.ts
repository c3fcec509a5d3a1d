/**
 * The shared-watch store (one namespace informer for many Leases) against the embedded API
 * server through the real client-node: the shared conformance suite, then what only the
 * shared path does (one watch for many Leases, resync for all on 410, read-your-writes).
 */
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { startLeaseServer } from '@leasehold/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type LeaseObject, parseLease, type StoredLease } from '../core/lease-record.js';
import { eventually, lease, startWatch } from '../testing/conformance-kit.js';
import { describeLeaseStoreConformance } from '../testing/lease-store-conformance.js';
import { createSharedLeaseStores, type SharedLeaseStores } from './shared-lease-store.js';

const NAME = 'conformance';
const NAMESPACE = 'default';

/** Another client: its own API client, unconditional writes. */
function otherClient(kubeConfig: KubeConfig, name: string) {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  return {
    async write(object: LeaseObject): Promise<StoredLease> {
      const found = await api
        .readNamespacedLease({ name, namespace: NAMESPACE })
        .catch((error: { code?: number }) => {
          if (error.code === 404) return null;
          throw error;
        });
      const metadata = { ...object.metadata, name, namespace: NAMESPACE };
      if (found === null) {
        const { resourceVersion: _rv, uid: _uid, ...fresh } = metadata;
        const body = { ...object, metadata: fresh } as never;
        return parseLease(await api.createNamespacedLease({ namespace: NAMESPACE, body }));
      }
      const rv = found.metadata?.resourceVersion;
      const body = { ...object, metadata: { ...metadata, resourceVersion: rv } } as never;
      return parseLease(await api.replaceNamespacedLease({ name, namespace: NAMESPACE, body }));
    },
    delete: async () => void (await api.deleteNamespacedLease({ name, namespace: NAMESPACE })),
  };
}

/**
 * Compacts the server's history (for watches that reach the server) and makes the shared
 * watch hit a 410; waits until the informer has listed again.
 */
async function forceResync(
  server: Awaited<ReturnType<typeof startLeaseServer>>,
  stores: SharedLeaseStores,
) {
  const before = stores.informer.stats.resyncs;
  server.faults.compact();
  server.faults.forceGone();
  server.faults.dropWatches();
  await eventually(() => expect(stores.informer.stats.resyncs).toBeGreaterThan(before));
  await stores.informer.list(NAME, AbortSignal.timeout(10_000));
}

describeLeaseStoreConformance('shared namespace watch on the embedded API server', async () => {
  const server = await startLeaseServer();
  const stores = createSharedLeaseStores({ kubeConfig: server.kubeConfig, namespace: NAMESPACE });
  const other = otherClient(server.kubeConfig, NAME);
  return {
    store: stores.store(NAME),
    writeAsOtherClient: (object) => other.write(object),
    deleteLease: () => other.delete(),
    forceGone: () => forceResync(server, stores),
    close: async () => {
      stores.close();
      await server.close();
    },
  };
});

describe('shared namespace watch', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
  const start = async (labels?: Record<string, string>) => {
    const server = await startLeaseServer();
    const stores = createSharedLeaseStores({
      kubeConfig: server.kubeConfig,
      namespace: NAMESPACE,
      ...(labels ? { labels } : {}),
    });
    cleanup = async () => {
      stores.close();
      await server.close();
    };
    return { server, stores };
  };
  const signal = () => AbortSignal.timeout(10_000);

  it('serves many Leases from one list and one watch, each seeing only its own changes', async () => {
    const { server, stores } = await start();
    const names = Array.from({ length: 20 }, (_, i) => `lease-${i}`);
    const watches = await Promise.all(
      names.map(async (name) => {
        const store = stores.store(name);
        const listing = await store.list(signal());
        return { store, watch: startWatch(store, listing.resourceVersion) };
      }),
    );
    for (const { store } of watches)
      await store.create(lease(store, { holderIdentity: store.name }), signal());
    for (const { store, watch } of watches) {
      await eventually(() => expect(watch.changes()).toHaveLength(1));
      const [only] = watch.changes();
      expect(only?.type === 'upsert' && only.lease.record.holderIdentity).toBe(store.name);
    }
    expect(server.stats.openWatches).toBe(1);
    expect(stores.informer.stats.lists).toBe(1);
    for (const { watch } of watches) watch.stop();
  });

  it('ends every watcher with gone on a 410 and relists once for all', async () => {
    const { server, stores } = await start();
    const a = stores.store('a');
    const b = stores.store('b');
    const [la, lb] = [await a.list(signal()), await b.list(signal())];
    const wa = startWatch(a, la.resourceVersion);
    const wb = startWatch(b, lb.resourceVersion);
    const listsBefore = stores.informer.stats.lists;
    server.faults.forceGone();
    server.faults.dropWatches();
    await expect(wa.done).rejects.toMatchObject({ kind: 'gone' });
    await expect(wb.done).rejects.toMatchObject({ kind: 'gone' });
    await a.list(signal());
    await b.list(signal());
    expect(stores.informer.stats.lists).toBe(listsBefore + 1);
  });

  it('lists its own write at once (read-your-writes through the shared cache)', async () => {
    const { stores } = await start();
    const store = stores.store('mine');
    for (let i = 0; i < 5; i++) {
      const current = (await store.list(signal())).lease;
      const written = current
        ? await store.replace(
            { ...current.object, spec: { ...current.object.spec, holderIdentity: `h${i}` } },
            current.resourceVersion,
            signal(),
          )
        : await store.create(lease(store, { holderIdentity: `h${i}` }), signal());
      expect((await store.list(signal())).lease?.resourceVersion).toBe(written.resourceVersion);
    }
  });

  it('with labels, watches only labelled Leases and stamps the labels on its writes', async () => {
    const { stores, server } = await start({ group: 'g1' });
    const outsider = otherClient(server.kubeConfig, 'outsider');
    const store = stores.store('member');
    await store.create(lease(store, { holderIdentity: 'x' }), signal());
    await outsider.write({ metadata: {}, spec: { holderIdentity: 'y' } } as LeaseObject);
    const listing = await store.list(signal());
    expect(listing.lease?.object.metadata.labels).toEqual({ group: 'g1' });
    expect((await stores.store('outsider').list(signal())).lease).toBeNull();
    expect((await stores.store('outsider').get(signal()))?.record.holderIdentity).toBe('y');
  });
});
