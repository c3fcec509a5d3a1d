/**
 * The server through the stock `@kubernetes/client-node`: every verb, the real error bodies,
 * selectors and pagination, and every watch behaviour.
 */
import {
  CoordinationV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Lease,
  V1MicroTime,
} from '@kubernetes/client-node';
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
  return { server, api: server.kubeConfig.makeApiClient(CoordinationV1Api) };
}

const lease = (
  name: string,
  spec: V1Lease['spec'] = {},
  labels?: Record<string, string>,
): V1Lease => ({
  metadata: { name, ...(labels === undefined ? {} : { labels }) },
  spec,
});

describe('CRUD through client-node', () => {
  it('creates, reads, replaces and deletes with a global, increasing resourceVersion', async () => {
    const { api } = await start();
    const renew = new V1MicroTime(Date.parse('2026-03-04T05:06:07.891Z'));
    const created = await api.createNamespacedLease({
      namespace: NS,
      body: lease('a', {
        holderIdentity: 'one',
        leaseDurationSeconds: 15,
        renewTime: renew,
        leaseTransitions: 0,
      }),
    });
    expect(created.metadata?.namespace).toBe(NS);
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeDefined();
    // Reads deliver the MicroTime as the server's string: six digits, UTC.
    expect(String(created.spec?.renewTime)).toBe('2026-03-04T05:06:07.891000Z');

    const other = await api.createNamespacedLease({ namespace: NS, body: lease('b') });
    expect(Number(other.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );

    const read = await api.readNamespacedLease({ name: 'a', namespace: NS });
    expect(read.spec?.holderIdentity).toBe('one');
    const replaced = await api.replaceNamespacedLease({
      name: 'a',
      namespace: NS,
      body: { ...read, spec: { ...read.spec, holderIdentity: 'two' } },
    });
    expect(replaced.spec?.holderIdentity).toBe('two');
    expect(replaced.metadata?.uid).toBe(created.metadata?.uid);
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(
      Number(other.metadata?.resourceVersion),
    );

    const deleted = await api.deleteNamespacedLease({ name: 'a', namespace: NS });
    expect(deleted).toMatchObject({
      status: 'Success',
      details: {
        name: 'a',
        group: 'coordination.k8s.io',
        kind: 'leases',
        uid: created.metadata?.uid,
      },
    });
    const gone = await statusOf(api.readNamespacedLease({ name: 'a', namespace: NS }));
    expect(gone).toMatchObject({
      httpCode: 404,
      reason: 'NotFound',
      message: 'leases.coordination.k8s.io "a" not found',
      details: { name: 'a', group: 'coordination.k8s.io', kind: 'leases' },
    });
  });

  it('answers a duplicate create with 409 AlreadyExists', async () => {
    const { api } = await start();
    await api.createNamespacedLease({ namespace: NS, body: lease('a') });
    const status = await statusOf(api.createNamespacedLease({ namespace: NS, body: lease('a') }));
    expect(status).toMatchObject({
      httpCode: 409,
      code: 409,
      reason: 'AlreadyExists',
      message: 'leases.coordination.k8s.io "a" already exists',
    });
  });

  it('answers a replace from a stale resourceVersion with the real 409 Conflict', async () => {
    const { api } = await start();
    const first = await api.createNamespacedLease({
      namespace: NS,
      body: lease('a', { holderIdentity: 'x' }),
    });
    await api.replaceNamespacedLease({
      name: 'a',
      namespace: NS,
      body: { ...first, spec: { holderIdentity: 'y' } },
    });
    const status = await statusOf(
      api.replaceNamespacedLease({
        name: 'a',
        namespace: NS,
        body: { ...first, spec: { holderIdentity: 'z' } },
      }),
    );
    expect(status).toMatchObject({
      httpCode: 409,
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on leases.coordination.k8s.io "a": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'a', group: 'coordination.k8s.io', kind: 'leases' },
    });
    expect((await api.readNamespacedLease({ name: 'a', namespace: NS })).spec?.holderIdentity).toBe(
      'y',
    );
  });

  it('refuses a replace without resourceVersion, as Lease does not allow unconditional updates', async () => {
    const { api } = await start();
    await api.createNamespacedLease({ namespace: NS, body: lease('a') });
    const status = await statusOf(
      api.replaceNamespacedLease({
        name: 'a',
        namespace: NS,
        body: lease('a', { holderIdentity: 'q' }),
      }),
    );
    expect(status).toMatchObject({
      httpCode: 422,
      reason: 'Invalid',
      message:
        'leases.coordination.k8s.io "a" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update',
    });
  });

  it('creates on a replace of a missing Lease, but not when the body names an old uid', async () => {
    const { api } = await start();
    const created = await api.replaceNamespacedLease({
      name: 'fresh',
      namespace: NS,
      body: lease('fresh', { holderIdentity: 'h' }),
    });
    expect(created.metadata?.uid).toBeDefined();
    await api.deleteNamespacedLease({ name: 'fresh', namespace: NS });
    const status = await statusOf(
      api.replaceNamespacedLease({ name: 'fresh', namespace: NS, body: created }),
    );
    expect(status).toMatchObject({ httpCode: 409, reason: 'Conflict' });
    expect(status.message).toContain(
      `Precondition failed: UID in precondition: ${created.metadata?.uid}, UID in object meta: `,
    );
  });

  it('validates like apis/coordination/validation, with causes', async () => {
    const { api } = await start();
    const status = await statusOf(
      api.createNamespacedLease({
        namespace: NS,
        body: lease('a', { leaseDurationSeconds: 0, leaseTransitions: -1, preferredHolder: 'p' }),
      }),
    );
    expect(status).toMatchObject({
      httpCode: 422,
      reason: 'Invalid',
      details: { name: 'a', group: 'coordination.k8s.io', kind: 'Lease' },
    });
    expect(status.details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: 0: must be greater than 0',
        field: 'spec.leaseDurationSeconds',
      },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: -1: must be greater than or equal to 0',
        field: 'spec.leaseTransitions',
      },
      {
        reason: 'FieldValueForbidden',
        message: 'Forbidden: may only be specified if `strategy` is defined',
        field: 'spec.preferredHolder',
      },
    ]);
    const badName = await statusOf(
      api.createNamespacedLease({ namespace: NS, body: lease('Not_A_Name') }),
    );
    expect(badName.httpCode).toBe(422);
    expect(badName.message).toMatch(
      /^Lease\.coordination\.k8s\.io "Not_A_Name" is invalid: metadata\.name: Invalid value: "Not_A_Name": a lowercase RFC 1123 subdomain/,
    );
  });

  it('drops the coordinated-election fields without the CoordinatedLeaderElection gate', async () => {
    const { api } = await start({ coordinatedLeaderElection: false });
    const created = await api.createNamespacedLease({
      namespace: NS,
      body: lease('a', {
        holderIdentity: 'h',
        strategy: 'OldestEmulationVersion',
        preferredHolder: 'p',
      }),
    });
    expect(created.spec).toEqual({ holderIdentity: 'h' });
  });

  it('rejects a Date (three fractional digits) where a MicroTime is due, with the decoder message', async () => {
    const { api } = await start();
    const status = await statusOf(
      api.createNamespacedLease({
        namespace: NS,
        body: lease('a', { renewTime: new Date('2026-01-02T03:04:05.678Z') as V1MicroTime }),
      }),
    );
    expect(status).toMatchObject({
      httpCode: 400,
      reason: 'BadRequest',
      message:
        'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-01-02T03:04:05.678Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".678Z" as ".000000"',
    });
  });

  it('refuses a body whose namespace contradicts the path', async () => {
    const { api } = await start();
    const status = await statusOf(
      api.createNamespacedLease({
        namespace: NS,
        body: { metadata: { name: 'a', namespace: 'other' }, spec: {} },
      }),
    );
    expect(status).toMatchObject({
      httpCode: 400,
      reason: 'BadRequest',
      message:
        'the namespace of the provided object does not match the namespace sent on the request',
    });
  });

  it('generates a name from generateName', async () => {
    const { api } = await start();
    const created = await api.createNamespacedLease({
      namespace: NS,
      body: { metadata: { generateName: 'gen-' }, spec: {} },
    });
    expect(created.metadata?.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});

describe('lists', () => {
  it('filters by label and field selectors, in every operator', async () => {
    const { api } = await start();
    await api.createNamespacedLease({
      namespace: NS,
      body: lease('a', {}, { tier: 'web', env: 'prod' }),
    });
    await api.createNamespacedLease({ namespace: NS, body: lease('b', {}, { tier: 'db' }) });
    await api.createNamespacedLease({ namespace: NS, body: lease('c') });
    await api.createNamespacedLease({ namespace: 'other', body: lease('a', {}, { tier: 'web' }) });
    const names = async (query: { labelSelector?: string; fieldSelector?: string }) =>
      (await api.listNamespacedLease({ namespace: NS, ...query })).items.map(
        (l) => l.metadata?.name,
      );
    expect(await names({ labelSelector: 'tier=web' })).toEqual(['a']);
    expect(await names({ labelSelector: 'tier==db' })).toEqual(['b']);
    expect(await names({ labelSelector: 'tier!=web' })).toEqual(['b', 'c']);
    expect(await names({ labelSelector: 'tier in (web,db)' })).toEqual(['a', 'b']);
    expect(await names({ labelSelector: 'tier notin (web)' })).toEqual(['b', 'c']);
    expect(await names({ labelSelector: 'env' })).toEqual(['a']);
    expect(await names({ labelSelector: '!tier' })).toEqual(['c']);
    expect(await names({ labelSelector: 'tier,env=prod' })).toEqual(['a']);
    expect(await names({ fieldSelector: 'metadata.name=b' })).toEqual(['b']);
    expect(await names({ fieldSelector: 'metadata.name!=b' })).toEqual(['a', 'c']);
    const all = await api.listLeaseForAllNamespaces({ labelSelector: 'tier=web' });
    expect(all.items.map((l) => `${l.metadata?.namespace}/${l.metadata?.name}`)).toEqual([
      'default/a',
      'other/a',
    ]);
  });

  it('pages with limit and continue at one consistent version', async () => {
    const { api } = await start();
    for (const name of ['a', 'b', 'c', 'd', 'e'])
      await api.createNamespacedLease({ namespace: NS, body: lease(name) });
    const first = await api.listNamespacedLease({ namespace: NS, limit: 2 });
    expect(first.items.map((l) => l.metadata?.name)).toEqual(['a', 'b']);
    expect(first.metadata?.remainingItemCount).toBe(3);
    // A change after the first page does not show up in later pages of the same list.
    await api.deleteNamespacedLease({ name: 'd', namespace: NS });
    const second = await api.listNamespacedLease({
      namespace: NS,
      limit: 2,
      _continue: first.metadata?._continue ?? '',
    });
    expect(second.items.map((l) => l.metadata?.name)).toEqual(['c', 'd']);
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const third = await api.listNamespacedLease({
      namespace: NS,
      limit: 2,
      _continue: second.metadata?._continue ?? '',
    });
    expect(third.items.map((l) => l.metadata?.name)).toEqual(['e']);
    expect(third.metadata?._continue).toBeUndefined();
  });

  it('lists at an exact past version, and answers 410 once it is compacted', async () => {
    const { server, api } = await start();
    const a = await api.createNamespacedLease({
      namespace: NS,
      body: lease('a', { holderIdentity: 'old' }),
    });
    await api.replaceNamespacedLease({
      name: 'a',
      namespace: NS,
      body: { ...a, spec: { holderIdentity: 'new' } },
    });
    await api.createNamespacedLease({ namespace: NS, body: lease('b') });
    const then = await api.listNamespacedLease({
      namespace: NS,
      resourceVersion: a.metadata?.resourceVersion ?? '',
      resourceVersionMatch: 'Exact',
    });
    expect(then.items.map((l) => [l.metadata?.name, l.spec?.holderIdentity])).toEqual([
      ['a', 'old'],
    ]);
    server.faults.compact();
    const status = await statusOf(
      api.listNamespacedLease({
        namespace: NS,
        resourceVersion: a.metadata?.resourceVersion ?? '',
        resourceVersionMatch: 'Exact',
      }),
    );
    expect(status).toMatchObject({ httpCode: 410, reason: 'Expired' });
  });
});

describe('patch', () => {
  it('applies JSON Patch (client-node default), merge and strategic merge patches', async () => {
    const { api } = await start();
    await api.createNamespacedLease({
      namespace: NS,
      body: lease('a', { holderIdentity: 'x', leaseDurationSeconds: 10 }, { keep: 'me' }),
    });
    const jsonPatched = await api.patchNamespacedLease({
      name: 'a',
      namespace: NS,
      body: [
        { op: 'test', path: '/spec/holderIdentity', value: 'x' },
        { op: 'replace', path: '/spec/holderIdentity', value: 'y' },
      ],
    });
    expect(jsonPatched.spec?.holderIdentity).toBe('y');
    const merged = await api.patchNamespacedLease(
      {
        name: 'a',
        namespace: NS,
        body: { spec: { leaseDurationSeconds: null, leaseTransitions: 2 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.spec).toEqual({ holderIdentity: 'y', leaseTransitions: 2 });
    const strategic = await api.patchNamespacedLease(
      {
        name: 'a',
        namespace: NS,
        body: { metadata: { finalizers: ['example.com/f'], labels: { add: 'yes' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.metadata?.labels).toEqual({ keep: 'me', add: 'yes' });
    expect(strategic.metadata?.finalizers).toEqual(['example.com/f']);
  });

  it('answers a failed JSON Patch test with 422 and a stale resourceVersion in a patch with 409', async () => {
    const { api } = await start();
    const a = await api.createNamespacedLease({
      namespace: NS,
      body: lease('a', { holderIdentity: 'x' }),
    });
    const failed = await statusOf(
      api.patchNamespacedLease({
        name: 'a',
        namespace: NS,
        body: [{ op: 'test', path: '/spec/holderIdentity', value: 'nope' }],
      }),
    );
    expect(failed).toMatchObject({
      httpCode: 422,
      reason: 'Invalid',
      message: 'the server rejected our request due to an error in our request',
    });
    await api.patchNamespacedLease({
      name: 'a',
      namespace: NS,
      body: [{ op: 'replace', path: '/spec/holderIdentity', value: 'y' }],
    });
    const stale = await statusOf(
      api.patchNamespacedLease(
        {
          name: 'a',
          namespace: NS,
          body: {
            metadata: { resourceVersion: a.metadata?.resourceVersion },
            spec: { holderIdentity: 'z' },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(stale).toMatchObject({ httpCode: 409, reason: 'Conflict' });
    const missing = await statusOf(
      api.patchNamespacedLease({ name: 'none', namespace: NS, body: [] }),
    );
    expect(missing.httpCode).toBe(404);
  });

  it('server-side applies: creates, tracks owners, conflicts, and forces', async () => {
    const { api } = await start();
    const apply = (manager: string, spec: V1Lease['spec'], force = false) =>
      api.patchNamespacedLease(
        {
          name: 'a',
          namespace: NS,
          fieldManager: manager,
          force,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: 'a' },
            spec,
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    const created = await apply('alice', { holderIdentity: 'alice', leaseDurationSeconds: 10 });
    expect(created.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([
      ['alice', 'Apply'],
    ]);
    const conflict = await statusOf(apply('bob', { holderIdentity: 'bob' }));
    expect(conflict).toMatchObject({
      httpCode: 409,
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "alice": .spec.holderIdentity',
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "alice"',
            field: '.spec.holderIdentity',
          },
        ],
      },
    });
    const forced = await apply('bob', { holderIdentity: 'bob' }, true);
    expect(forced.spec).toEqual({ holderIdentity: 'bob', leaseDurationSeconds: 10 });
    // alice no longer sends leaseDurationSeconds and nobody else owns it: it goes away.
    const shrunk = await apply('alice', {});
    expect(shrunk.spec).toEqual({ holderIdentity: 'bob' });
  });
});

describe('delete', () => {
  it('honours resourceVersion and uid preconditions', async () => {
    const { api } = await start();
    const a = await api.createNamespacedLease({ namespace: NS, body: lease('a') });
    const rv = await statusOf(
      api.deleteNamespacedLease({
        name: 'a',
        namespace: NS,
        body: { preconditions: { resourceVersion: '999' } },
      }),
    );
    expect(rv).toMatchObject({
      httpCode: 409,
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on Lease.coordination.k8s.io "a": the ResourceVersion in the precondition (999) does not match the ResourceVersion in record (${a.metadata?.resourceVersion}). The object might have been modified`,
    });
    const uid = await statusOf(
      api.deleteNamespacedLease({
        name: 'a',
        namespace: NS,
        body: { preconditions: { uid: 'other' } },
      }),
    );
    expect(uid.message).toContain(
      'the UID in the precondition (other) does not match the UID in record',
    );
    const ok = await api.deleteNamespacedLease({
      name: 'a',
      namespace: NS,
      body: {
        preconditions: {
          uid: a.metadata?.uid ?? '',
          resourceVersion: a.metadata?.resourceVersion ?? '',
        },
      },
    });
    expect(ok.status).toBe('Success');
  });

  it('marks a Lease with finalizers as deleting, and removes it when the last one goes', async () => {
    const { server, api } = await start();
    await api.createNamespacedLease({
      namespace: NS,
      body: { metadata: { name: 'held', finalizers: ['example.com/hold'] }, spec: {} },
    });
    const watch = await recordWatch(server.kubeConfig, PATH, {
      resourceVersion: String(server.store.revision),
    });
    await api.deleteNamespacedLease({ name: 'held', namespace: NS });
    const marked = await api.readNamespacedLease({ name: 'held', namespace: NS });
    expect(marked.metadata?.deletionTimestamp).toBeDefined();
    await api.replaceNamespacedLease({
      name: 'held',
      namespace: NS,
      body: { ...marked, metadata: { ...marked.metadata, finalizers: [] } },
    });
    expect(
      (await statusOf(api.readNamespacedLease({ name: 'held', namespace: NS }))).httpCode,
    ).toBe(404);
    const events = await watch.atLeast(2);
    expect(events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
    // As etcd reports it: the DELETED event carries the last stored state, finalizer included.
    expect(events[1]?.object.metadata.finalizers).toEqual(['example.com/hold']);
    watch.abort();
  });

  it('does not persist with dryRun=All', async () => {
    const { api } = await start();
    const dry = await api.createNamespacedLease({
      namespace: NS,
      dryRun: 'All',
      body: lease('dry', { holderIdentity: 'x' }),
    });
    expect(dry.metadata?.uid).toBeDefined();
    expect(dry.metadata?.resourceVersion).toBeUndefined();
    expect((await statusOf(api.readNamespacedLease({ name: 'dry', namespace: NS }))).httpCode).toBe(
      404,
    );
  });

  it('deletes a collection by label and returns what it deleted', async () => {
    const { api } = await start();
    await api.createNamespacedLease({ namespace: NS, body: lease('a', {}, { group: 'x' }) });
    await api.createNamespacedLease({ namespace: NS, body: lease('b', {}, { group: 'x' }) });
    await api.createNamespacedLease({ namespace: NS, body: lease('c') });
    await api.deleteCollectionNamespacedLease({ namespace: NS, labelSelector: 'group=x' });
    expect(
      (await api.listNamespacedLease({ namespace: NS })).items.map((l) => l.metadata?.name),
    ).toEqual(['c']);
  });
});

describe('watch', () => {
  it('starts with synthetic ADDED events, then follows MODIFIED and DELETED', async () => {
    const { server, api } = await start();
    await api.createNamespacedLease({ namespace: NS, body: lease('a') });
    const watch = await recordWatch(server.kubeConfig, PATH);
    await watch.atLeast(1);
    const b = await api.createNamespacedLease({ namespace: NS, body: lease('b') });
    await api.replaceNamespacedLease({
      name: 'b',
      namespace: NS,
      body: { ...b, spec: { holderIdentity: 'h' } },
    });
    await api.deleteNamespacedLease({ name: 'b', namespace: NS });
    const events = await watch.atLeast(4);
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ['ADDED', 'a'],
      ['ADDED', 'b'],
      ['MODIFIED', 'b'],
      ['DELETED', 'b'],
    ]);
    expect(events[2]?.object.spec.holderIdentity).toBe('h');
    expect(events[3]?.object.kind).toBe('Lease');
    watch.abort();
  });

  it('replays exactly the events after a given resourceVersion', async () => {
    const { server, api } = await start();
    const a = await api.createNamespacedLease({ namespace: NS, body: lease('a') });
    await api.createNamespacedLease({ namespace: NS, body: lease('b') });
    await api.deleteNamespacedLease({ name: 'a', namespace: NS });
    const watch = await recordWatch(server.kubeConfig, PATH, {
      resourceVersion: a.metadata?.resourceVersion,
    });
    const events = await watch.atLeast(2);
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ['ADDED', 'b'],
      ['DELETED', 'a'],
    ]);
    watch.abort();
  });

  it('turns a label change into ADDED/DELETED for a selecting watch', async () => {
    const { server, api } = await start();
    const a = await api.createNamespacedLease({ namespace: NS, body: lease('a') });
    const watch = await recordWatch(server.kubeConfig, PATH, {
      labelSelector: 'pick=yes',
      resourceVersion: a.metadata?.resourceVersion,
    });
    const picked = await api.patchNamespacedLease(
      { name: 'a', namespace: NS, body: { metadata: { labels: { pick: 'yes' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await api.patchNamespacedLease(
      { name: 'a', namespace: NS, body: { metadata: { labels: { pick: 'no' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const events = await watch.atLeast(2);
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
    expect(events[0]?.object.metadata.resourceVersion).toBe(picked.metadata?.resourceVersion);
    watch.abort();
  });

  it('sends BOOKMARKs carrying the current version when allowed', async () => {
    const clock = new ManualServerClock();
    const { server, api } = await start({ clock, bookmarkIntervalMs: 1000 });
    const a = await api.createNamespacedLease({ namespace: NS, body: lease('a') });
    const watch = await recordWatch(server.kubeConfig, PATH, {
      resourceVersion: a.metadata?.resourceVersion,
      allowWatchBookmarks: true,
    });
    await until(() => server?.stats.openWatches === 1, 'the watch to open');
    const b = await api.createNamespacedLease({ namespace: NS, body: lease('b') });
    await watch.atLeast(1);
    clock.advance(1000);
    const events = await watch.atLeast(2);
    expect(events[1]).toEqual({
      type: 'BOOKMARK',
      object: {
        kind: 'Lease',
        apiVersion: 'coordination.k8s.io/v1',
        metadata: { resourceVersion: b.metadata?.resourceVersion },
        spec: {},
      },
    });
    watch.abort();
  });

  it('answers a watch from a compacted version with an in-band 410 and ends it', async () => {
    const { server, api } = await start({ historyLimit: 2 });
    const first = await api.createNamespacedLease({ namespace: NS, body: lease('a') });
    for (const name of ['b', 'c', 'd'])
      await api.createNamespacedLease({ namespace: NS, body: lease(name) });
    const watch = await recordWatch(server.kubeConfig, PATH, {
      resourceVersion: first.metadata?.resourceVersion,
    });
    expect(await watch.done).toBeNull();
    expect(watch.events).toEqual([
      {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'too old resource version: 1 (2)',
          reason: 'Expired',
          code: 410,
        },
      },
    ]);
  });

  it('streams initial events and an annotated BOOKMARK for a watch-list (sendInitialEvents)', async () => {
    const { server, api } = await start();
    await api.createNamespacedLease({ namespace: NS, body: lease('a') });
    await api.createNamespacedLease({ namespace: NS, body: lease('b') });
    const watch = await recordWatch(server.kubeConfig, PATH, {
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
    });
    const events = await watch.atLeast(3);
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'BOOKMARK']);
    expect(events[2]?.object.metadata).toEqual({
      resourceVersion: String(server.store.revision),
      annotations: { 'k8s.io/initial-events-end': 'true' },
    });
    watch.abort();
  });

  it('ends cleanly at timeoutSeconds', async () => {
    const clock = new ManualServerClock();
    const { server } = await start({ clock });
    const watch = await recordWatch(server.kubeConfig, PATH, { timeoutSeconds: 5 });
    await until(() => server?.stats.openWatches === 1, 'the watch to open');
    clock.advance(5000);
    expect(await watch.done).toBeNull();
    await until(() => server?.stats.openWatches === 0, 'the watch to close');
  });
});

describe('authentication and accounting', () => {
  it('requires the bearer token when one is set', async () => {
    const { server, api } = await start({ token: 's3cret' });
    await api.createNamespacedLease({ namespace: NS, body: lease('a') });
    const anonymous = await fetch(`${server.url}${PATH}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({
      kind: 'Status',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('counts requests by verb and open watches, and resets', async () => {
    const { server, api } = await start();
    await api.createNamespacedLease({ namespace: NS, body: lease('a') });
    await api.readNamespacedLease({ name: 'a', namespace: NS });
    await api.listNamespacedLease({ namespace: NS });
    const watch = await recordWatch(server.kubeConfig, PATH);
    await watch.atLeast(1);
    expect(server.stats.snapshot()).toMatchObject({
      verbs: { create: 1, get: 1, list: 1, watch: 1, update: 0 },
      total: 4,
      openWatches: 1,
      watchEvents: 1,
    });
    server.stats.reset();
    expect(server.stats.total).toBe(0);
    watch.abort();
    await until(() => server?.stats.openWatches === 0, 'the watch to close');
  });
});

describe('pre-created Leases and versions across deletions', () => {
  it('createLease and the leases option create empty, holderless Leases through the API', async () => {
    const { server, api } = await start({
      leases: [{ name: 'boot' }, { name: 'x', namespace: 'other' }],
    });
    const boot = await api.readNamespacedLease({ name: 'boot', namespace: NS });
    expect(boot.spec?.holderIdentity).toBeUndefined();
    await api.readNamespacedLease({ name: 'x', namespace: 'other' });
    const version = await server.createLease(NS, 'late');
    const late = await api.readNamespacedLease({ name: 'late', namespace: NS });
    expect(late.metadata?.resourceVersion).toBe(version);
    await expect(server.createLease(NS, 'late')).rejects.toThrow(/409/);
  });

  it('keeps resourceVersions increasing across a deletion: a list after it is above every write of the deleted object', async () => {
    const { api } = await start();
    await api.createNamespacedLease({ namespace: NS, body: lease('d', { holderIdentity: 'a' }) });
    const renewed = await api.replaceNamespacedLease({
      name: 'd',
      namespace: NS,
      body: {
        ...(await api.readNamespacedLease({ name: 'd', namespace: NS })),
        spec: { holderIdentity: 'b' },
      },
    });
    await api.deleteNamespacedLease({ name: 'd', namespace: NS });
    const listed = await api.listNamespacedLease({ namespace: NS });
    expect(listed.items).toEqual([]);
    const before = BigInt(renewed.metadata?.resourceVersion ?? '');
    const after = BigInt(listed.metadata?.resourceVersion ?? '');
    expect(after > before).toBe(true);
    const again = await api.createNamespacedLease({ namespace: NS, body: lease('d') });
    expect(BigInt(again.metadata?.resourceVersion ?? '') > after).toBe(true);
  });
});
