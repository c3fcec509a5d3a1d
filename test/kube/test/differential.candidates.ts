/**
 * Differential cases for `coordination.k8s.io/v1beta1` LeaseCandidates (run with the others by
 * differential.kube.test.ts): discovery of the version and of the group, and the requests a
 * candidate makes — create, get, a stale update, a duplicate, invalid specs, a missing one.
 * The run's shared kube-apiserver serves v1beta1 (`--runtime-config`), as the embedded server
 * does.
 *
 * @module
 */
import type { DiffCase, DiffTarget } from './differential.cases.js';
import { normalize, outcome, statusOf } from './differential.cases.js';

const GROUP = '/apis/coordination.k8s.io';
const V1BETA1 = `${GROUP}/v1beta1`;
const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const candidatesPath = (ns: string, name?: string) =>
  `${V1BETA1}/namespaces/${ns}/leasecandidates${name === undefined ? '' : `/${name}`}`;

function candidate(name: string, spec: Record<string, unknown> = {}, metadata = {}) {
  return {
    apiVersion: 'coordination.k8s.io/v1beta1',
    kind: 'LeaseCandidate',
    metadata: { name, ...metadata },
    spec: {
      leaseName: 'app',
      binaryVersion: '1.34.0',
      emulationVersion: '1.33.0',
      strategy: 'OldestEmulationVersion',
      renewTime: '2026-01-01T00:00:00.000000Z',
      ...spec,
    },
  };
}

async function post(t: DiffTarget, ns: string, body: unknown) {
  return t.request('POST', candidatesPath(ns), body);
}

/** The coordination.k8s.io entry of a group list (legacy or aggregated). */
function coordinationEntry(json: unknown, key: 'name' | 'metadata.name') {
  const items = ((json as { groups?: unknown[]; items?: unknown[] }).groups ??
    (json as { items?: unknown[] }).items ??
    []) as Record<string, unknown>[];
  return items.find((g) =>
    key === 'name'
      ? g.name === 'coordination.k8s.io'
      : (g.metadata as { name?: string } | undefined)?.name === 'coordination.k8s.io',
  );
}

export const candidateCases: DiffCase[] = [
  {
    name: 'discovery: the leasecandidates resource in coordination.k8s.io/v1beta1',
    async run(t) {
      const r = await t.request('GET', V1BETA1);
      return { code: r.status, body: r.json };
    },
  },
  {
    name: 'discovery: the coordination.k8s.io group serves v1 (preferred) and v1beta1',
    async run(t) {
      const group = await t.request('GET', GROUP);
      const list = await t.request('GET', '/apis');
      return {
        group: { code: group.status, body: group.json },
        inList: coordinationEntry(list.json, 'name'),
      };
    },
  },
  {
    name: 'discovery: aggregated /apis lists leasecandidates under coordination.k8s.io v1beta1',
    async run(t) {
      const r = await t.request('GET', '/apis', undefined, { accept: AGGREGATED });
      const entry = coordinationEntry(r.json, 'metadata.name') as
        | { versions?: Array<{ version: string; resources?: Array<{ resource: string }> }> }
        | undefined;
      return {
        code: r.status,
        contentType: r.headers['content-type'],
        versions: entry?.versions?.map((v) => ({
          version: v.version,
          resources: v.resources?.map((x) => x.resource),
        })),
        v1beta1: entry?.versions?.find((v) => v.version === 'v1beta1'),
      };
    },
  },
  {
    name: 'leasecandidates: create, get, duplicate, stale update, missing',
    async run(t) {
      const ns = await t.namespace();
      const created = await post(t, ns, candidate('pod-a'));
      const got = await t.request('GET', candidatesPath(ns, 'pod-a'));
      const duplicate = await post(t, ns, candidate('pod-a'));
      const current = got.json as { metadata: { resourceVersion: string } };
      const body = candidate('pod-a', { renewTime: '2026-01-01T00:00:05.000000Z' });
      const updated = await t.request('PUT', candidatesPath(ns, 'pod-a'), {
        ...body,
        metadata: { ...body.metadata, resourceVersion: current.metadata.resourceVersion },
      });
      const stale = await t.request('PUT', candidatesPath(ns, 'pod-a'), {
        ...body,
        metadata: { ...body.metadata, resourceVersion: current.metadata.resourceVersion },
      });
      const missing = await t.request('GET', candidatesPath(ns, 'pod-z'));
      const listed = await t.request(
        'GET',
        `${candidatesPath(ns)}?fieldSelector=metadata.name%3Dpod-a`,
      );
      return {
        created: outcome(created, ns),
        got: outcome(got, ns),
        duplicate: statusOf(duplicate, ns),
        updated: {
          code: updated.status,
          spec: normalize((updated.json as { spec?: unknown }).spec, ns),
        },
        stale: statusOf(stale, ns),
        missing: statusOf(missing, ns),
        listed: {
          code: listed.status,
          kind: (listed.json as { kind?: string }).kind,
          names: (
            (listed.json as { items?: Array<{ metadata: { name: string } }> }).items ?? []
          ).map((i) => i.metadata.name),
        },
      };
    },
  },
  {
    name: 'leasecandidates: invalid specs are 422 with the field errors',
    async run(t) {
      const ns = await t.namespace();
      const cases = {
        vPrefixed: candidate('bad-1', { binaryVersion: 'v1.34.0' }),
        noLeaseName: candidate('bad-2', { leaseName: '' }),
        noStrategy: candidate('bad-3', { strategy: '' }),
        noEmulation: candidate('bad-4', { emulationVersion: '' }),
      };
      const out: Record<string, unknown> = {};
      for (const [key, body] of Object.entries(cases))
        out[key] = statusOf(await post(t, ns, body), ns);
      return out;
    },
  },
  {
    name: 'leasecandidates: leaseName is immutable',
    async run(t) {
      const ns = await t.namespace();
      const created = (await post(t, ns, candidate('pod-a'))).json as {
        metadata: { resourceVersion: string };
      };
      const body = candidate('pod-a', { leaseName: 'other' });
      const r = await t.request('PUT', candidatesPath(ns, 'pod-a'), {
        ...body,
        metadata: { ...body.metadata, resourceVersion: created.metadata.resourceVersion },
      });
      return statusOf(r, ns);
    },
  },
];
