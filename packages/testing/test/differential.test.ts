/**
 * Differential test: the same 60-odd raw requests — good writes, every error path the brief
 * cares about, tables, discovery-adjacent reads — sent to this server and to a real
 * kube-apiserver (v1.34, built by test/kube/build.sh), comparing status codes, content types,
 * warnings and bodies after masking what legitimately differs (uids, versions, timestamps,
 * numbers). Opt-in, because it starts etcd and kube-apiserver:
 *
 *   LEASEHOLD_KUBE_DIFF=1 pnpm exec vitest run packages/testing/test/differential.test.ts
 */
import { describe, expect, it } from 'vitest';
import { kubeBinDir, startKubeApiserver } from '../../../test/kube/src/apiserver.js';
import { type RawTarget, rawRequest } from '../../../test/kube/src/http.js';
import { startLeaseServer } from '../src/index.js';

interface Probe {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly raw?: string;
  readonly contentType?: string;
  readonly accept?: string;
}

/** Known, deliberate differences, with the reason. */
const EXPECTED_DIFFERENCES: Readonly<Record<string, string>> = {
  notacceptable: 'no protobuf: a protobuf-only Accept gets 406 here, a protobuf body there',
  'ns-get': 'implicit namespaces carry no managedFields',
  'ns-missing': 'every valid DNS label is an implicit namespace here',
  'create-in-missing-ns': 'every valid DNS label is an implicit namespace here',
};

const MASKED_KEYS = [
  'uid',
  'creationTimestamp',
  'resourceVersion',
  'time',
  'continue',
  'deletionTimestamp',
];

/** Masks values that differ between any two servers: ids, versions, times, generated names. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        MASKED_KEYS.includes(k) && typeof v === 'string' ? `<${k}>` : normalize(v),
      ]),
    );
  }
  if (typeof value === 'string') {
    return value
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uid>')
      .replace(/lh-[a-z0-9]+/g, '<ns>')
      .replace(/\d+/g, '<n>');
  }
  return value;
}

const L = (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;

const requests = (ns: string, rv: () => string): Probe[] => [
  {
    name: 'create',
    method: 'POST',
    path: L(ns),
    body: {
      metadata: { name: 'a' },
      spec: {
        holderIdentity: 'x',
        leaseDurationSeconds: 15,
        renewTime: '2024-01-01T00:00:00.123456Z',
      },
    },
  },
  {
    name: 'create-dup',
    method: 'POST',
    path: L(ns),
    body: { metadata: { name: 'a' }, spec: {} },
  },
  {
    name: 'create-3digits',
    method: 'POST',
    path: L(ns),
    body: { metadata: { name: 'b' }, spec: { renewTime: '2024-01-01T00:00:00.123Z' } },
  },
  {
    name: 'create-0digits',
    method: 'POST',
    path: L(ns),
    body: { metadata: { name: 'b' }, spec: { acquireTime: '2024-01-01T00:00:00Z' } },
  },
  {
    name: 'create-string-int',
    method: 'POST',
    path: L(ns),
    body: { metadata: { name: 'b' }, spec: { leaseDurationSeconds: '15' } },
  },
  {
    name: 'create-float',
    method: 'POST',
    path: L(ns),
    body: { metadata: { name: 'b' }, spec: { leaseTransitions: 1.5 } },
  },
  {
    name: 'create-labels-array',
    method: 'POST',
    path: L(ns),
    body: { metadata: { name: 'b', labels: ['x'] }, spec: {} },
  },
  {
    name: 'create-invalid',
    method: 'POST',
    path: L(ns),
    body: {
      metadata: { name: 'b' },
      spec: { leaseDurationSeconds: 0, leaseTransitions: -1, preferredHolder: 'p' },
    },
  },
  {
    name: 'create-badname',
    method: 'POST',
    path: L(ns),
    body: { metadata: { name: 'Bad_Name' }, spec: {} },
  },
  { name: 'create-noname', method: 'POST', path: L(ns), body: { metadata: {}, spec: {} } },
  {
    name: 'create-badlabel',
    method: 'POST',
    path: L(ns),
    body: { metadata: { name: 'b', labels: { 'a/b/c': '-x' } }, spec: {} },
  },
  { name: 'create-nonjson', method: 'POST', path: L(ns), raw: 'not json at all' },
  { name: 'create-array', method: 'POST', path: L(ns), raw: '[1,2]' },
  {
    name: 'create-nsmismatch',
    method: 'POST',
    path: L(ns),
    body: { metadata: { name: 'b', namespace: 'other' }, spec: {} },
  },
  {
    name: 'create-wrongapi',
    method: 'POST',
    path: L(ns),
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } },
  },
  {
    name: 'create-wrongkind',
    method: 'POST',
    path: L(ns),
    body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Foo', metadata: { name: 'b' } },
  },
  {
    name: 'create-withrv',
    method: 'POST',
    path: L(ns),
    body: { metadata: { name: 'b', resourceVersion: '5' }, spec: {} },
  },
  {
    name: 'create-strict',
    method: 'POST',
    path: `${L(ns)}?fieldValidation=Strict`,
    body: { metadata: { name: 'b' }, spec: { foo: 1 }, bar: 2 },
  },
  {
    name: 'create-textplain',
    method: 'POST',
    path: L(ns),
    raw: '{}',
    contentType: 'text/plain',
  },
  {
    name: 'put-norv',
    method: 'PUT',
    path: `${L(ns)}/a`,
    body: { metadata: { name: 'a' }, spec: {} },
  },
  {
    name: 'put-stale',
    method: 'PUT',
    path: `${L(ns)}/a`,
    body: { metadata: { name: 'a', resourceVersion: '1000000000' }, spec: {} },
  },
  {
    name: 'put-badrv',
    method: 'PUT',
    path: `${L(ns)}/a`,
    body: { metadata: { name: 'a', resourceVersion: 'abc' }, spec: {} },
  },
  {
    name: 'put-namemismatch',
    method: 'PUT',
    path: `${L(ns)}/a`,
    body: { metadata: { name: 'z', resourceVersion: rv() }, spec: {} },
  },
  {
    name: 'put-uidmismatch',
    method: 'PUT',
    path: `${L(ns)}/a`,
    body: {
      metadata: {
        name: 'a',
        resourceVersion: rv(),
        uid: '00000000-0000-0000-0000-000000000000',
      },
      spec: {},
    },
  },
  {
    name: 'put-missing',
    method: 'PUT',
    path: `${L(ns)}/c`,
    body: { metadata: { name: 'c' }, spec: {} },
  },
  {
    name: 'put-missing-uid',
    method: 'PUT',
    path: `${L(ns)}/d`,
    body: { metadata: { name: 'd', uid: '00000000-0000-0000-0000-000000000000' }, spec: {} },
  },
  {
    name: 'patch-jsontest',
    method: 'PATCH',
    path: `${L(ns)}/a`,
    raw: '[{"op":"test","path":"/spec/holderIdentity","value":"no"}]',
    contentType: 'application/json-patch+json',
  },
  {
    name: 'patch-jsonbad',
    method: 'PATCH',
    path: `${L(ns)}/a`,
    raw: '{"op":"x"}',
    contentType: 'application/json-patch+json',
  },
  {
    name: 'patch-badtype',
    method: 'PATCH',
    path: `${L(ns)}/a`,
    raw: '{}',
    contentType: 'application/json',
  },
  {
    name: 'patch-merge-stale',
    method: 'PATCH',
    path: `${L(ns)}/a`,
    raw: '{"metadata":{"resourceVersion":"1000000000"}}',
    contentType: 'application/merge-patch+json',
  },
  {
    name: 'patch-merge-nonjson',
    method: 'PATCH',
    path: `${L(ns)}/a`,
    raw: 'nope',
    contentType: 'application/merge-patch+json',
  },
  {
    name: 'patch-missing',
    method: 'PATCH',
    path: `${L(ns)}/zz`,
    raw: '{}',
    contentType: 'application/merge-patch+json',
  },
  {
    name: 'apply-nomanager',
    method: 'PATCH',
    path: `${L(ns)}/a`,
    raw: '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"a"}}',
    contentType: 'application/apply-patch+yaml',
  },
  {
    name: 'apply-conflict',
    method: 'PATCH',
    path: `${L(ns)}/a?fieldManager=other`,
    raw: '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"a"},"spec":{"holderIdentity":"other","leaseDurationSeconds":3}}',
    contentType: 'application/apply-patch+yaml',
  },
  {
    name: 'apply-create',
    method: 'PATCH',
    path: `${L(ns)}/applied?fieldManager=mgr`,
    raw: '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"applied"},"spec":{"holderIdentity":"m"}}',
    contentType: 'application/apply-patch+yaml',
  },
  {
    name: 'force-nonapply',
    method: 'PATCH',
    path: `${L(ns)}/a?force=true`,
    raw: '{}',
    contentType: 'application/merge-patch+json',
  },
  {
    name: 'get-table',
    method: 'GET',
    path: `${L(ns)}/a`,
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
  },
  {
    name: 'list-table',
    method: 'GET',
    path: `${L(ns)}?limit=1`,
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
  },
  {
    name: 'list-partial',
    method: 'GET',
    path: `${L(ns)}`,
    accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
  },
  { name: 'list-badlabel', method: 'GET', path: `${L(ns)}?labelSelector=a%20in%20b` },
  { name: 'list-badlabel2', method: 'GET', path: `${L(ns)}?labelSelector=a%2Fb%2Fc%3Dx` },
  { name: 'list-badfield', method: 'GET', path: `${L(ns)}?fieldSelector=spec.x%3Dy` },
  { name: 'list-badfield2', method: 'GET', path: `${L(ns)}?fieldSelector=metadata.name` },
  { name: 'list-badrv', method: 'GET', path: `${L(ns)}?resourceVersion=abc` },
  { name: 'list-exact-norv', method: 'GET', path: `${L(ns)}?resourceVersionMatch=Exact` },
  { name: 'list-badcontinue', method: 'GET', path: `${L(ns)}?continue=garbage` },
  { name: 'list-badlimit', method: 'GET', path: `${L(ns)}?limit=x` },
  { name: 'list-future', method: 'GET', path: `${L(ns)}?resourceVersion=99999999` },
  {
    name: 'notacceptable',
    method: 'GET',
    path: `${L(ns)}`,
    accept: 'application/vnd.kubernetes.protobuf',
  },
  { name: 'unknown-path', method: 'GET', path: `/foo` },
  { name: 'unknown-sub', method: 'GET', path: `${L(ns)}/a/status` },
  { name: 'post-item', method: 'POST', path: `${L(ns)}/a`, raw: '{}' },
  { name: 'put-collection', method: 'PUT', path: `${L(ns)}`, raw: '{}' },
  { name: 'ns-get', method: 'GET', path: `/api/v1/namespaces/${ns}` },
  { name: 'ns-missing', method: 'GET', path: `/api/v1/namespaces/nope-nope` },
  {
    name: 'create-in-missing-ns',
    method: 'POST',
    path: L('nope-nope'),
    body: { metadata: { name: 'x' }, spec: {} },
  },
  {
    name: 'delete-precond-rv',
    method: 'DELETE',
    path: `${L(ns)}/a`,
    body: { preconditions: { resourceVersion: '1000000000' } },
  },
  {
    name: 'delete-precond-uid',
    method: 'DELETE',
    path: `${L(ns)}/a`,
    body: { preconditions: { uid: 'x' } },
  },
  { name: 'delete-badbody', method: 'DELETE', path: `${L(ns)}/a`, raw: 'nope' },
  { name: 'delete', method: 'DELETE', path: `${L(ns)}/a` },
  { name: 'delete-missing', method: 'DELETE', path: `${L(ns)}/a` },
  { name: 'deletecollection', method: 'DELETE', path: `${L(ns)}` },
  {
    name: 'huge',
    method: 'POST',
    path: L(ns),
    raw: JSON.stringify({
      metadata: { name: 'h', annotations: { a: 'x'.repeat(3200000) } },
      spec: {},
    }),
  },
];

async function run(target: RawTarget, ns: string): Promise<Map<string, unknown>> {
  let lastVersion = '1';
  const results = new Map<string, unknown>();
  for (const probe of requests(ns, () => lastVersion)) {
    const response = await rawRequest(target, probe.method, probe.path, probe.body, 10_000, {
      ...(probe.raw === undefined ? {} : { rawBody: probe.raw }),
      ...(probe.contentType === undefined ? {} : { contentType: probe.contentType }),
      ...(probe.accept === undefined ? {} : { accept: probe.accept }),
    });
    const json = response.json as { metadata?: { resourceVersion?: string } } | undefined;
    if (probe.name === 'create' && json?.metadata?.resourceVersion !== undefined)
      lastVersion = json.metadata.resourceVersion;
    results.set(probe.name, {
      status: response.status,
      contentType: response.headers['content-type'],
      warning: response.headers.warning,
      body: normalize(response.json ?? response.text.slice(0, 300)),
    });
  }
  return results;
}

let binariesBuilt = false;
try {
  binariesBuilt = (await import('node:fs')).existsSync(`${kubeBinDir()}/kube-apiserver`);
} catch {
  binariesBuilt = false;
}

describe.skipIf(process.env.LEASEHOLD_KUBE_DIFF !== '1' || !binariesBuilt)(
  'against a real kube-apiserver',
  () => {
    it('answers every probe as the real server does, except the listed differences', async () => {
      const kube = await startKubeApiserver({ log: () => undefined });
      // A default apiserver has the CoordinatedLeaderElection gate off.
      const embedded = await startLeaseServer({ coordinatedLeaderElection: false });
      try {
        const ns = await kube.namespace({ prefix: 'lh' });
        const real = await run(kube.admin, ns);
        const ours = await run({ url: embedded.url }, ns);
        const unexpected = [...real.keys()].filter(
          (name) =>
            JSON.stringify(real.get(name)) !== JSON.stringify(ours.get(name)) &&
            !(name in EXPECTED_DIFFERENCES),
        );
        expect(
          unexpected.map((name) => ({ name, real: real.get(name), ours: ours.get(name) })),
        ).toEqual([]);
        const stillDifferent = Object.keys(EXPECTED_DIFFERENCES).filter(
          (name) => JSON.stringify(real.get(name)) !== JSON.stringify(ours.get(name)),
        );
        expect(stillDifferent.sort()).toEqual(Object.keys(EXPECTED_DIFFERENCES).sort());
      } finally {
        await embedded.close();
        await kube.stop();
      }
    }, 180_000);
  },
);
