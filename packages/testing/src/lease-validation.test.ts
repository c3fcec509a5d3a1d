import { describe, expect, it } from 'vitest';
import { qualifiedNameErrors, validateLeaseCreate } from './lease-validation.js';
import type { Lease } from './types.js';

const lease = (patch: { metadata?: Lease['metadata']; spec?: Lease['spec'] }): Lease => ({
  kind: 'Lease',
  apiVersion: 'coordination.k8s.io/v1',
  metadata: { name: 'ok', namespace: 'default', ...patch.metadata },
  spec: patch.spec ?? {},
});
const rendered = (l: Lease) => validateLeaseCreate(l).map((e) => `${e.field}: ${e.body}`);

describe('validateLeaseCreate', () => {
  it('accepts a plain Lease', () => {
    expect(
      rendered(
        lease({ spec: { holderIdentity: 'x', leaseDurationSeconds: 1, leaseTransitions: 0 } }),
      ),
    ).toEqual([]);
  });

  it('checks names and generateName like NameIsDNSSubdomain', () => {
    expect(rendered(lease({ metadata: { name: 'x'.repeat(254) } }))[0]).toMatch(
      /^metadata\.name: Invalid value: "x+": must be no more than 253 characters$/,
    );
    expect(rendered({ ...lease({}), metadata: { namespace: 'default' } })).toEqual([
      'metadata.name: Required value: name or generateName is required',
    ]);
    expect(
      rendered({
        ...lease({}),
        metadata: { namespace: 'default', generateName: 'ok-', name: 'ok-abcde' },
      }),
    ).toEqual([]);
  });

  it('checks label keys and values and finalizers', () => {
    expect(rendered(lease({ metadata: { labels: { 'a/b/c': 'v', ok: '-bad' } } }))).toEqual([
      `metadata.labels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      `metadata.labels: Invalid value: "-bad": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ]);
    expect(rendered(lease({ metadata: { finalizers: ['custom'] } }))).toEqual([
      'metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });

  it("checks the coordinated-election fields, with upstream's doubled path", () => {
    expect(rendered(lease({ spec: { strategy: 'Random' } }))).toEqual([
      'spec.strategy.strategy: Unsupported value: "Random": supported values: "OldestEmulationVersion"',
    ]);
    expect(
      rendered(lease({ spec: { strategy: 'OldestEmulationVersion', preferredHolder: 'b' } })),
    ).toEqual([]);
    expect(rendered(lease({ spec: { strategy: 'example.com/custom' } }))).toEqual([]);
  });

  it('splits qualified names into prefix and name parts', () => {
    expect(qualifiedNameErrors('example.com/name')).toEqual([]);
    expect(qualifiedNameErrors('/name')).toEqual(['prefix part must be non-empty']);
    expect(qualifiedNameErrors('Bad_Prefix/name')[0]).toMatch(
      /^prefix part a lowercase RFC 1123 subdomain/,
    );
  });
});
