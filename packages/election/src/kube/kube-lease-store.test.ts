/**
 * The Kubernetes adapter against the embedded Lease API server, through the real client-node:
 * the shared conformance suite, then what only a server that validates like the real one can
 * show (MicroTime formats, injected API failures, watch faults).
 */
import { CoordinationV1Api, type KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { startLeaseServer } from '@leasehold/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isStoreError } from '../core/errors.js';
import { type LeaseObject, parseLease, type StoredLease } from '../core/lease-record.js';
import { eventually, lease, startWatch } from '../testing/conformance-kit.js';
import { describeLeaseStoreConformance } from '../testing/lease-store-conformance.js';
import { createKubernetesLeaseStore } from './kube-lease-store.js';

const NAME = 'conformance';
const NAMESPACE = 'default';
/** Another client on the same server: its own API client, unconditional writes. */
function otherClient(kubeConfig: KubeConfig) {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  const current = () =>
    api.readNamespacedLease({ name: NAME, namespace: NAMESPACE }).then(
      (found) => found,
      (error: { code?: number }) => {
        if (error.code === 404) return null;
        throw error;
      },
    );
  return {
    async write(object: LeaseObject): Promise<StoredLease> {
      const found = await current();
      const metadata = { ...object.metadata, name: NAME, namespace: NAMESPACE };
      if (found === null) {
        const { resourceVersion: _rv, uid: _uid, ...fresh } = metadata;
        const body = { ...object, metadata: fresh } as never;
        return parseLease(await api.createNamespacedLease({ namespace: NAMESPACE, body }));
      }
      const body = {
        ...object,
        metadata: { ...metadata, resourceVersion: found.metadata?.resourceVersion },
      } as never;
      return parseLease(
        await api.replaceNamespacedLease({ name: NAME, namespace: NAMESPACE, body }),
      );
    },
    async delete(): Promise<void> {
      await api.deleteNamespacedLease({ name: NAME, namespace: NAMESPACE });
    },
  };
}

describeLeaseStoreConformance('Kubernetes adapter on the embedded API server', async () => {
  const server = await startLeaseServer();
  const other = otherClient(server.kubeConfig);
  return {
    store: createKubernetesLeaseStore({
      kubeConfig: server.kubeConfig,
      name: NAME,
      namespace: NAMESPACE,
    }),
    writeAsOtherClient: (object) => other.write(object),
    deleteLease: () => other.delete(),
    forceGone: async () => server.faults.compact(),
    close: () => server.close(),
  };
});

describe('Kubernetes adapter on the embedded API server', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
  const start = async () => {
    const server = await startLeaseServer();
    close = () => server.close();
    const store = createKubernetesLeaseStore({
      kubeConfig: server.kubeConfig,
      name: NAME,
      namespace: NAMESPACE,
    });
    return { server, store };
  };
  const signal = () => AbortSignal.timeout(10_000);
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  it('writes a V1MicroTime with six digits; a plain Date (three digits) is refused', async () => {
    const { store } = await start();
    const at = Date.parse('2026-01-02T03:04:05.678Z');
    const refused = await failure(
      store.create(lease(store, { renewTime: new Date(at) }), signal()),
    );
    expect(isStoreError(refused, 'invalid')).toBe(true);
    const created = await store.create(lease(store, { renewTime: new V1MicroTime(at) }), signal());
    expect(created.record.renewTime).toBe('2026-01-02T03:04:05.678000Z');
    expect((await store.get(signal()))?.record.renewTime).toBe('2026-01-02T03:04:05.678000Z');
  });

  it("maps the server's 429 with Retry-After and its 403 with the RBAC message", async () => {
    const { server, store } = await start();
    server.faults.failNext({ status: 429, retryAfterSeconds: 3 });
    const throttled = await failure(store.get(signal()));
    expect(isStoreError(throttled, 'unavailable') && throttled.retryAfterMs).toBe(3000);
    server.faults.failNext({ status: 403 });
    const denied = await failure(store.list(signal()));
    expect(isStoreError(denied, 'forbidden')).toBe(true);
    expect(await store.get(signal())).toBeNull();
  });

  it('rejects a watch with gone when the server answers a too-old version in band', async () => {
    const { server, store } = await start();
    const listing = await store.list(signal());
    server.faults.forceGone();
    const error = await failure(startWatch(store, listing.resourceVersion).done);
    expect(isStoreError(error, 'gone')).toBe(true);
  });

  it('resolves a watch the server closes, having delivered what came before', async () => {
    const { server, store } = await start();
    const listing = await store.list(signal());
    const watch = startWatch(store, listing.resourceVersion);
    await store.create(lease(store, { holderIdentity: 'a' }), signal());
    await eventually(() => expect(watch.changes()).toHaveLength(1));
    server.faults.dropWatches();
    await expect(watch.done).resolves.toBeUndefined();
  });
});
