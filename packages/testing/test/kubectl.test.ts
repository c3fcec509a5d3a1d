/**
 * The installed `kubectl` against the running server: discovery, OpenAPI-backed validation,
 * server-side Tables, watches and every write verb, as an operator would use them.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LeaseServer, startLeaseServer } from '../src/index.js';
import { kubectlFor } from './helpers.js';

let server: LeaseServer;
let kubectl: Awaited<ReturnType<typeof kubectlFor>>;
let kubeconfig: string;

beforeAll(async () => {
  server = await startLeaseServer();
  kubectl = await kubectlFor(server);
  kubeconfig = await server.writeKubeconfig(
    `${process.env.TMPDIR ?? '/tmp'}/leasehold-kubectl-${server.port}.yaml`,
  );
});
afterAll(() => server.close());

const manifest = (name: string, holder: string, extra = '') => `apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: ${name}
  labels:
    app: demo
spec:
  holderIdentity: ${holder}
  leaseDurationSeconds: 15
${extra}`;

async function ok(args: string[], input?: string): Promise<string> {
  const result = await kubectl(args, input);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

async function spec(name: string): Promise<Record<string, unknown>> {
  return (
    JSON.parse(await ok(['get', 'lease', name, '-o', 'json'])) as { spec: Record<string, unknown> }
  ).spec;
}

describe('kubectl', () => {
  it('creates from a file and shows the server-side table and JSON', async () => {
    expect(await ok(['create', '-f', '-'], manifest('create-me', 'alpha'))).toBe(
      'lease.coordination.k8s.io/create-me created\n',
    );
    const table = await ok(['get', 'leases']);
    const [header, ...rows] = table.trim().split('\n');
    expect(header?.split(/\s+/)).toEqual(['NAME', 'HOLDER', 'AGE']);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 2))).toContainEqual(['create-me', 'alpha']);
    const object = JSON.parse(await ok(['get', 'lease', 'create-me', '-o', 'json'])) as Record<
      string,
      never
    >;
    expect(object).toMatchObject({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'create-me', namespace: 'default', labels: { app: 'demo' } },
      spec: { holderIdentity: 'alpha', leaseDurationSeconds: 15 },
    });
  });

  it('reports server-side errors as kubectl prints them', async () => {
    await ok(['create', '-f', '-'], manifest('twice', 'a'));
    const again = await kubectl(['create', '-f', '-'], manifest('twice', 'a'));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Error from server (AlreadyExists)');
    const missing = await kubectl(['get', 'lease', 'no-such-lease']);
    expect(missing.stderr).toBe(
      'Error from server (NotFound): leases.coordination.k8s.io "no-such-lease" not found\n',
    );
    const invalid = await kubectl(
      ['create', '-f', '-'],
      manifest('bad', 'a').replace('leaseDurationSeconds: 15', 'leaseDurationSeconds: 0'),
    );
    expect(invalid.stderr).toContain(
      'The Lease "bad" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    );
    // kubectl validates strictly by default, through the server (fieldValidation=Strict).
    const unknown = await kubectl(
      ['create', '-f', '-'],
      manifest('unknown-field', 'a', '  holder: typo\n'),
    );
    expect(unknown.stderr).toContain('unknown field "spec.holder"');
  });

  it('replaces, refusing a stale resourceVersion', async () => {
    await ok(['create', '-f', '-'], manifest('replace-me', 'a'));
    const current = await ok(['get', 'lease', 'replace-me', '-o', 'yaml']);
    expect(
      await ok(['replace', '-f', '-'], current.replace('holderIdentity: a', 'holderIdentity: b')),
    ).toBe('lease.coordination.k8s.io/replace-me replaced\n');
    expect((await spec('replace-me')).holderIdentity).toBe('b');
    const stale = await kubectl(
      ['replace', '-f', '-'],
      current.replace('holderIdentity: a', 'holderIdentity: c'),
    );
    expect(stale.stderr).toContain(
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('applies client-side (create, then a strategic merge patch)', async () => {
    expect(await ok(['apply', '-f', '-'], manifest('applied', 'a'))).toBe(
      'lease.coordination.k8s.io/applied created\n',
    );
    expect(await ok(['apply', '-f', '-'], manifest('applied', 'b'))).toBe(
      'lease.coordination.k8s.io/applied configured\n',
    );
    expect(await ok(['apply', '-f', '-'], manifest('applied', 'b'))).toBe(
      'lease.coordination.k8s.io/applied unchanged\n',
    );
    const object = JSON.parse(await ok(['get', 'lease', 'applied', '-o', 'json'])) as {
      metadata: { annotations: Record<string, string> };
    };
    expect(
      object.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'],
    ).toContain('"holderIdentity":"b"');
  });

  it('applies server-side, with conflicts between managers', async () => {
    expect(await ok(['apply', '--server-side', '-f', '-'], manifest('ssa', 'a'))).toBe(
      'lease.coordination.k8s.io/ssa serverside-applied\n',
    );
    const conflict = await kubectl(
      ['apply', '--server-side', '--field-manager', 'other', '-f', '-'],
      manifest('ssa', 'b'),
    );
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl": .spec.holderIdentity',
    );
    await ok(
      ['apply', '--server-side', '--force-conflicts', '--field-manager', 'other', '-f', '-'],
      manifest('ssa', 'b'),
    );
    expect((await spec('ssa')).holderIdentity).toBe('b');
  });

  it('patches with merge, strategic and JSON patches', async () => {
    await ok(['create', '-f', '-'], manifest('patch-me', 'a'));
    await ok([
      'patch',
      'lease',
      'patch-me',
      '--type',
      'merge',
      '-p',
      '{"spec":{"leaseTransitions":1}}',
    ]);
    await ok(['patch', 'lease', 'patch-me', '-p', '{"spec":{"holderIdentity":"strategic"}}']);
    await ok([
      'patch',
      'lease',
      'patch-me',
      '--type',
      'json',
      '-p',
      '[{"op":"replace","path":"/spec/leaseDurationSeconds","value":30}]',
    ]);
    expect(await spec('patch-me')).toEqual({
      holderIdentity: 'strategic',
      leaseDurationSeconds: 30,
      leaseTransitions: 1,
    });
    const failed = await kubectl([
      'patch',
      'lease',
      'patch-me',
      '--type',
      'json',
      '-p',
      '[{"op":"test","path":"/spec/holderIdentity","value":"x"}]',
    ]);
    expect(failed.stderr).toContain(
      'The request is invalid: the server rejected our request due to an error in our request',
    );
  });

  it('deletes', async () => {
    await ok(['create', '-f', '-'], manifest('delete-me', 'a'));
    expect(await ok(['delete', 'lease', 'delete-me'])).toBe(
      'lease.coordination.k8s.io "delete-me" deleted\n',
    );
    expect((await kubectl(['get', 'lease', 'delete-me'])).code).toBe(1);
  });

  it('streams changes with get -w', async () => {
    await ok(['create', '-f', '-'], manifest('watched', 'first'));
    const child = spawn('kubectl', [
      '--kubeconfig',
      kubeconfig,
      '--cache-dir',
      `${kubeconfig}.cache`,
      'get',
      'lease',
      'watched',
      '-w',
      '--no-headers',
    ]);
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const holderOf = async () => ((await lines.next()).value as string).split(/\s+/)[1];
      expect(await holderOf()).toBe('first');
      await ok([
        'patch',
        'lease',
        'watched',
        '--type',
        'merge',
        '-p',
        '{"spec":{"holderIdentity":"second"}}',
      ]);
      expect(await holderOf()).toBe('second');
      await ok([
        'patch',
        'lease',
        'watched',
        '--type',
        'merge',
        '-p',
        '{"spec":{"holderIdentity":"third"}}',
      ]);
      expect(await holderOf()).toBe('third');
    } finally {
      child.kill();
    }
  });

  it('finds the implicit namespace and the server version', async () => {
    expect(await ok(['get', 'namespace', 'default', '-o', 'jsonpath={.status.phase}'])).toBe(
      'Active',
    );
    expect(await ok(['version', '-o', 'json'])).toContain('"gitVersion": "v1.32.0+leasehold"');
  });
});
