/**
 * The elector Role of docs/rbac.md is the minimum: for each of its five verbs, a Role without
 * it breaks a named behaviour of the leasehold elector, and the elector says why with a
 * `LeaseStoreError` of kind `forbidden` whose message names the missing verb.
 *
 * Every elector here runs as the restricted user, bound only to the Role under test in a fresh
 * namespace; the admin plays "another client" (pre-creating or reading the Lease).
 */
import { CoordinationV1Api, type V1Lease, type V1PolicyRule } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createLeaderElector,
  type LeaderElector,
  type LeaderElectorOptions,
  LeaseStoreError,
  type Logger,
} from '../../../packages/election/src/index.js';
import { connectKubeApiserver, type KubeApiserverHandle } from '../src/apiserver.js';
import { startGoElector } from '../src/electors.js';
import { electorRules } from '../src/rbac.js';

let kube: KubeApiserverHandle;
beforeAll(() => {
  kube = connectKubeApiserver(inject('kube'));
});

const NAME = 'lock';
const FAST = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 400 } as const;
const SLOW = { leaseDurationMs: 60_000, renewDeadlineMs: 40_000, retryPeriodMs: 2_000 } as const;
type Verb = 'get' | 'list' | 'watch' | 'create' | 'update';

/** The elector Role for NAME without one verb. */
function rulesWithout(verb: Verb): V1PolicyRule[] {
  return electorRules(NAME)
    .map((rule) => ({ ...rule, verbs: rule.verbs.filter((v) => v !== verb) }))
    .filter((rule) => rule.verbs.length > 0);
}

let electors: LeaderElector[] = [];
afterEach(async () => {
  await Promise.all(electors.map((e) => e.stop()));
  electors = [];
});

/** Warnings the elector logged (e.g. a failed release, which is not published as state). */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => {};
  return {
    warnings,
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (fields, message) => warnings.push(`${message} ${JSON.stringify(fields)}`),
  };
}

function elector(namespace: string, identity: string, options: Partial<LeaderElectorOptions>) {
  const e = createLeaderElector({
    name: NAME,
    namespace,
    kubeConfig: kube.restrictedKubeConfig,
    identity,
    ...FAST,
    ...options,
  });
  electors.push(e);
  return e;
}

async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 15_000) {
  const started = performance.now();
  while (!(await predicate())) {
    if (performance.now() - started > ms) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The elector's published error, checked to be a forbidden LeaseStoreError naming `verb`. */
function expectForbidden(e: LeaderElector, verb: Verb): string {
  const error = e.state.error;
  expect(error).toBeInstanceOf(LeaseStoreError);
  expect(error).toMatchObject({ kind: 'forbidden', status: 403 });
  const message = error?.message ?? '';
  // Either the API server's own Status message (`… cannot update resource "leases" …`) or,
  // for a watch (client-node hands over no body), the adapter's `not allowed to watch …`.
  expect(message).toMatch(new RegExp(`cannot ${verb} resource "leases"|not allowed to ${verb} `));
  return message;
}

function admin() {
  return kube.adminKubeConfig.makeApiClient(CoordinationV1Api);
}

/** A free Lease (empty holder), created by the admin, as deployment tooling would. */
async function precreate(namespace: string): Promise<V1Lease> {
  return admin().createNamespacedLease({
    namespace,
    body: { metadata: { name: NAME }, spec: { holderIdentity: '', leaseDurationSeconds: 2 } },
  });
}

const holderOf = async (namespace: string) =>
  (await admin().readNamespacedLease({ name: NAME, namespace })).spec?.holderIdentity ?? '';

describe('the elector Role is minimal: without each verb, a named behaviour breaks', () => {
  // The electors with the 60 s lease start on a pre-created Lease: on an absent one they would
  // first wait out that lease (an absence they did not see happen may hide a live holder).
  // Creating is shown with the fast timing: by `b` of the update case and by the create case.
  it('full Role (control): takes the pre-created Lease, leads, hands over on release', async () => {
    const namespace = await kube.namespace({ leaseName: NAME });
    await precreate(namespace);
    const a = elector(namespace, 'a', SLOW).start();
    await until(() => a.isLeader, 'a leads');
    const b = elector(namespace, 'b', SLOW).start();
    await until(() => b.state.holder === 'a', 'b sees a');
    await a.stop();
    await until(() => b.isLeader, 'b leads after the release');
    expect(a.state.error).toBeNull();
    expect(b.state.error).toBeNull();
  });

  it('without update: cannot acquire an existing Lease; a Lease it created it cannot renew', async () => {
    const namespace = await kube.namespace({ rules: rulesWithout('update') });
    await precreate(namespace);
    const a = elector(namespace, 'a', {}).start();
    await until(() => a.state.error !== null, 'an error is published');
    const message = expectForbidden(a, 'update');
    expect(a.isLeader).toBe(false);
    expect(await holderOf(namespace)).toBe('');
    console.log(`[kube] rbac without update, acquire: ${message}`);

    // An absent Lease can be created (that is `create`), so it leads — until its first
    // renewal, an update, is refused: the term ends at its deadline.
    const ns2 = await kube.namespace({ rules: rulesWithout('update') });
    const b = elector(ns2, 'b', {}).start();
    await until(() => b.isLeader, 'b leads on the Lease it created');
    await until(() => b.state.lastTermEnd !== null, 'b term ends');
    expect(b.state.lastTermEnd).toBe('deadline');
    expect(b.isLeader).toBe(false);
    console.log(`[kube] rbac without update, renew: ${expectForbidden(b, 'update')}`);
  });

  it('without create: cannot create an absent Lease, but takes an existing one', async () => {
    const namespace = await kube.namespace({ rules: rulesWithout('create') });
    const a = elector(namespace, 'a', {}).start();
    await until(() => a.state.error !== null, 'an error is published');
    const message = expectForbidden(a, 'create');
    expect(a.isLeader).toBe(false);
    console.log(`[kube] rbac without create: ${message}`);
    // The admin creates the Lease (free); the elector sees it on its watch and takes it.
    await precreate(namespace);
    await until(() => a.isLeader, 'a takes the pre-created Lease');
    expect(await holderOf(namespace)).toBe('a');
  });

  it('without list: never synchronises, so never leads, even on a free Lease (client-go does)', async () => {
    const namespace = await kube.namespace({ rules: rulesWithout('list') });
    await precreate(namespace);
    const a = elector(namespace, 'a', {}).start();
    await until(() => a.state.error !== null, 'an error is published');
    const message = expectForbidden(a, 'list');
    console.log(`[kube] rbac without list: ${message}`);
    // The watcher keeps retrying its list (with backoff); the Lease stays free and unknown.
    await sleep(2_000);
    expect(a.isLeader).toBe(false);
    expect(a.state.role).toBe('follower');
    expect(await holderOf(namespace)).toBe('');
    expectForbidden(a, 'list');

    // client-go (get, create, update; it never lists or watches) leads on the same Role.
    const go = startGoElector({
      binDir: kube.info.binDir,
      kubeconfig: kube.restrictedKubeconfigPath,
      namespace,
      name: NAME,
      identity: 'go',
      leaseDuration: '4s',
      renewDeadline: '3s',
      retryPeriod: '1s',
    });
    try {
      await go.waitFor((e) => e.type === 'leading', 20_000);
      expect(await holderOf(namespace)).toBe('go');
    } finally {
      await go.stop();
    }
  });

  it('without watch: a follower never sees the release (nor any change after its list)', async () => {
    const namespace = await kube.namespace({ rules: rulesWithout('watch') });
    await precreate(namespace);
    // The list shows the free Lease, and `a` takes it and leads (renewals are updates of its
    // own cached object, no watch needed) ...
    const a = elector(namespace, 'a', SLOW).start();
    await until(() => a.isLeader, 'a leads');
    const b = elector(namespace, 'b', SLOW).start();
    await until(() => b.state.holder === 'a', 'b lists and sees a');
    await until(() => b.state.error !== null, 'b publishes its watch error');
    const message = expectForbidden(b, 'watch');
    console.log(`[kube] rbac without watch: ${message}`);
    // ... but after `a` releases, `b` still believes `a` holds it: with the full Role, b leads
    // within one round trip here (the control case above); without watch, only at the expiry
    // of the 60 s lease it last saw (then its write on the stale version conflicts and it
    // re-reads).
    await a.stop();
    expect(await holderOf(namespace)).toBe('');
    await sleep(3_000);
    expect(b.isLeader).toBe(false);
    expect(b.state.holder).toBe('a');
    expectForbidden(b, 'watch');
  });

  it('without get: cannot release (the fresh read before the release is refused); the Lease stays taken', async () => {
    const namespace = await kube.namespace({ rules: rulesWithout('get') });
    await precreate(namespace);
    const logger = recordingLogger();
    const a = elector(namespace, 'a', { ...SLOW, logger }).start();
    await until(() => a.isLeader, 'a leads (list, watch and update suffice)');
    const b = elector(namespace, 'b', SLOW).start();
    await until(() => b.state.holder === 'a', 'b sees a');
    await a.stop();
    // The release re-reads the holder first (never releasing from a cached view); that GET
    // is refused, so nothing is written: the Lease still names `a`, and `b` must wait out
    // the whole 60 s lease instead of taking over at once.
    const failed = logger.warnings.find((w) => w.startsWith('release failed'));
    expect(failed).toBeDefined();
    expect(failed).toMatch(/cannot get resource \\"leases\\"/);
    console.log(`[kube] rbac without get: ${failed}`);
    expect(await holderOf(namespace)).toBe('a');
    await sleep(2_000);
    expect(b.isLeader).toBe(false);
    expect(b.state.holder).toBe('a');
  });
});
