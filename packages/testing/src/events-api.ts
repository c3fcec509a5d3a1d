/**
 * Core v1 Events, served well enough for electors that record them and for
 * `kubectl events --for lease/NAME`: create, list and watch, namespaced and cluster-wide, with
 * the `involvedObject.*`, `reason`, `type`, `reportingComponent` and `metadata.*` field
 * selectors upstream's Event strategy supports. Events are kept in memory with their own
 * resourceVersion counter; there is no PATCH (aggregation of repeats) and no deletion.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { jsonWatchResponse } from './json-watch-stream.js';
import { flag, readBody, respond } from './request.js';
import { ApiError, alreadyExists, badRequest, failureStatus, genericResponse } from './status.js';

/** An Event as stored: whatever the client sent, plus server metadata. */
type EventObject = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name: string; namespace: string; resourceVersion: string };
};

/** What an events path names. */
export interface EventsRoute {
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

/** Routes `/api/v1/events` and `/api/v1/namespaces/NS/events[/NAME]`; `undefined` otherwise. */
export function eventsRoute(pathname: string): EventsRoute | undefined {
  const s = pathname.split('/').filter((x) => x !== '');
  if (s[0] !== 'api' || s[1] !== 'v1') return undefined;
  if (s.length === 3 && s[2] === 'events') return { namespace: undefined, name: undefined };
  if (s[2] === 'namespaces' && s[4] === 'events' && (s.length === 5 || s.length === 6)) {
    return { namespace: decodeURIComponent(s[3] ?? ''), name: s[5] && decodeURIComponent(s[5]) };
  }
  return undefined;
}

const invalid = (message: string) =>
  new ApiError(failureStatus(422, 'Invalid', message, { kind: 'Event' }));

/** The fields a selector can name, read from an Event. */
function fieldOf(event: EventObject, field: string): string {
  const involved = (event.involvedObject ?? {}) as Record<string, unknown>;
  const source = (event.source ?? {}) as Record<string, unknown>;
  if (field.startsWith('involvedObject.')) return String(involved[field.slice(15)] ?? '');
  switch (field) {
    case 'metadata.name':
      return event.metadata.name;
    case 'metadata.namespace':
      return event.metadata.namespace;
    case 'reason':
    case 'type':
    case 'reportingComponent':
      return String(event[field] ?? '');
    case 'source':
      return String(source.component ?? event.reportingComponent ?? '');
    default:
      throw badRequest(
        `"${field}" is not a known field selector: only "involvedObject.*", "metadata.name", "metadata.namespace", "reason", "reportingComponent", "source", "type"`,
      );
  }
}

/** A parsed field selector: every term must hold. */
function selector(text: string): (event: EventObject) => boolean {
  const terms = text
    .split(',')
    .filter((t) => t !== '')
    .map((term) => {
      const match = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
      if (!match) throw badRequest(`invalid field selector term: ${term}`);
      const [, field = '', op, value = ''] = match;
      return { field: field.trim(), negate: op === '!=', value: value.trim() };
    });
  return (event) => terms.every((t) => (fieldOf(event, t.field) === t.value) !== t.negate);
}

/** The in-memory Events of one server. */
export class EventsApi {
  readonly #events: EventObject[] = [];
  readonly #watchers = new Set<(event: EventObject) => void>();
  #version = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Every stored Event (for inspection). */
  get events(): readonly EventObject[] {
    return this.#events;
  }

  async handle(
    request: Request,
    url: URL,
    target: EventsRoute,
    maxBody: number,
  ): Promise<Response> {
    const query = url.searchParams;
    const pretty = flag(query, 'pretty');
    if (request.method === 'POST' && target.namespace !== undefined && target.name === undefined) {
      const created = this.#create(await readBody(request, maxBody), target.namespace);
      return respond(201, created, { pretty });
    }
    if (request.method !== 'GET') throw genericResponse(405);
    if (target.name !== undefined) {
      const found = this.#events.find(
        (e) => e.metadata.namespace === target.namespace && e.metadata.name === target.name,
      );
      if (!found) {
        throw new ApiError(
          failureStatus(404, 'NotFound', `events "${target.name}" not found`, {
            name: target.name,
            kind: 'events',
          }),
        );
      }
      return respond(200, { kind: 'Event', apiVersion: 'v1', ...found }, { pretty });
    }
    const matches = selector(query.get('fieldSelector') ?? '');
    const inScope = (e: EventObject) =>
      (target.namespace === undefined || e.metadata.namespace === target.namespace) && matches(e);
    if (flag(query, 'watch')) return this.#watch(request, query, inScope);
    return respond(
      200,
      {
        kind: 'EventList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.#version) },
        items: this.#events.filter(inScope),
      },
      { pretty },
    );
  }

  #create(body: string, namespace: string): EventObject {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw badRequest('the request body is not a JSON Event');
    }
    const metadata = (parsed.metadata ?? {}) as Record<string, unknown>;
    const involved = (parsed.involvedObject ?? {}) as Record<string, unknown>;
    if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const involvedNamespace = involved.namespace ?? '';
    if (involvedNamespace !== '' && involvedNamespace !== namespace) {
      throw invalid('involvedObject.namespace: Invalid value: does not match event.namespace');
    }
    const name =
      typeof metadata.name === 'string' && metadata.name !== ''
        ? metadata.name
        : typeof metadata.generateName === 'string'
          ? `${metadata.generateName}${randomUUID().slice(0, 5)}`
          : undefined;
    if (name === undefined)
      throw invalid('metadata.name: Required value: name or generateName is required');
    if (this.#events.some((e) => e.metadata.namespace === namespace && e.metadata.name === name)) {
      throw alreadyExists(name);
    }
    this.#version++;
    const event: EventObject = {
      ...parsed,
      metadata: {
        ...metadata,
        name,
        namespace,
        uid: randomUUID(),
        resourceVersion: String(this.#version),
        creationTimestamp: new Date(this.#now()).toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    delete event.kind;
    delete event.apiVersion;
    this.#events.push(event);
    for (const watcher of this.#watchers) watcher(event);
    return { kind: 'Event', apiVersion: 'v1', ...event } as EventObject;
  }

  #watch(request: Request, query: URLSearchParams, inScope: (e: EventObject) => boolean): Response {
    const from = Number(query.get('resourceVersion') ?? '0') || 0;
    return jsonWatchResponse(request, (sendLine) => {
      const send = (event: EventObject) => {
        if (inScope(event)) sendLine('ADDED', { kind: 'Event', apiVersion: 'v1', ...event });
      };
      for (const event of this.#events) {
        if (Number(event.metadata.resourceVersion) > from) send(event);
      }
      this.#watchers.add(send);
      return () => this.#watchers.delete(send);
    });
  }
}
