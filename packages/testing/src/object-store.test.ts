import { describe, expect, it } from 'vitest';
import { ObjectStore, type ObjectStoreEvent } from './object-store.js';
import type { Lease } from './types.js';

const lease = (name: string, holder = '', namespace = 'default'): Lease => ({
  kind: 'Lease',
  apiVersion: 'coordination.k8s.io/v1',
  metadata: { name, namespace },
  spec: { holderIdentity: holder },
});

describe('ObjectStore', () => {
  it('stamps every write with the next global version and notifies in order', () => {
    const store = new ObjectStore(10);
    const seen: ObjectStoreEvent[] = [];
    store.subscribe((e) => seen.push(e));
    const a = store.insert(lease('a'));
    const b = store.insert(lease('b', '', 'other'));
    const a2 = store.replace(lease('a', 'x'), a);
    const gone = store.remove(b);
    expect([a, b, a2, gone].map((l) => l.metadata.resourceVersion)).toEqual(['1', '2', '3', '4']);
    expect(seen.map((e) => [e.type, e.object.metadata.name, e.resourceVersion])).toEqual([
      ['ADDED', 'a', 1],
      ['ADDED', 'b', 2],
      ['MODIFIED', 'a', 3],
      ['DELETED', 'b', 4],
    ]);
    expect(seen[2]?.previous).toBe(a);
    expect(store.list().map((l) => l.metadata.name)).toEqual(['a']);
  });

  it('rewinds through history to list the state at a past version', () => {
    const store = new ObjectStore(10);
    const a = store.insert(lease('a', 'one'));
    const b = store.insert(lease('b'));
    store.replace(lease('a', 'two'), a);
    store.remove(b);
    store.insert(lease('c'));
    const at = (revision: number) =>
      store.listAt(revision)?.map((l) => `${l.metadata.name}:${l.spec.holderIdentity}`);
    expect(at(1)).toEqual(['a:one']);
    expect(at(2)).toEqual(['a:one', 'b:']);
    expect(at(4)).toEqual(['a:two']);
    expect(at(5)).toEqual(['a:two', 'c:']);
    expect(at(6)).toBeUndefined();
  });

  it('keeps historyLimit events; older versions are compacted away', () => {
    const store = new ObjectStore(2);
    for (const name of ['a', 'b', 'c', 'd']) store.insert(lease(name));
    expect(store.compactedRevision).toBe(2);
    expect(store.eventsAfter(1)).toBeUndefined();
    expect(store.eventsAfter(2)?.map((e) => e.resourceVersion)).toEqual([3, 4]);
    expect(store.listAt(1)).toBeUndefined();
    store.compact();
    expect(store.eventsAfter(3)).toBeUndefined();
    expect(store.eventsAfter(4)).toEqual([]);
  });
});
