/**
 * Server-side printing: the `meta.k8s.io/v1` Table that `kubectl get` asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Columns are upstream's for Leases —
 * Name, Holder, Age — and rows carry the object as PartialObjectMetadata unless the client asks
 * otherwise with `includeObject`.
 */
import { timeToEpochMs } from './go-time.js';
import { badRequest } from './status.js';
import type { Lease, ListMeta } from './types.js';

/** Options from the query string (`metav1.TableOptions`). */
export interface TableOptions {
  /** Omit column definitions (watch events after the first). */
  readonly noHeaders: boolean;
  readonly includeObject: 'None' | 'Metadata' | 'Object';
}

/** Parses `includeObject`; an unknown value is upstream's 400. */
export function tableOptionsFrom(query: URLSearchParams): TableOptions {
  const raw = query.get('includeObject') ?? '';
  if (raw !== '' && raw !== 'None' && raw !== 'Metadata' && raw !== 'Object') {
    throw badRequest(`unrecognized includeObject value: "${raw}"`);
  }
  return { noHeaders: false, includeObject: raw === '' ? 'Metadata' : raw };
}

const COLUMNS = [
  {
    name: 'Name',
    type: 'string',
    format: 'name',
    description:
      'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
    priority: 0,
  },
  {
    name: 'Holder',
    type: 'string',
    format: '',
    description:
      'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
    priority: 0,
  },
  {
    name: 'Age',
    type: 'string',
    format: '',
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
    priority: 0,
  },
] as const;

/** `duration.HumanDuration`, the Age column's format (`5s`, `3m2s`, `4h`, `2d5h`…). */
export function humanDuration(ms: number): string {
  // Go converts with int(), truncating toward zero.
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

function rowObject(lease: Lease, include: TableOptions['includeObject']): unknown {
  if (include === 'None') return null;
  if (include === 'Object') return lease;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: lease.metadata };
}

/** Renders Leases as a Table; `now` is epoch ms for the Age column. */
export function leaseTable(
  leases: readonly Lease[],
  options: TableOptions,
  now: number,
  meta: ListMeta = {},
): unknown {
  const rows = leases.map((lease) => {
    const created = timeToEpochMs(lease.metadata.creationTimestamp);
    return {
      cells: [
        lease.metadata.name ?? '',
        lease.spec.holderIdentity ?? '',
        created === undefined ? '<unknown>' : humanDuration(now - created),
      ],
      object: rowObject(lease, options.includeObject),
    };
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    // Upstream's field has no omitempty: a header-less table sends null.
    columnDefinitions: options.noHeaders ? null : COLUMNS,
    rows,
  };
}
