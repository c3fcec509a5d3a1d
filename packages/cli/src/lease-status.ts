/**
 * What `leasehold status` shows about a Lease, and how it prints it.
 *
 * @remarks
 * Ages are computed only from timestamps of one clock. The API server stamps every write in
 * `metadata.managedFields[].time` and every response in its `Date` header, both on its own
 * clock (whole seconds): "renewed ago" and "expires in" compare those two and say so. When a
 * Lease carries no managed fields, the holder's own `renewTime` stands in, compared with the
 * server's `Date`, and the output says "holder clock" instead — an offset between the
 * holder's and the server's clocks then shows up in the figure. The local clock of the
 * machine running the command is never used.
 *
 * @module
 */
import { dumpYaml, type V1Lease } from '@kubernetes/client-node';

/** One Lease, as `leasehold status` reports it. */
export interface LeaseStatus {
  readonly namespace: string;
  readonly name: string;
  /** `null` when nobody holds it. */
  readonly holder: string | null;
  /** `leaseTransitions`: the fencing token of the current (or last) term. */
  readonly fencingToken: number;
  readonly leaseDurationSeconds: number | null;
  /** As written by the holder, on the holder's clock. */
  readonly acquireTime: string | null;
  readonly renewTime: string | null;
  /** The server's `Date` when it answered. */
  readonly serverTime: string | null;
  /** Which clock `renewedAgoSeconds` and `expiresInSeconds` come from. */
  readonly clock: 'server' | 'holder';
  /** Seconds since the last write, or `null` when unknown. */
  readonly renewedAgoSeconds: number | null;
  /** Seconds until the holder's lease runs out (negative: ran out that long ago). */
  readonly expiresInSeconds: number | null;
  readonly preferredHolder: string | null;
  readonly strategy: string | null;
  /** Held, and written within its lease duration. */
  readonly holderLooksAlive: boolean;
}

const toMs = (value: unknown): number | null => {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
};
const toIso = (value: unknown): string | null => {
  const ms = toMs(value);
  return ms === null ? null : new Date(ms).toISOString();
};

/** Builds the status of `lease` as of `serverNowMs` (the server's `Date`, or `null`). */
export function leaseStatus(lease: V1Lease, serverNowMs: number | null): LeaseStatus {
  const spec = lease.spec ?? {};
  const holder = spec.holderIdentity ? spec.holderIdentity : null;
  const duration =
    typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds > 0
      ? spec.leaseDurationSeconds
      : null;
  const written = (lease.metadata?.managedFields ?? [])
    .map((entry) => toMs(entry.time))
    .filter((ms): ms is number => ms !== null);
  const serverWrite = written.length > 0 ? Math.max(...written) : null;
  const lastWrite = serverWrite ?? toMs(spec.renewTime);
  const ago =
    lastWrite === null || serverNowMs === null
      ? null
      : Math.round((serverNowMs - lastWrite) / 1000);
  const expiresIn = ago === null || duration === null ? null : duration - ago;
  return {
    namespace: lease.metadata?.namespace ?? '',
    name: lease.metadata?.name ?? '',
    holder,
    fencingToken: spec.leaseTransitions ?? 0,
    leaseDurationSeconds: duration,
    acquireTime: toIso(spec.acquireTime),
    renewTime: toIso(spec.renewTime),
    serverTime: serverNowMs === null ? null : new Date(serverNowMs).toISOString(),
    clock: serverWrite !== null ? 'server' : 'holder',
    renewedAgoSeconds: ago,
    expiresInSeconds: expiresIn,
    preferredHolder: spec.preferredHolder ?? null,
    strategy: spec.strategy ?? null,
    holderLooksAlive: holder !== null && expiresIn !== null && expiresIn >= 0,
  };
}

/** The output formats of `leasehold status`. */
export type StatusFormat = 'table' | 'json' | 'yaml';

const seconds = (s: number | null) => (s === null ? '<unknown>' : `${s}s`);

/** Table columns; the clock of the time columns is in their header. */
function row(status: LeaseStatus, allNamespaces: boolean): string[] {
  const clock = status.clock === 'server' ? '' : ' (holder clock)';
  const expires =
    status.expiresInSeconds === null
      ? '<unknown>'
      : status.expiresInSeconds >= 0
        ? `${status.expiresInSeconds}s`
        : `expired ${-status.expiresInSeconds}s ago`;
  return [
    ...(allNamespaces ? [status.namespace] : []),
    status.name,
    status.holder ?? '<none>',
    String(status.fencingToken),
    status.renewedAgoSeconds === null ? '<unknown>' : `${status.renewedAgoSeconds}s ago${clock}`,
    status.holder === null ? '-' : `${expires}${clock}`,
    seconds(status.leaseDurationSeconds),
    status.preferredHolder ?? '<none>',
    status.strategy ?? '<none>',
    status.holder === null ? '-' : status.holderLooksAlive ? 'yes' : 'no',
  ];
}

/** Column headers; the time columns say whose clock they read. */
export function header(allNamespaces: boolean): string[] {
  return [
    ...(allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    'HOLDER',
    'TOKEN',
    'RENEWED (SERVER CLOCK)',
    'EXPIRES IN (SERVER CLOCK)',
    'DURATION',
    'PREFERRED',
    'STRATEGY',
    'ALIVE',
  ];
}

/** Pads rows into aligned columns, as kubectl does. */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join(''),
    )
    .join('\n');
}

/**
 * Renders statuses. `table` with `withHeader` prints the header first (watch mode prints it
 * once); `json` prints one object per line for a watch and a `{ items }` document otherwise.
 */
export function render(
  statuses: readonly LeaseStatus[],
  format: StatusFormat,
  options: { allNamespaces: boolean; withHeader: boolean; stream: boolean },
): string {
  switch (format) {
    case 'json':
      return options.stream
        ? statuses.map((s) => JSON.stringify(s)).join('\n')
        : JSON.stringify({ items: statuses }, null, 2);
    case 'yaml':
      return options.stream
        ? statuses.map((s) => `---\n${dumpYaml(s).trimEnd()}`).join('\n')
        : dumpYaml({ items: statuses }).trimEnd();
    case 'table': {
      const rows = statuses.map((s) => row(s, options.allNamespaces));
      if (options.withHeader) rows.unshift(header(options.allNamespaces));
      return alignColumns(rows);
    }
  }
}
