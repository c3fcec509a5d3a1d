/**
 * Client-level cases run against BOTH the real kube-apiserver and the embedded server of
 * `@leasehold/testing` (differential.kube.test.ts); their normalized results must be equal.
 *
 * Each case talks to a {@link DiffTarget} as a client would — raw HTTP for exact bytes and
 * exact `Status` bodies, `CoordinationV1Api` and `Watch` of `@kubernetes/client-node` — and
 * returns a plain JSON value: status codes, `Status` reasons and messages, the fields that
 * matter. {@link normalize} replaces what legitimately differs between two servers (uids,
 * timestamps, resourceVersion values, the generated namespace name) with placeholders, keeping
 * their *shape* (a MicroTime must still have six digits, a resourceVersion must be a decimal).
 *
 * @module
 */
import {
  ApiException,
  CoordinationV1Api,
  type KubeConfig,
  type V1Lease,
  Watch,
} from '@kubernetes/client-node';
import type { RawRequestOptions, RawResponse } from '../src/http.js';

/** One server, as the cases see it. Every request is made with full (admin) rights. */
export interface DiffTarget {
  readonly label: string;
  readonly kubeConfig: KubeConfig;
  request(
    method: string,
    path: string,
    body?: unknown,
    options?: RawRequestOptions,
  ): Promise<RawResponse>;
  /** A fresh, empty namespace. */
  namespace(): Promise<string>;
  /**
   * Makes every resourceVersion older than the current one unavailable to watches (etcd
   * compaction on an apiserver without watch cache; history compaction on the embedded one).
   */
  compact?(): Promise<void>;
}

export interface DiffCase {
  readonly name: string;
  /**
   * `second`: run on the second pair of servers — a kube-apiserver with `--watch-cache=false`
   * (so that etcd compaction makes old versions really gone) and default feature gates
   * (coordinated leader election off, as on a default 1.34 cluster), and an embedded server
   * with `coordinatedLeaderElection: false`.
   */
  readonly on?: 'second';
  run(t: DiffTarget): Promise<unknown>;
}

// ---- helpers -----------------------------------------------------------------------------

const V1 = '/apis/coordination.k8s.io/v1';
export const leasesPath = (ns: string, name?: string, query?: string) =>
  `${V1}/namespaces/${ns}/leases${name === undefined ? '' : `/${name}`}${query ? `?${query}` : ''}`;

const MICRO6 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const PLACEHOLDER_KEYS: Record<string, (v: unknown) => unknown> = {
  uid: (v) => (typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v) ? '<uid>' : v),
  resourceVersion: (v) => (typeof v === 'string' && /^\d+$/.test(v) ? '<rv>' : v),
  creationTimestamp: (v) => (typeof v === 'string' && SECONDS.test(v) ? '<time>' : v),
  time: (v) => (typeof v === 'string' && SECONDS.test(v) ? '<time>' : v),
  continue: (v) => (typeof v === 'string' && v.length > 0 ? '<continue>' : v),
};

/**
 * Replaces uids, resourceVersions, timestamps and MicroTimes by placeholders (only when they
 * have the right shape: a malformed value stays visible), and the namespace name by `<ns>`.
 */
export function normalize(value: unknown, ns: string, key?: string): unknown {
  if (key !== undefined && key in PLACEHOLDER_KEYS) {
    const replaced = PLACEHOLDER_KEYS[key]!(value);
    if (replaced !== value) return replaced;
  }
  if (typeof value === 'string') {
    if (MICRO6.test(value)) return '<microtime>';
    return value.split(ns).join('<ns>').replace(UUID, '<uid>');
  }
  if (Array.isArray(value)) return value.map((v) => normalize(v, ns));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      out[k] = normalize((value as Record<string, unknown>)[k], ns, k);
    }
    return out;
  }
  return value;
}

/** Status code and body of a raw response, normalized. */
export function outcome(r: RawResponse, ns: string) {
  return { code: r.status, body: normalize(r.json ?? r.text, ns) };
}

/** Only what identifies an error: code, reason, message, details (no metadata). */
export function statusOf(r: RawResponse, ns: string) {
  const s = (r.json ?? {}) as Record<string, unknown>;
  return {
    code: r.status,
    kind: s.kind,
    status: s.status,
    reason: s.reason,
    message: normalize(versionsInMessage(s.message), ns),
    details: normalize(s.details, ns),
  };
}

/** resourceVersion values quoted inside messages (`… in record (242) …`). */
function versionsInMessage(message: unknown): unknown {
  if (typeof message !== 'string') return message;
  return message
    .replace(/ResourceVersion in record \(\d+\)/g, 'ResourceVersion in record (<rv>)')
    .replace(/too old resource version: \d+ \(\d+\)/g, 'too old resource version: <rv> (<rv>)');
}

const NOW = '2026-01-01T00:00:00.000000Z';

function leaseBody(name: string, spec: Record<string, unknown> = {}, metadata = {}) {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, ...metadata },
    spec: {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: NOW,
      renewTime: NOW,
      leaseTransitions: 0,
      ...spec,
    },
  };
}

async function create(t: DiffTarget, ns: string, name: string, spec = {}, metadata = {}) {
  const r = await t.request('POST', leasesPath(ns), leaseBody(name, spec, metadata));
  if (r.status !== 201) throw new Error(`${t.label}: create ${name}: ${r.status} ${r.text}`);
  return r.json as V1Lease & { metadata: { resourceVersion: string; uid: string } };
}

/** The parts of a Lease that carry meaning, for comparisons after writes. */
function essence(lease: unknown, ns: string) {
  const l = lease as V1Lease;
  return normalize(
    {
      name: l.metadata?.name,
      labels: l.metadata?.labels,
      annotations: l.metadata?.annotations,
      spec: l.spec,
    },
    ns,
  );
}

type WatchEvent = { type: string; object: Record<string, unknown> };

/**
 * Watches through client-node's `Watch` until `until` matches, the server ends the stream, or
 * `timeoutMs`. `during` runs once the watch is open (writes whose events are expected).
 */
async function watch(
  t: DiffTarget,
  ns: string,
  query: Record<string, string | number | boolean>,
  options: {
    until?: (e: WatchEvent, all: WatchEvent[]) => boolean;
    during?: () => Promise<void>;
    timeoutMs?: number;
  } = {},
): Promise<{ events: WatchEvent[]; end: string }> {
  const events: WatchEvent[] = [];
  let finish!: (end: string) => void;
  const ended = new Promise<string>((resolve) => {
    finish = resolve;
  });
  const w = new Watch(t.kubeConfig);
  const controller = await w.watch(
    leasesPath(ns),
    query,
    (type, object: Record<string, unknown>) => {
      events.push({ type, object });
      if (options.until?.(events.at(-1)!, events)) finish('matched');
    },
    (err: unknown) =>
      finish(
        err ? `error ${(err as { statusCode?: number }).statusCode ?? String(err)}` : 'closed',
      ),
  );
  const timer = setTimeout(() => finish('timeout'), options.timeoutMs ?? 10_000);
  if (options.during) await options.during();
  const end = await ended;
  clearTimeout(timer);
  controller.abort();
  return { events, end };
}

/** A watch event reduced to what matters. */
function eventSummary(e: WatchEvent, ns: string) {
  if (e.type === 'ERROR') return { type: e.type, status: normalize(e.object, ns) };
  const meta = (e.object.metadata ?? {}) as Record<string, unknown>;
  if (e.type === 'BOOKMARK') {
    return {
      type: e.type,
      kind: e.object.kind,
      apiVersion: e.object.apiVersion,
      metadata: normalize(meta, ns),
    };
  }
  const spec = (e.object.spec ?? {}) as Record<string, unknown>;
  return { type: e.type, name: meta.name, holder: spec.holderIdentity ?? null };
}

async function clientFailure(call: Promise<unknown>) {
  try {
    await call;
    return { ok: true };
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    return { code: e.code, body: typeof e.body === 'string' ? JSON.parse(e.body) : e.body };
  }
}

// ---- the cases ---------------------------------------------------------------------------

export const differentialCases: DiffCase[] = [
  // create / get --------------------------------------------------------------------------
  {
    name: 'create: 201 and the object with server-set metadata',
    async run(t) {
      const ns = await t.namespace();
      const r = await t.request(
        'POST',
        leasesPath(ns),
        leaseBody('created', {}, { labels: { app: 'x' }, annotations: { note: 'n' } }),
      );
      const body = r.json as Record<string, unknown>;
      const meta = { ...(body.metadata as Record<string, unknown>) };
      delete meta.managedFields; // compared in their own case
      return { code: r.status, body: normalize({ ...body, metadata: meta }, ns) };
    },
  },
  {
    name: 'create: managedFields of a raw create and of a client-node create',
    async run(t) {
      const ns = await t.namespace();
      const raw = await t.request(
        'POST',
        leasesPath(ns, undefined, 'fieldManager=diff-tool'),
        leaseBody('mf'),
      );
      const api = t.kubeConfig.makeApiClient(CoordinationV1Api);
      const viaClient = await api.createNamespacedLease({
        namespace: ns,
        body: { metadata: { name: 'mf2' }, spec: { holderIdentity: 'b' } },
      });
      const fields = (o: unknown) =>
        ((o as V1Lease).metadata?.managedFields ?? []).map((f) => ({
          manager: f.manager,
          operation: f.operation,
          apiVersion: f.apiVersion,
          fieldsType: f.fieldsType,
          fieldsV1: f.fieldsV1,
        }));
      return normalize({ raw: fields(raw.json), client: fields(viaClient) }, ns);
    },
  },
  {
    name: 'create: an existing name is 409 AlreadyExists',
    async run(t) {
      const ns = await t.namespace();
      await create(t, ns, 'dup');
      return statusOf(await t.request('POST', leasesPath(ns), leaseBody('dup')), ns);
    },
  },
  {
    name: 'create: with metadata.resourceVersion set is refused',
    async run(t) {
      const ns = await t.namespace();
      const body = leaseBody('with-rv', {}, { resourceVersion: '12' });
      return statusOf(await t.request('POST', leasesPath(ns), body), ns);
    },
  },
  {
    name: 'create: a namespace in the body that differs from the URL',
    async run(t) {
      const ns = await t.namespace();
      const body = leaseBody('other-ns', {}, { namespace: 'elsewhere' });
      return statusOf(await t.request('POST', leasesPath(ns), body), ns);
    },
  },
  {
    name: 'get: 200 with the stored object; a missing Lease is 404 NotFound',
    async run(t) {
      const ns = await t.namespace();
      const created = await create(t, ns, 'here');
      const got = await t.request('GET', leasesPath(ns, 'here'));
      const same =
        (got.json as V1Lease).metadata?.resourceVersion === created.metadata.resourceVersion;
      const missing = await t.request('GET', leasesPath(ns, 'missing'));
      return { got: got.status, sameVersion: same, missing: statusOf(missing, ns) };
    },
  },
  {
    name: 'get: through client-node, MicroTimes arrive as six-digit strings',
    async run(t) {
      const ns = await t.namespace();
      await create(t, ns, 'typed');
      const api = t.kubeConfig.makeApiClient(CoordinationV1Api);
      const l = await api.readNamespacedLease({ name: 'typed', namespace: ns });
      return {
        renewTime: [typeof l.spec?.renewTime, String(l.spec?.renewTime)],
        missing: normalize(
          await clientFailure(api.readNamespacedLease({ name: 'nope', namespace: ns })),
          ns,
        ),
      };
    },
  },

  // replace -------------------------------------------------------------------------------
  {
    name: 'replace: current resourceVersion 200; stale resourceVersion 409 Conflict',
    async run(t) {
      const ns = await t.namespace();
      const created = await create(t, ns, 'cas');
      const first = await t.request('PUT', leasesPath(ns, 'cas'), {
        ...created,
        spec: { ...created.spec, holderIdentity: 'b' },
      });
      const stale = await t.request('PUT', leasesPath(ns, 'cas'), {
        ...created,
        spec: { ...created.spec, holderIdentity: 'c' },
      });
      const after = await t.request('GET', leasesPath(ns, 'cas'));
      return {
        first: first.status,
        versionMoved:
          (first.json as V1Lease).metadata?.resourceVersion !== created.metadata.resourceVersion,
        stale: statusOf(stale, ns),
        holder: (after.json as V1Lease).spec?.holderIdentity,
      };
    },
  },
  {
    name: 'replace: without resourceVersion is refused (Lease updates must be conditional)',
    async run(t) {
      const ns = await t.namespace();
      await create(t, ns, 'uncond');
      const r = await t.request(
        'PUT',
        leasesPath(ns, 'uncond'),
        leaseBody('uncond', { holderIdentity: 'z' }),
      );
      const after = await t.request('GET', leasesPath(ns, 'uncond'));
      return { status: statusOf(r, ns), holder: (after.json as V1Lease).spec?.holderIdentity };
    },
  },
  {
    name: 'replace: a missing Lease is 404 (no create on update)',
    async run(t) {
      const ns = await t.namespace();
      return statusOf(await t.request('PUT', leasesPath(ns, 'ghost'), leaseBody('ghost')), ns);
    },
  },
  {
    name: 'replace: body name differs from the URL: 400',
    async run(t) {
      const ns = await t.namespace();
      await create(t, ns, 'url-name');
      return statusOf(
        await t.request('PUT', leasesPath(ns, 'url-name'), leaseBody('body-name')),
        ns,
      );
    },
  },
  {
    name: 'replace: an unchanged object keeps its resourceVersion (no-op update)',
    async run(t) {
      const ns = await t.namespace();
      const created = await create(t, ns, 'noop');
      const r = await t.request('PUT', leasesPath(ns, 'noop'), created);
      return {
        code: r.status,
        sameVersion:
          (r.json as V1Lease).metadata?.resourceVersion === created.metadata.resourceVersion,
      };
    },
  },
  {
    name: 'replace: through client-node, a stale version is an ApiException 409',
    async run(t) {
      const ns = await t.namespace();
      const api = t.kubeConfig.makeApiClient(CoordinationV1Api);
      const created = await api.createNamespacedLease({
        namespace: ns,
        body: {
          metadata: { name: 'typed-cas' },
          spec: { holderIdentity: 'a', leaseDurationSeconds: 5 },
        },
      });
      await api.replaceNamespacedLease({
        name: 'typed-cas',
        namespace: ns,
        body: { ...created, spec: { ...created.spec, holderIdentity: 'b' } },
      });
      return normalize(
        await clientFailure(
          api.replaceNamespacedLease({
            name: 'typed-cas',
            namespace: ns,
            body: { ...created, spec: { ...created.spec, holderIdentity: 'c' } },
          }),
        ),
        ns,
      );
    },
  },

  // patch ---------------------------------------------------------------------------------
  {
    name: 'patch: merge, strategic merge and JSON patch',
    async run(t) {
      const ns = await t.namespace();
      await create(t, ns, 'p', {}, { labels: { keep: 'yes', drop: 'me' } });
      const merge = await t.request(
        'PATCH',
        leasesPath(ns, 'p'),
        { metadata: { labels: { drop: null, added: 'm' } }, spec: { holderIdentity: 'merge' } },
        { contentType: 'application/merge-patch+json' },
      );
      const strategic = await t.request(
        'PATCH',
        leasesPath(ns, 'p'),
        { metadata: { annotations: { s: '1' } }, spec: { leaseTransitions: 3 } },
        { contentType: 'application/strategic-merge-patch+json' },
      );
      const json = await t.request(
        'PATCH',
        leasesPath(ns, 'p'),
        [
          { op: 'test', path: '/spec/holderIdentity', value: 'merge' },
          { op: 'replace', path: '/spec/holderIdentity', value: 'json' },
          { op: 'add', path: '/metadata/labels/j', value: 'p' },
          { op: 'remove', path: '/spec/acquireTime' },
        ],
        { contentType: 'application/json-patch+json' },
      );
      return {
        merge: { code: merge.status, lease: essence(merge.json, ns) },
        strategic: { code: strategic.status, lease: essence(strategic.json, ns) },
        json: { code: json.status, lease: essence(json.json, ns) },
      };
    },
  },
  {
    name: 'patch: failures (stale version in a merge patch, failed JSON-patch test, bad content type, missing Lease)',
    async run(t) {
      const ns = await t.namespace();
      const created = await create(t, ns, 'pf');
      await t.request('PUT', leasesPath(ns, 'pf'), {
        ...created,
        spec: { ...created.spec, holderIdentity: 'moved' },
      });
      const stale = await t.request(
        'PATCH',
        leasesPath(ns, 'pf'),
        {
          metadata: { resourceVersion: created.metadata.resourceVersion },
          spec: { holderIdentity: 'x' },
        },
        { contentType: 'application/merge-patch+json' },
      );
      const failedTest = await t.request(
        'PATCH',
        leasesPath(ns, 'pf'),
        [{ op: 'test', path: '/spec/holderIdentity', value: 'not-it' }],
        { contentType: 'application/json-patch+json' },
      );
      const badType = await t.request(
        'PATCH',
        leasesPath(ns, 'pf'),
        { spec: {} },
        { contentType: 'text/plain' },
      );
      const missing = await t.request(
        'PATCH',
        leasesPath(ns, 'absent'),
        { spec: { holderIdentity: 'x' } },
        { contentType: 'application/merge-patch+json' },
      );
      return {
        stale: statusOf(stale, ns),
        failedTest: statusOf(failedTest, ns),
        badType: statusOf(badType, ns),
        missing: statusOf(missing, ns),
      };
    },
  },
  {
    name: 'patch: server-side apply creates, then a conflicting manager gets 409, force wins',
    async run(t) {
      const ns = await t.namespace();
      const applied = (manager: string, holder: string, force = false) =>
        t.request(
          'PATCH',
          leasesPath(ns, 'ssa', `fieldManager=${manager}${force ? '&force=true' : ''}`),
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: 'ssa' },
            spec: { holderIdentity: holder },
          },
          { contentType: 'application/apply-patch+yaml' },
        );
      const first = await applied('one', 'a');
      const conflict = await applied('two', 'b');
      const forced = await applied('two', 'b', true);
      const managers = ((forced.json as V1Lease).metadata?.managedFields ?? []).map((f) => ({
        manager: f.manager,
        operation: f.operation,
        fieldsV1: f.fieldsV1,
      }));
      return {
        first: { code: first.status, lease: essence(first.json, ns) },
        conflict: statusOf(conflict, ns),
        forced: { code: forced.status, lease: essence(forced.json, ns), managers },
      };
    },
  },

  // delete --------------------------------------------------------------------------------
  {
    name: 'delete: preconditions (uid, resourceVersion), then success, then 404',
    async run(t) {
      const ns = await t.namespace();
      const created = await create(t, ns, 'd');
      const wrongUid = await t.request('DELETE', leasesPath(ns, 'd'), {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        preconditions: { uid: '00000000-0000-0000-0000-000000000000' },
      });
      const wrongRv = await t.request('DELETE', leasesPath(ns, 'd'), {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        preconditions: { resourceVersion: '1' },
      });
      const ok = await t.request('DELETE', leasesPath(ns, 'd'), {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        preconditions: {
          uid: created.metadata.uid,
          resourceVersion: created.metadata.resourceVersion,
        },
      });
      const again = await t.request('DELETE', leasesPath(ns, 'd'));
      return {
        wrongUid: statusOf(wrongUid, ns),
        wrongRv: statusOf(wrongRv, ns),
        ok: outcome(ok, ns),
        again: statusOf(again, ns),
      };
    },
  },
  {
    name: 'deletecollection: by label selector, returns what it deleted',
    async run(t) {
      const ns = await t.namespace();
      await create(t, ns, 'dc-1', {}, { labels: { group: 'g' } });
      await create(t, ns, 'dc-2', {}, { labels: { group: 'g' } });
      await create(t, ns, 'dc-3', {}, { labels: { group: 'other' } });
      const r = await t.request('DELETE', leasesPath(ns, undefined, 'labelSelector=group%3Dg'));
      const body = r.json as {
        kind?: string;
        apiVersion?: string;
        items?: V1Lease[];
        metadata?: unknown;
      };
      const left = await t.request('GET', leasesPath(ns));
      return {
        code: r.status,
        kind: body.kind,
        apiVersion: body.apiVersion,
        metadata: normalize(body.metadata, ns),
        deleted: (body.items ?? []).map((l) => l.metadata?.name).sort(),
        left: ((left.json as { items: V1Lease[] }).items ?? []).map((l) => l.metadata?.name),
      };
    },
  },

  // list ----------------------------------------------------------------------------------
  {
    name: 'list: field selector by name, label selectors, unsupported field, limit and continue',
    async run(t) {
      const ns = await t.namespace();
      await create(t, ns, 'l-1', {}, { labels: { tier: 'a', n: '1' } });
      await create(t, ns, 'l-2', {}, { labels: { tier: 'b', n: '2' } });
      await create(t, ns, 'l-3', {}, { labels: { tier: 'a' } });
      const names = async (query: string) => {
        const r = await t.request('GET', leasesPath(ns, undefined, query));
        if (r.status !== 200) return statusOf(r, ns);
        const list = r.json as {
          kind: string;
          metadata: Record<string, unknown>;
          items: V1Lease[];
        };
        return {
          kind: list.kind,
          metadata: normalize(list.metadata, ns),
          items: list.items.map((l) => l.metadata?.name),
        };
      };
      return {
        all: await names(''),
        byName: await names('fieldSelector=metadata.name%3Dl-2'),
        byNameNot: await names('fieldSelector=metadata.name!%3Dl-2'),
        byNamespace: await names(`fieldSelector=metadata.namespace%3D${ns}`),
        unsupportedField: await names('fieldSelector=spec.holderIdentity%3Da'),
        labelEq: await names('labelSelector=tier%3Da'),
        labelIn: await names('labelSelector=tier%20in%20(b)'),
        labelExists: await names('labelSelector=n'),
        labelNotExists: await names('labelSelector=!n'),
        badLabel: await names('labelSelector=%3D%3D%3D'),
        page1: await names('limit=2'),
      };
    },
  },
  {
    name: 'list: the continue token returns the rest',
    async run(t) {
      const ns = await t.namespace();
      for (const n of ['c-1', 'c-2', 'c-3']) await create(t, ns, n);
      const first = (await t.request('GET', leasesPath(ns, undefined, 'limit=2'))).json as {
        metadata: { continue?: string };
        items: V1Lease[];
      };
      const token = encodeURIComponent(first.metadata.continue ?? '');
      const rest = await t.request('GET', leasesPath(ns, undefined, `limit=2&continue=${token}`));
      const restList = rest.json as { metadata: Record<string, unknown>; items: V1Lease[] };
      return {
        first: first.items.map((l) => l.metadata?.name),
        rest: {
          code: rest.status,
          metadata: normalize(restList.metadata, ns),
          items: restList.items.map((l) => l.metadata?.name),
        },
      };
    },
  },
  {
    name: 'list: across namespaces includes the Lease',
    async run(t) {
      const ns = await t.namespace();
      await create(t, ns, 'everywhere');
      const r = await t.request('GET', `${V1}/leases?fieldSelector=metadata.namespace%3D${ns}`);
      const list = r.json as { items: V1Lease[] };
      return {
        code: r.status,
        items: list.items.map((l) => [l.metadata?.namespace === ns, l.metadata?.name]),
      };
    },
  },

  // validation ----------------------------------------------------------------------------
  {
    name: 'validation: leaseDurationSeconds 0 → 422',
    async run(t) {
      const ns = await t.namespace();
      return statusOf(
        await t.request('POST', leasesPath(ns), leaseBody('zero', { leaseDurationSeconds: 0 })),
        ns,
      );
    },
  },
  {
    name: 'validation: negative leaseTransitions → 422',
    async run(t) {
      const ns = await t.namespace();
      return statusOf(
        await t.request('POST', leasesPath(ns), leaseBody('neg', { leaseTransitions: -1 })),
        ns,
      );
    },
  },
  {
    name: 'validation: preferredHolder without strategy → 422; with strategy → 201',
    async run(t) {
      const ns = await t.namespace();
      const without = await t.request(
        'POST',
        leasesPath(ns),
        leaseBody('ph', { preferredHolder: 'b' }),
      );
      const withStrategy = await t.request(
        'POST',
        leasesPath(ns),
        leaseBody('ph2', { preferredHolder: 'b', strategy: 'OldestEmulationVersion' }),
      );
      const badStrategy = await t.request(
        'POST',
        leasesPath(ns),
        leaseBody('ph3', { strategy: 'Whatever' }),
      );
      return {
        without: statusOf(without, ns),
        withStrategy: { code: withStrategy.status, lease: essence(withStrategy.json, ns) },
        badStrategy: statusOf(badStrategy, ns),
      };
    },
  },
  {
    name: 'validation: invalid names → 422',
    async run(t) {
      const ns = await t.namespace();
      const bad = await t.request('POST', leasesPath(ns), leaseBody('Bad_Name'));
      const long = await t.request('POST', leasesPath(ns), leaseBody('x'.repeat(254)));
      const none = await t.request('POST', leasesPath(ns), { ...leaseBody(''), metadata: {} });
      return { bad: statusOf(bad, ns), long: statusOf(long, ns), none: statusOf(none, ns) };
    },
  },
  {
    name: 'validation: a MicroTime with three fractional digits → 400',
    async run(t) {
      const ns = await t.namespace();
      const three = '2026-01-01T00:00:00.123Z';
      const r = await t.request('POST', leasesPath(ns), leaseBody('ms', { renewTime: three }));
      const noFraction = await t.request(
        'POST',
        leasesPath(ns),
        leaseBody('nofrac', { acquireTime: '2026-01-01T00:00:00Z' }),
      );
      return { three: statusOf(r, ns), noFraction: statusOf(noFraction, ns) };
    },
  },
  {
    name: 'validation: wrong JSON types and malformed bodies → 400',
    async run(t) {
      const ns = await t.namespace();
      const stringDuration = await t.request(
        'POST',
        leasesPath(ns),
        leaseBody('s', { leaseDurationSeconds: '15' }),
      );
      const garbage = await t.request('POST', leasesPath(ns), undefined, {
        rawBody: '{"metadata": ',
      });
      const wrongKind = await t.request('POST', leasesPath(ns), { ...leaseBody('k'), kind: 'Pod' });
      return {
        stringDuration: statusOf(stringDuration, ns),
        garbage: statusOf(garbage, ns),
        wrongKind: statusOf(wrongKind, ns),
      };
    },
  },

  // watch ---------------------------------------------------------------------------------
  {
    name: 'watch: from a version delivers exactly the later changes, in order',
    async run(t) {
      const ns = await t.namespace();
      const created = await create(t, ns, 'w');
      let cur = created as V1Lease;
      for (const holder of ['b', 'c']) {
        const r = await t.request('PUT', leasesPath(ns, 'w'), {
          ...cur,
          spec: { ...cur.spec, holderIdentity: holder },
        });
        cur = r.json as V1Lease;
      }
      const lastRv = cur.metadata?.resourceVersion;
      const { events, end } = await watch(
        t,
        ns,
        { resourceVersion: created.metadata.resourceVersion, fieldSelector: 'metadata.name=w' },
        {
          until: (e) =>
            (e.object.metadata as { resourceVersion?: string })?.resourceVersion === lastRv,
        },
      );
      return { end, events: events.map((e) => eventSummary(e, ns)) };
    },
  },
  {
    name: 'watch: without a version (and from "0") starts with ADDED of the current state',
    async run(t) {
      const ns = await t.namespace();
      await create(t, ns, 'w0');
      const fromNothing = await watch(t, ns, {}, { until: (e) => e.type === 'ADDED' });
      const fromZero = await watch(
        t,
        ns,
        { resourceVersion: '0' },
        { until: (e) => e.type === 'ADDED' },
      );
      return {
        fromNothing: fromNothing.events.map((e) => eventSummary(e, ns)),
        fromZero: fromZero.events.map((e) => eventSummary(e, ns)),
      };
    },
  },
  {
    name: 'watch: from "0" with allowWatchBookmarks (a legacy watch, defaulted to a watch list?)',
    async run(t) {
      const ns = await t.namespace();
      await create(t, ns, 'legacy');
      const { events, end } = await watch(
        t,
        ns,
        { resourceVersion: '0', allowWatchBookmarks: true, timeoutSeconds: 2 },
        { timeoutMs: 10_000 },
      );
      return { end, events: events.map((e) => eventSummary(e, ns)) };
    },
  },
  {
    name: 'watch: live events for create, update and delete, filtered by field selector',
    async run(t) {
      const ns = await t.namespace();
      const { events, end } = await watch(
        t,
        ns,
        { fieldSelector: 'metadata.name=live', resourceVersion: '0' },
        {
          until: (e) => e.type === 'DELETED',
          during: async () => {
            const c = await create(t, ns, 'live');
            await create(t, ns, 'not-this-one');
            await t.request('PUT', leasesPath(ns, 'live'), {
              ...c,
              spec: { ...c.spec, holderIdentity: 'b' },
            });
            await t.request('DELETE', leasesPath(ns, 'live'));
          },
        },
      );
      return { end, events: events.map((e) => eventSummary(e, ns)) };
    },
  },
  {
    name: 'watch: sendInitialEvents ends the initial state with an annotated BOOKMARK',
    async run(t) {
      const ns = await t.namespace();
      await create(t, ns, 'init-1');
      await create(t, ns, 'init-2');
      const { events, end } = await watch(
        t,
        ns,
        {
          sendInitialEvents: true,
          resourceVersionMatch: 'NotOlderThan',
          allowWatchBookmarks: true,
        },
        { until: (e) => e.type === 'BOOKMARK' },
      );
      // The same without allowWatchBookmarks (timeoutSeconds=1 ends it if it is served).
      const noBookmarks = await t.request(
        'GET',
        leasesPath(
          ns,
          undefined,
          'watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1',
        ),
      );
      return {
        end,
        events: events
          .map((e) => eventSummary(e, ns))
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        withoutBookmarks:
          noBookmarks.status === 200
            ? {
                code: 200,
                types: noBookmarks.text
                  .trim()
                  .split('\n')
                  .map((l) => (JSON.parse(l) as WatchEvent).type),
              }
            : statusOf(noBookmarks, ns),
      };
    },
  },
  {
    name: 'watch: allowWatchBookmarks on a quiet watch with timeoutSeconds=5',
    async run(t) {
      const ns = await t.namespace();
      const created = await create(t, ns, 'quiet');
      const { events, end } = await watch(
        t,
        ns,
        {
          resourceVersion: created.metadata.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: 5,
        },
        { timeoutMs: 15_000 },
      );
      return { end, events: events.map((e) => eventSummary(e, ns)) };
    },
  },
  {
    name: 'watch: a version from the future',
    async run(t) {
      const ns = await t.namespace();
      const created = await create(t, ns, 'future');
      const future = String(Number(created.metadata.resourceVersion) + 1_000_000);
      const { events, end } = await watch(
        t,
        ns,
        { resourceVersion: future, timeoutSeconds: 3 },
        {
          until: (e) => e.type === 'ERROR',
          timeoutMs: 15_000,
        },
      );
      return { end, events: events.map((e) => eventSummary(e, ns)) };
    },
  },
  {
    name: 'watch: a compacted version is 410 Expired, in band',
    on: 'second',
    async run(t) {
      const ns = await t.namespace();
      const created = await create(t, ns, 'old');
      let cur = created as V1Lease;
      for (const holder of ['b', 'c', 'd']) {
        cur = (
          await t.request('PUT', leasesPath(ns, 'old'), {
            ...cur,
            spec: { ...cur.spec, holderIdentity: holder },
          })
        ).json as V1Lease;
      }
      await t.compact!();
      const { events, end } = await watch(
        t,
        ns,
        { resourceVersion: created.metadata.resourceVersion, fieldSelector: 'metadata.name=old' },
        { until: (e) => e.type === 'ERROR' },
      );
      const list = await t.request(
        'GET',
        leasesPath(
          ns,
          undefined,
          `resourceVersion=${created.metadata.resourceVersion}&resourceVersionMatch=Exact`,
        ),
      );
      return {
        end,
        events: events.map((e) => eventSummary(e, ns)),
        exactList: statusOf(list, ns),
      };
    },
  },

  // coordinated leader election fields without the feature gate ---------------------------
  {
    name: 'coordinated fields on a default cluster (CoordinatedLeaderElection off)',
    on: 'second',
    async run(t) {
      const ns = await t.namespace();
      const created = await t.request(
        'POST',
        leasesPath(ns),
        leaseBody('cle', { strategy: 'OldestEmulationVersion', preferredHolder: 'b' }),
      );
      const plain = await create(t, ns, 'cle-2');
      const updated = await t.request('PUT', leasesPath(ns, 'cle-2'), {
        ...plain,
        spec: { ...plain.spec, strategy: 'OldestEmulationVersion', preferredHolder: 'b' },
      });
      const invalid = await t.request(
        'POST',
        leasesPath(ns),
        leaseBody('cle-3', { preferredHolder: 'b' }),
      );
      return {
        created: { code: created.status, lease: essence(created.json, ns) },
        updated: { code: updated.status, lease: essence(updated.json, ns) },
        preferredHolderWithoutStrategy: outcome(invalid, ns).code,
      };
    },
  },

  // core v1 Events (what electors write and `kubectl events --for lease/NAME` reads) --------
  {
    name: 'events: create, duplicate, namespace checks, list by involvedObject selectors',
    async run(t) {
      const ns = await t.namespace();
      const path = `/api/v1/namespaces/${ns}/events`;
      const event = (name: string, lease: string, involvedNamespace = ns) => ({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name },
        involvedObject: {
          kind: 'Lease',
          apiVersion: 'coordination.k8s.io/v1',
          name: lease,
          namespace: involvedNamespace,
        },
        reason: 'LeaderElection',
        message: `x ${lease}`,
        type: 'Normal',
        source: { component: 'leasehold' },
        count: 1,
        firstTimestamp: '2026-01-01T00:00:00Z',
        lastTimestamp: '2026-01-01T00:00:00Z',
      });
      const created = await t.request('POST', path, event('a.1', 'a'));
      await t.request('POST', path, event('b.1', 'b'));
      const duplicate = await t.request('POST', path, event('a.1', 'a'));
      const elsewhere = await t.request('POST', path, event('c.1', 'c', 'other'));
      const selector = encodeURIComponent(
        'involvedObject.kind=Lease,involvedObject.apiVersion=coordination.k8s.io/v1,involvedObject.name=a',
      );
      const listed = await t.request('GET', `${path}?fieldSelector=${selector}`);
      const created_ = created.json as Record<string, unknown>;
      const items = ((listed.json as { items?: Record<string, unknown>[] }).items ?? []).map(
        (e) => ({
          name: (e.metadata as { name?: string }).name,
          message: e.message,
          reason: e.reason,
        }),
      );
      return {
        created: { code: created.status, kind: created_.kind, message: created_.message },
        duplicate: {
          code: duplicate.status,
          reason: (duplicate.json as { reason?: string }).reason,
        },
        elsewhere: {
          code: elsewhere.status,
          reason: (elsewhere.json as { reason?: string }).reason,
        },
        listed: { code: listed.status, kind: (listed.json as { kind?: string }).kind, items },
      };
    },
  },

  // discovery -----------------------------------------------------------------------------
  {
    name: 'discovery: the leases resource in coordination.k8s.io/v1',
    async run(t) {
      const r = await t.request('GET', V1);
      const list = r.json as {
        kind: string;
        groupVersion: string;
        resources: Record<string, unknown>[];
      };
      return {
        code: r.status,
        kind: list.kind,
        groupVersion: list.groupVersion,
        leases: list.resources.find((x) => x.name === 'leases'),
      };
    },
  },
];
