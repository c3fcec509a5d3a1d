import { describe, expect, it } from 'vitest';
import { decodeJsonPatch, type JsonValue, jsonPatch, mergePatch } from './patch.js';
import { strategicMerge } from './strategic-merge.js';

const doc: JsonValue = {
  metadata: { name: 'a', labels: { x: '1' }, finalizers: ['a/b'] },
  spec: { holderIdentity: 'h', leaseDurationSeconds: 5 },
};

describe('JSON merge patch', () => {
  it('merges objects, deletes on null, replaces everything else', () => {
    expect(
      mergePatch(doc, {
        metadata: { labels: { y: '2', x: null }, finalizers: ['c/d'] },
        spec: { holderIdentity: null },
      }),
    ).toEqual({
      metadata: { name: 'a', labels: { y: '2' }, finalizers: ['c/d'] },
      spec: { leaseDurationSeconds: 5 },
    });
  });
});

describe('JSON patch', () => {
  const apply = (ops: unknown) => jsonPatch(doc, decodeJsonPatch(ops));

  it('adds, removes, replaces, moves, copies and tests', () => {
    expect(
      apply([
        { op: 'test', path: '/spec/holderIdentity', value: 'h' },
        { op: 'add', path: '/metadata/finalizers/-', value: 'e/f' },
        { op: 'add', path: '/metadata/labels/a~1b', value: 'slash' },
        { op: 'copy', from: '/spec/holderIdentity', path: '/spec/preferredHolder' },
        { op: 'move', from: '/spec/leaseDurationSeconds', path: '/spec/leaseTransitions' },
        { op: 'remove', path: '/metadata/labels/x' },
        { op: 'replace', path: '/metadata/finalizers/0', value: 'z/z' },
      ]),
    ).toEqual({
      metadata: { name: 'a', labels: { 'a/b': 'slash' }, finalizers: ['z/z', 'e/f'] },
      spec: { holderIdentity: 'h', preferredHolder: 'h', leaseTransitions: 5 },
    });
  });

  it('does not touch the input document', () => {
    apply([{ op: 'remove', path: '/spec' }]);
    expect(doc).toHaveProperty('spec.holderIdentity', 'h');
  });

  it.each([
    [[{ op: 'test', path: '/spec/holderIdentity', value: 'other' }], 422],
    [[{ op: 'replace', path: '/spec/missing', value: 1 }], 422],
    [[{ op: 'remove', path: '/nothing/here' }], 422],
    [[{ op: 'add', path: '/a/b/c', value: 1 }], 422],
    [[{ op: 'dance', path: '/spec' }], 422],
    [{ op: 'add' }, 400],
    [['not an op'], 400],
  ])('fails %j with %i', (ops, code) => {
    expect(() => apply(ops)).toThrow(expect.objectContaining({ code }));
  });
});

describe('strategic merge patch', () => {
  it('merges finalizers as a set and removes from them with $deleteFromPrimitiveList', () => {
    expect(strategicMerge(doc, { metadata: { finalizers: ['a/b', 'c/d'] } })).toHaveProperty(
      'metadata.finalizers',
      ['a/b', 'c/d'],
    );
    expect(
      strategicMerge(doc, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a/b'] } }),
    ).toHaveProperty('metadata.finalizers', []);
  });

  it('merges ownerReferences by uid, deleting with $patch: delete', () => {
    const owned = strategicMerge(doc, {
      metadata: {
        ownerReferences: [
          { uid: '1', name: 'one' },
          { uid: '2', name: 'two' },
        ],
      },
    });
    const patched = strategicMerge(owned, {
      metadata: {
        ownerReferences: [
          { uid: '1', name: 'uno' },
          { uid: '2', $patch: 'delete' },
        ],
      },
    });
    expect(patched).toHaveProperty('metadata.ownerReferences', [{ uid: '1', name: 'uno' }]);
  });

  it('honours $patch: replace and delete on maps, $retainKeys, and ignores $setElementOrder', () => {
    expect(
      strategicMerge(doc, { metadata: { labels: { $patch: 'replace', only: 'this' } } }),
    ).toHaveProperty('metadata.labels', { only: 'this' });
    expect(strategicMerge(doc, { metadata: { labels: { $patch: 'delete' } } })).not.toHaveProperty(
      'metadata.labels',
    );
    expect(
      strategicMerge(doc, { spec: { $retainKeys: ['holderIdentity'], holderIdentity: 'k' } }),
    ).toHaveProperty('spec', { holderIdentity: 'k' });
    expect(strategicMerge(doc, { metadata: { '$setElementOrder/finalizers': ['a/b'] } })).toEqual(
      doc,
    );
    expect(() => strategicMerge(doc, { spec: { $patch: 'explode' } })).toThrow(
      expect.objectContaining({ code: 400 }),
    );
  });
});
