import { describe, expect, it } from 'vitest';
import { humanDuration, leaseTable } from './table.js';

describe('Age column', () => {
  it.each([
    [0, '0s'],
    [-1500, '0s'],
    [-5000, '<invalid>'],
    [119_000, '119s'],
    [120_000, '2m'],
    [125_000, '2m5s'],
    [11 * 60_000, '11m'],
    [3 * 3600_000 + 5 * 60_000, '3h5m'],
    [30 * 3600_000, '30h'],
    [50 * 3600_000, '2d2h'],
    [30 * 86400_000, '30d'],
    [800 * 86400_000, '2y70d'],
    [3000 * 86400_000, '8y'],
  ])('%i ms prints as %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('leaseTable', () => {
  it('renders Name, Holder, Age with metadata-only row objects, and no headers when asked', () => {
    const lease = {
      kind: 'Lease' as const,
      apiVersion: 'coordination.k8s.io/v1' as const,
      metadata: { name: 'a', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { holderIdentity: 'me' },
    };
    const now = Date.parse('2026-01-01T00:00:42Z');
    const table = leaseTable(
      [lease],
      { noHeaders: false, includeObject: 'Metadata' },
      now,
    ) as Record<string, unknown>;
    expect((table.columnDefinitions as { name: string }[]).map((c) => c.name)).toEqual([
      'Name',
      'Holder',
      'Age',
    ]);
    expect(table.rows).toEqual([
      {
        cells: ['a', 'me', '42s'],
        object: {
          kind: 'PartialObjectMetadata',
          apiVersion: 'meta.k8s.io/v1',
          metadata: lease.metadata,
        },
      },
    ]);
    expect(leaseTable([lease], { noHeaders: true, includeObject: 'None' }, now)).toMatchObject({
      columnDefinitions: null,
      rows: [{ object: null }],
    });
  });
});
