import type { V1Lease } from '@kubernetes/client-node';
import { createLeaderElector, type LeaderElector } from '@leasehold/election';
import { type LeaseServer, startLeaseServer } from '@leasehold/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { leaseStatus } from './lease-status.js';
import { parseStatusArgs, statusCommand } from './status-command.js';

function sink() {
  let text = '';
  return {
    write(chunk: string) {
      text += chunk;
      return true;
    },
    text: () => text,
  };
}

let server: LeaseServer;
let electors: LeaderElector[] = [];
beforeEach(async () => {
  server = await startLeaseServer();
});
afterEach(async () => {
  await Promise.all(electors.map((e) => e.stop()));
  electors = [];
  await server.close();
});

async function leader(name: string, namespace = 'default') {
  // Pre-created, as a deployment does: an absent Lease would be waited out for 15 s first.
  await server.createLease(namespace, name);
  const elector = createLeaderElector({
    name,
    namespace,
    identity: `${name}-holder`,
    kubeConfig: server.kubeConfig,
    keepProcessAlive: false,
  }).start();
  electors.push(elector);
  await elector.whenLeader();
  return elector;
}

async function status(args: string[], signal?: AbortSignal) {
  const stdout = sink();
  const stderr = sink();
  const code = await statusCommand(args, {
    stdout,
    stderr,
    kubeConfig: server.kubeConfig,
    ...(signal && { signal }),
  });
  return { code, out: stdout.text(), err: stderr.text() };
}

describe('leasehold status (embedded server)', () => {
  it('names the holder, its token and liveness by the server clock', async () => {
    await leader('app');
    const { code, out } = await status(['app', '-o', 'json']);
    expect(code).toBe(0);
    const [item] = JSON.parse(out).items;
    expect(item).toMatchObject({
      namespace: 'default',
      name: 'app',
      holder: 'app-holder',
      fencingToken: 1,
      leaseDurationSeconds: 15,
      clock: 'server',
      holderLooksAlive: true,
      preferredHolder: null,
    });
    expect(item.renewedAgoSeconds).toBeLessThanOrEqual(2);
    expect(item.expiresInSeconds).toBeGreaterThanOrEqual(13);
  });

  it('prints a table, across namespaces with -A, and yaml', async () => {
    await leader('one', 'default');
    await leader('two', 'other');
    const table = await status(['-A']);
    const lines = table.out.trim().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+HOLDER\s+TOKEN\s+RENEWED \(SERVER CLOCK\)/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['default', 'one', 'one-holder'],
      ['other', 'two', 'two-holder'],
    ]);
    const yaml = await status(['-n', 'other', '-o', 'yaml']);
    expect(yaml.out).toContain('holder: two-holder');
    expect(yaml.out).not.toContain('one-holder');
  });

  it('fails with 1 for a Lease that does not exist', async () => {
    const { code, err } = await status(['missing']);
    expect(code).toBe(1);
    expect(err).toContain('Lease missing not found in namespace default');
  });

  it('follows changes with -w until stopped', async () => {
    const elector = await leader('app');
    const stop = new AbortController();
    const stdout = sink();
    const running = statusCommand(['app', '-w', '-o', 'json'], {
      stdout,
      stderr: sink(),
      kubeConfig: server.kubeConfig,
      signal: stop.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await elector.stop(); // releases: the watch shows the Lease without a holder
    const deadline = Date.now() + 5_000;
    while (!stdout.text().includes('"holder":null') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    stop.abort();
    expect(await running).toBe(0);
    const lines = stdout
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ holder: 'app-holder' });
    expect(lines.at(-1)).toMatchObject({ holder: null, holderLooksAlive: false });
  });

  it('parses its arguments', () => {
    expect(parseStatusArgs(['x', '-n', 'ns', '-w', '-o', 'yaml'])).toMatchObject({
      name: 'x',
      namespace: 'ns',
      watch: true,
      format: 'yaml',
    });
    expect(() => parseStatusArgs(['-A', '-n', 'ns'])).toThrow(UsageError);
    expect(() => parseStatusArgs(['-o', 'wide'])).toThrow(UsageError);
    expect(() => parseStatusArgs(['a', 'b'])).toThrow(UsageError);
  });
});

describe('leaseStatus', () => {
  const lease = (spec: NonNullable<V1Lease['spec']>, times: string[]): V1Lease => ({
    metadata: {
      name: 'l',
      namespace: 'ns',
      managedFields: times.map((time) => ({
        manager: 'm',
        operation: 'Update',
        time: new Date(time),
      })),
    },
    spec,
  });

  it('reads ages from the server clock only, and says when the holder has expired', () => {
    const s = leaseStatus(
      lease({ holderIdentity: 'h', leaseDurationSeconds: 15, leaseTransitions: 4 }, [
        '2026-01-01T00:00:00Z',
        '2026-01-01T00:00:10Z',
      ]),
      Date.parse('2026-01-01T00:00:40Z'),
    );
    expect(s).toMatchObject({
      clock: 'server',
      renewedAgoSeconds: 30,
      expiresInSeconds: -15,
      holderLooksAlive: false,
      fencingToken: 4,
    });
  });

  it("falls back to the holder's renewTime, marked as the holder's clock", () => {
    const s = leaseStatus(
      lease(
        {
          holderIdentity: 'h',
          leaseDurationSeconds: 15,
          renewTime: new Date('2026-01-01T00:00:05Z'),
        },
        [],
      ),
      Date.parse('2026-01-01T00:00:10Z'),
    );
    expect(s).toMatchObject({ clock: 'holder', renewedAgoSeconds: 5, holderLooksAlive: true });
  });
});
