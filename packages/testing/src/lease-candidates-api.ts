/**
 * `coordination.k8s.io/v1beta1` LeaseCandidates, served well enough for electors that publish
 * them (client-go's `NewCandidate`, leasehold's `candidate` option) and for a test that plays
 * the coordinator: create, get, update (preconditioned on `metadata.resourceVersion`), list and
 * watch, namespaced, with the `metadata.name` field selector. Validation follows upstream's:
 * `leaseName`, `binaryVersion` (strict semver) and `strategy` are required, `emulationVersion`
 * too for `OldestEmulationVersion`, and `leaseName` is immutable. No coordinator runs here.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import {
  type FieldError,
  fieldInvalid,
  fieldNotSupported,
  fieldRequired,
  invalid as invalidStatus,
} from './field-errors.js';
import { jsonWatchResponse } from './json-watch-stream.js';
import { flag, readBody, respond } from './request.js';
import { ApiError, badRequest, failureStatus, genericResponse } from './status.js';

type CandidateObject = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name: string; namespace: string; resourceVersion: string };
  spec: Record<string, unknown>;
};

const GROUP_VERSION = 'coordination.k8s.io/v1beta1';
const KIND = 'LeaseCandidate';
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** What a leasecandidates path names. */
export interface LeaseCandidatesRoute {
  readonly namespace: string;
  readonly name: string | undefined;
}

/** Routes `/apis/coordination.k8s.io/v1beta1/namespaces/NS/leasecandidates[/NAME]`. */
export function leaseCandidatesRoute(pathname: string): LeaseCandidatesRoute | undefined {
  const s = pathname.split('/').filter((x) => x !== '');
  if (s[0] !== 'apis' || s[1] !== 'coordination.k8s.io' || s[2] !== 'v1beta1') return undefined;
  if (s[3] !== 'namespaces' || s[5] !== 'leasecandidates' || s.length < 6 || s.length > 7) {
    return undefined;
  }
  return { namespace: decodeURIComponent(s[4] ?? ''), name: s[6] && decodeURIComponent(s[6]) };
}

/** The 422 of upstream's `ValidateLeaseCandidate[Update]`: every field error at once. */
const invalid = (name: string, errors: readonly FieldError[]) =>
  invalidStatus(name, errors, `${KIND}.coordination.k8s.io`);

const notFound = (name: string) =>
  new ApiError(
    failureStatus(404, 'NotFound', `leasecandidates.coordination.k8s.io "${name}" not found`, {
      name,
      group: 'coordination.k8s.io',
      kind: 'leasecandidates',
    }),
  );

const alreadyExists = (name: string) =>
  new ApiError(
    failureStatus(
      409,
      'AlreadyExists',
      `leasecandidates.coordination.k8s.io "${name}" already exists`,
      {
        name,
        group: 'coordination.k8s.io',
        kind: 'leasecandidates',
      },
    ),
  );

/** Strategies a one-segment `strategy` may name (upstream's `validLeaseStrategies`). */
const STRATEGIES = ['OldestEmulationVersion'];

/** A parsed strict semver, `undefined` when not one; `[0, 0, 0]` for the empty string. */
function semver(text: string): readonly number[] | undefined {
  if (text === '') return [0, 0, 0];
  const m = SEMVER.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}
const lessThan = (a: readonly number[], b: readonly number[]) => {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
};

/** Upstream's `ValidateLeaseCandidateSpec` (kubernetes pkg/apis/coordination/validation), in its order. */
function specErrors(spec: Record<string, unknown>): FieldError[] {
  const text = (field: string) => (typeof spec[field] === 'string' ? (spec[field] as string) : '');
  const errors: FieldError[] = [];
  if (text('leaseName') === '') errors.push(fieldRequired('spec.leaseName', ''));
  const emulation = text('emulationVersion');
  const ev = semver(emulation) ?? [0, 0, 0];
  if (semver(emulation) === undefined) {
    errors.push(
      fieldInvalid('spec.emulationVersion', emulation, 'must be a valid semantic version'),
    );
  }
  const binary = text('binaryVersion');
  const bv = semver(binary) ?? [0, 0, 0];
  if (binary === '') errors.push(fieldRequired('spec.binaryVersion', ''));
  else if (semver(binary) === undefined) {
    errors.push(fieldInvalid('spec.binaryVersion', binary, 'must be a valid semantic version'));
  }
  if (binary !== '' && emulation !== '' && lessThan(bv, ev)) {
    errors.push(
      fieldInvalid(
        'spec.binaryVersion',
        binary,
        'must be greater than or equal to `emulationVersion`',
      ),
    );
  }
  const strategy = text('strategy');
  if (strategy === '') errors.push(fieldRequired('spec.strategy', ''));
  else {
    if (strategy === 'OldestEmulationVersion' && !lessThan([0, 0, 0], ev)) {
      errors.push(
        fieldRequired(
          'spec.emulationVersion',
          "must be specified when `strategy` is 'OldestEmulationVersion'",
        ),
      );
    }
    // Upstream appends "strategy" to a path that already ends in it.
    if (!strategy.includes('/') && !STRATEGIES.includes(strategy)) {
      errors.push(fieldNotSupported('spec.strategy.strategy', strategy, STRATEGIES));
    }
  }
  return errors;
}

/** The in-memory LeaseCandidates of one server. */
export class LeaseCandidatesApi {
  readonly #items = new Map<string, CandidateObject>();
  readonly #watchers = new Set<(type: string, item: CandidateObject) => void>();
  #version = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Every stored candidate (for inspection). */
  get candidates(): readonly CandidateObject[] {
    return [...this.#items.values()];
  }

  async handle(
    request: Request,
    url: URL,
    target: LeaseCandidatesRoute,
    maxBody: number,
  ): Promise<Response> {
    const query = url.searchParams;
    const pretty = flag(query, 'pretty');
    const key = (name: string) => `${target.namespace}/${name}`;
    if (request.method === 'POST' && target.name === undefined) {
      const body = this.#parse(await readBody(request, maxBody), target.namespace);
      if (this.#items.has(key(body.metadata.name))) throw alreadyExists(body.metadata.name);
      return respond(201, this.#store('ADDED', body), { pretty });
    }
    if (request.method === 'PUT' && target.name !== undefined) {
      const body = this.#parse(await readBody(request, maxBody), target.namespace);
      if (body.metadata.name !== target.name) {
        throw badRequest('the name of the object does not match the name on the URL');
      }
      const current = this.#items.get(key(target.name));
      if (!current) throw notFound(target.name);
      const precondition = body.metadata.resourceVersion;
      if (precondition !== '' && precondition !== current.metadata.resourceVersion) {
        throw new ApiError(
          failureStatus(
            409,
            'Conflict',
            `Operation cannot be fulfilled on leasecandidates.coordination.k8s.io "${target.name}": the object has been modified; please apply your changes to the latest version and try again`,
            { name: target.name, group: 'coordination.k8s.io', kind: 'leasecandidates' },
          ),
        );
      }
      if (body.spec.leaseName !== current.spec.leaseName) {
        throw invalid(target.name, [
          fieldInvalid('spec.leaseName', body.spec.leaseName, 'field is immutable'),
        ]);
      }
      body.metadata = {
        ...body.metadata,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
      };
      return respond(200, this.#store('MODIFIED', body), { pretty });
    }
    if (request.method !== 'GET') throw genericResponse(405);
    if (target.name !== undefined) {
      const found = this.#items.get(key(target.name));
      if (!found) throw notFound(target.name);
      return respond(200, this.#wire(found), { pretty });
    }
    const nameSelector = /^metadata\.name(==|=)(.+)$/.exec(query.get('fieldSelector') ?? '');
    if (query.get('fieldSelector') && !nameSelector) {
      throw badRequest('only the metadata.name field selector is served here');
    }
    const inScope = (c: CandidateObject) =>
      c.metadata.namespace === target.namespace &&
      (nameSelector === null || c.metadata.name === nameSelector[2]);
    if (flag(query, 'watch')) return this.#watch(request, query, inScope);
    return respond(
      200,
      {
        kind: 'LeaseCandidateList',
        apiVersion: GROUP_VERSION,
        metadata: { resourceVersion: String(this.#version) },
        items: [...this.#items.values()].filter(inScope),
      },
      { pretty },
    );
  }

  #parse(body: string, namespace: string): CandidateObject {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw badRequest('the request body is not a JSON LeaseCandidate');
    }
    const metadata = (parsed.metadata ?? {}) as Record<string, unknown>;
    if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    if (name === '') {
      throw invalid('', [fieldRequired('metadata.name', 'name or generateName is required')]);
    }
    const spec = (parsed.spec ?? {}) as Record<string, unknown>;
    const errors = specErrors(spec);
    if (errors.length > 0) throw invalid(name, errors);
    const resourceVersion =
      typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '';
    return { ...parsed, metadata: { ...metadata, name, namespace, resourceVersion }, spec };
  }

  #store(type: 'ADDED' | 'MODIFIED', item: CandidateObject): unknown {
    this.#version++;
    const stored: CandidateObject = {
      ...item,
      metadata: {
        uid: randomUUID(),
        creationTimestamp: new Date(this.#now()).toISOString().replace(/\.\d+Z$/, 'Z'),
        ...item.metadata,
        resourceVersion: String(this.#version),
      },
    };
    delete stored.kind;
    delete stored.apiVersion;
    this.#items.set(`${stored.metadata.namespace}/${stored.metadata.name}`, stored);
    for (const watcher of this.#watchers) watcher(type, stored);
    return this.#wire(stored);
  }

  #wire(item: CandidateObject): unknown {
    return { kind: KIND, apiVersion: GROUP_VERSION, ...item };
  }

  #watch(
    request: Request,
    query: URLSearchParams,
    inScope: (c: CandidateObject) => boolean,
  ): Response {
    const from = Number(query.get('resourceVersion') ?? '0') || 0;
    return jsonWatchResponse(request, (sendLine) => {
      const send = (type: string, item: CandidateObject) => {
        if (inScope(item)) sendLine(type, this.#wire(item));
      };
      // Only the latest version of each is kept: a watch from an older version starts
      // with what changed since, as ADDED.
      for (const item of this.#items.values()) {
        if (Number(item.metadata.resourceVersion) > from) send('ADDED', item);
      }
      this.#watchers.add(send);
      return () => this.#watchers.delete(send);
    });
  }
}
