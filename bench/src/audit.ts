/**
 * Server-side request accounting for the real kube-apiserver, from its audit log: every Lease
 * request by the candidates' users, with verb, namespace and timestamps. Unlike
 * `apiserver_request_total` (which has no namespace label), it attributes each request to a
 * namespace (one contender's arena) and to a user (the leader runs as the admin user, the
 * followers as the restricted one, so their traffic is told apart).
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';

/** Audit policy: Metadata for Lease requests by the two harness users, nothing else. */
export function auditPolicy(users: readonly string[]): string {
  return [
    'apiVersion: audit.k8s.io/v1',
    'kind: Policy',
    'omitStages: ["RequestReceived"]',
    'rules:',
    '- level: Metadata',
    `  users: [${users.map((u) => JSON.stringify(u)).join(', ')}]`,
    '  resources:',
    '  - group: "coordination.k8s.io"',
    '    resources: ["leases"]',
    '- level: None',
    '',
  ].join('\n');
}

export interface AuditRequest {
  readonly id: string;
  readonly verb: string;
  readonly user: string;
  readonly namespace: string;
  readonly name: string | undefined;
  /** Wall-clock ms when the server received it. */
  readonly receivedMs: number;
  /** Wall-clock ms when the response completed (a watch: when the stream ended). */
  completedMs: number | undefined;
  code: number | undefined;
}

interface RawAuditEvent {
  auditID?: string;
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: { namespace?: string; name?: string; resource?: string };
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
  responseStatus?: { code?: number };
}

export class AuditLog {
  readonly path: string;
  readonly #requests = new Map<string, AuditRequest>();
  #offset = 0;
  #partial = '';

  constructor(path: string) {
    this.path = path;
  }

  /** Reads what the apiserver appended since the last call. */
  refresh(): void {
    if (!existsSync(this.path)) return;
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < this.#offset) {
        this.#offset = 0; // rotated (should not happen: no max size set)
        this.#partial = '';
      }
      const buf = Buffer.alloc(1 << 20);
      while (this.#offset < size) {
        const n = readSync(fd, buf, 0, buf.length, this.#offset);
        if (n <= 0) break;
        this.#offset += n;
        const text = this.#partial + buf.toString('utf8', 0, n);
        const lines = text.split('\n');
        this.#partial = lines.pop() ?? '';
        for (const line of lines) this.#ingest(line);
      }
    } finally {
      closeSync(fd);
    }
  }

  #ingest(line: string): void {
    if (line === '') return;
    let e: RawAuditEvent;
    try {
      e = JSON.parse(line) as RawAuditEvent;
    } catch {
      return;
    }
    if (!e.auditID || e.objectRef?.resource !== 'leases') return;
    let r = this.#requests.get(e.auditID);
    if (!r) {
      r = {
        id: e.auditID,
        verb: e.verb ?? '?',
        user: e.user?.username ?? '?',
        namespace: e.objectRef.namespace ?? '',
        name: e.objectRef.name,
        receivedMs: Date.parse(e.requestReceivedTimestamp ?? e.stageTimestamp ?? ''),
        completedMs: undefined,
        code: undefined,
      };
      this.#requests.set(e.auditID, r);
    }
    if (e.stage === 'ResponseComplete' || e.stage === 'Panic') {
      r.completedMs = Date.parse(e.stageTimestamp ?? '');
      r.code = e.responseStatus?.code;
    } else if (e.stage === 'ResponseStarted') {
      r.code = e.responseStatus?.code;
    }
  }

  /** Requests in `namespace` received in `[fromMs, toMs)` (wall clock). */
  requests(namespace: string, fromMs: number, toMs: number): AuditRequest[] {
    this.refresh();
    const out: AuditRequest[] = [];
    for (const r of this.#requests.values()) {
      if (r.namespace === namespace && r.receivedMs >= fromMs && r.receivedMs < toMs) out.push(r);
    }
    return out;
  }

  /** Watches in `namespace` open at wall-clock `atMs`, by user. */
  openWatches(namespace: string, atMs: number): Record<string, number> {
    this.refresh();
    const byUser: Record<string, number> = {};
    for (const r of this.#requests.values()) {
      if (r.namespace !== namespace || r.verb !== 'watch') continue;
      if (r.code !== undefined && r.code !== 200) continue;
      if (r.receivedMs <= atMs && (r.completedMs === undefined || r.completedMs > atMs)) {
        byUser[r.user] = (byUser[r.user] ?? 0) + 1;
      }
    }
    return byUser;
  }

  /** Forgets requests that completed before `beforeMs` (bounds memory in long runs). */
  prune(beforeMs: number): void {
    for (const [id, r] of this.#requests) {
      if (r.completedMs !== undefined && r.completedMs < beforeMs) this.#requests.delete(id);
    }
  }
}
