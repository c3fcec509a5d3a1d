/**
 * Divergences between the real kube-apiserver and the embedded server that are understood and
 * documented in docs/kube-differences.md. Each entry names the case, the paths (into the
 * case's result, `a.b.0.c`) where the two differ, and why. The test checks that the two sides
 * still differ at each path — a fix on either side fails it, so the entry gets removed — and
 * that everything else in the result is equal.
 */
export interface KnownDifference {
  readonly paths: readonly string[];
  readonly reason: string;
  /** Whom it concerns: the embedded server should change, or it is the test setup. */
  readonly kind: 'embedded-server' | 'setup';
}

export const KNOWN_DIFFERENCES: Readonly<Record<string, KnownDifference>> = {
  'watch: from "0" with allowWatchBookmarks (a legacy watch, defaulted to a watch list?)': {
    paths: ['events'],
    kind: 'embedded-server',
    reason:
      'with the WatchList feature (on by default in 1.34) kube-apiserver turns a watch from ' +
      '"" or "0" into a watch list: after the initial ADDED events it sends a BOOKMARK ' +
      'annotated k8s.io/initial-events-end when bookmarks are allowed (and a bookmark shortly ' +
      'before timeoutSeconds); the embedded server sends neither',
  },
  'watch: allowWatchBookmarks on a quiet watch with timeoutSeconds=5': {
    paths: ['events'],
    kind: 'embedded-server',
    reason:
      "kube-apiserver's watch cache sends a BOOKMARK about 2 s before a watch's timeout (and " +
      'then about every minute); the embedded server only on its bookmarkIntervalMs tick (60 s)',
  },
  'watch: a compacted version is 410 Expired, in band': {
    paths: ['events.0.status.message'],
    kind: 'setup',
    reason:
      'both answer an in-band ERROR 410 Expired; the message depends on who answers: etcd ' +
      '(watch cache off, the only way to compact a real server\'s history in a test): "The ' +
      'resourceVersion for the provided watch is too old."; the watch cache (the default): ' +
      '"too old resource version: N (M)", which the embedded server mimics',
  },
  'leasecandidates: create, get, duplicate, stale update, missing': {
    paths: ['created.body.metadata.managedFields', 'got.body.metadata.managedFields'],
    kind: 'embedded-server',
    reason:
      'kube-apiserver records managedFields on every LeaseCandidate write (one Update entry of ' +
      'the spec fields); the embedded LeaseCandidate API keeps none (nothing that publishes or ' +
      'coordinates candidates reads them)',
  },
};

/** The value at `path` (dot-separated, numeric segments index arrays). */
export function valueAt(value: unknown, path: string): unknown {
  let cur = value;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** A deep copy of `value` with `path` replaced by a marker. */
export function masked(value: unknown, path: string): unknown {
  const copy = structuredClone(value);
  const segs = path.split('.');
  let cur = copy as Record<string, unknown>;
  for (const seg of segs.slice(0, -1)) {
    const next = cur?.[seg];
    if (next === null || typeof next !== 'object') return copy;
    cur = next as Record<string, unknown>;
  }
  cur[segs.at(-1)!] = '<known difference>';
  return copy;
}
