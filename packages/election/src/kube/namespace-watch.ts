/**
 * One watch stream over every Lease of a namespace (optionally narrowed by a label selector),
 * as one promise: the raw material of the shared informer.
 *
 * @remarks
 * The same three ends as the single-Lease watch (`watch.ts`): `done(err)`, a rejected
 * `watch()` promise, and an in-band `ERROR` Status (410 when the version is too old). Events
 * are translated with the name they carry, since one stream serves many Leases.
 *
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { MalformedLeaseError } from '../core/errors.js';
import { parseLease, type StoredLease } from '../core/lease-record.js';
import { streamLeaseWatch } from './watch.js';

/** One change in the namespace, addressed by Lease name. */
export type NamespaceEvent =
  | { readonly type: 'upsert'; readonly name: string; readonly lease: StoredLease }
  | { readonly type: 'deleted'; readonly name: string; readonly resourceVersion: string }
  | { readonly type: 'bookmark'; readonly resourceVersion: string }
  /** Unusable; `name` when it could still be read. */
  | { readonly type: 'malformed'; readonly name: string | undefined; readonly error: Error };

/** Settings of {@link watchNamespace}. */
export interface NamespaceWatchSettings {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly labelSelector?: string | undefined;
  /** Asks the server to end the stream after this long. */
  readonly timeoutSeconds: number;
  readonly resourceVersion: string;
  readonly signal: AbortSignal;
  /** Called for each event, in order; an exception ends the watch with that error. */
  readonly onEvent: (event: NamespaceEvent) => void;
}

/**
 * Streams the namespace's Lease changes after `resourceVersion`.
 *
 * @returns a promise that resolves when the server ends the stream or the signal aborts, and
 *   rejects with a `LeaseStoreError` (`gone` after a 410) or with what `onEvent` threw.
 */
export function watchNamespace(settings: NamespaceWatchSettings): Promise<void> {
  const { namespace, onEvent } = settings;
  const query: Record<string, string | number | boolean> = {
    resourceVersion: settings.resourceVersion,
    allowWatchBookmarks: true,
  };
  if (settings.labelSelector) query.labelSelector = settings.labelSelector;
  return streamLeaseWatch({
    kubeConfig: settings.kubeConfig,
    op: { method: 'watch', namespace, name: '*' },
    timeoutSeconds: settings.timeoutSeconds,
    signal: settings.signal,
    query,
    onObject: (type, object) => onEvent(toNamespaceEvent(type, object)),
  });
}

/** Translates one raw event of a namespace watch. */
export function toNamespaceEvent(type: string, object: unknown): NamespaceEvent {
  const metadata = (object as { metadata?: { name?: unknown; resourceVersion?: unknown } } | null)
    ?.metadata;
  const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
  try {
    const version = (): string => {
      const rv = metadata?.resourceVersion;
      if (typeof rv !== 'string' || rv === '') {
        throw new MalformedLeaseError(`${type} event without metadata.resourceVersion`);
      }
      return rv;
    };
    switch (type) {
      case 'ADDED':
      case 'MODIFIED': {
        const lease = parseLease(object);
        if (name === undefined) throw new MalformedLeaseError(`${type} event without a name`);
        return { type: 'upsert', name, lease };
      }
      case 'DELETED':
        if (name === undefined) throw new MalformedLeaseError('DELETED event without a name');
        return { type: 'deleted', name, resourceVersion: version() };
      case 'BOOKMARK':
        return { type: 'bookmark', resourceVersion: version() };
      default:
        throw new MalformedLeaseError(`unknown watch event type ${JSON.stringify(type)}`);
    }
  } catch (error) {
    if (error instanceof MalformedLeaseError) return { type: 'malformed', name, error };
    throw error;
  }
}
