/**
 * The embedded server's defences (issue 11, "Low"): authentication before the body, a
 * constant-time token check that parses the header as upstream does, an owner-only kubeconfig
 * whatever was there before, a connection cap, watches that always end, and a create with a
 * non-ASCII unknown field that succeeds as upstream's does instead of failing after commit.
 */

import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bearerCheck, bearerToken } from '../src/bearer-auth.js';
import { createLeaseApi, type LeaseServer, startLeaseServer } from '../src/index.js';
import { ManualServerClock, until } from './helpers.js';

const PATH = '/apis/coordination.k8s.io/v1/namespaces/default/leases';

let server: LeaseServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Sends a request whose body is declared but only partly sent; resolves with the status. */
function partialUpload(url: string, headers: Record<string, string>, declared: number) {
  return new Promise<number>((resolve, reject) => {
    const req = request(`${url}${PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(declared),
        ...headers,
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
    req.write(Buffer.alloc(1024, 0x20));
  });
}

describe('authentication', () => {
  it('answers 401 before reading the body of an unauthenticated upload', async () => {
    server = await startLeaseServer({ token: 's3cret' });
    // 3 MiB declared, 1 KiB sent: the answer must not wait for the rest.
    const status = await Promise.race([
      partialUpload(server.url, {}, 3 * 1024 * 1024),
      new Promise<string>((resolve) => setTimeout(() => resolve('no answer in 5 s'), 5_000)),
    ]);
    expect(status).toBe(401);
  });

  it('reads the header as kube-apiserver does: any-case scheme, exact token', async () => {
    server = await startLeaseServer({ token: 's3cret' });
    const statusWith = async (authorization?: string) =>
      (await fetch(`${server!.url}${PATH}`, authorization ? { headers: { authorization } } : {}))
        .status;
    expect(await statusWith('Bearer s3cret')).toBe(200);
    expect(await statusWith('bearer s3cret')).toBe(200);
    expect(await statusWith('  BEARER s3cret  ')).toBe(200);
    expect(await statusWith('Bearer s3cres')).toBe(401);
    expect(await statusWith('Bearer s3cre')).toBe(401);
    expect(await statusWith('Bearer s3cret2')).toBe(401);
    expect(await statusWith('Basic s3cret')).toBe(401);
    expect(await statusWith('Bearer  s3cret')).toBe(401);
    expect(await statusWith()).toBe(401);
  });

  it('compares digests: any token, any length, multi-byte included', () => {
    expect(bearerToken('Bearer a b')).toBe('a');
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    const check = bearerCheck('tökén-ü');
    expect(check('Bearer tökén-ü')).toBe(true);
    expect(check('Bearer tökén-u')).toBe(false);
    expect(check('Bearer ')).toBe(false);
    expect(check(null)).toBe(false);
    expect(bearerCheck(undefined)(null)).toBe(true);
  });
});

describe('writeKubeconfig', () => {
  it('leaves the file readable by its owner only, also when it existed with mode 0644', async () => {
    server = await startLeaseServer({ token: 's3cret' });
    const dir = await mkdtemp(join(tmpdir(), 'leasehold-kubeconfig-'));
    try {
      const path = join(dir, 'config');
      await writeFile(path, 'old\n');
      await chmod(path, 0o644);
      await server.writeKubeconfig(path);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const fresh = join(dir, 'fresh');
      await server.writeKubeconfig(fresh);
      expect((await stat(fresh)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('connection cap', () => {
  /** Opens a connection and completes one keep-alive request on it. */
  async function openConnection(port: number): Promise<{ socket: Socket; answered: boolean }> {
    const socket = connect(port, '127.0.0.1');
    const answered = await new Promise<boolean>((resolve) => {
      socket.once('data', () => resolve(true));
      socket.once('close', () => resolve(false));
      socket.once('error', () => resolve(false));
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    });
    return { socket, answered };
  }

  it('closes connections beyond maxConnections, and accepts again once one is gone', async () => {
    server = await startLeaseServer({ maxConnections: 2 });
    const first = await openConnection(server.port);
    const second = await openConnection(server.port);
    expect([first.answered, second.answered]).toEqual([true, true]);
    const third = await openConnection(server.port);
    expect(third.answered).toBe(false);
    first.socket.destroy();
    let fourth = await openConnection(server.port);
    for (let i = 0; i < 20 && !fourth.answered; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      fourth = await openConnection(server.port);
    }
    expect(fourth.answered).toBe(true);
    for (const c of [second, third, fourth]) c.socket.destroy();
  });
});

describe('watch timeouts', () => {
  async function watchEnds(timeoutSeconds: string, advanceMs: number) {
    const clock = new ManualServerClock();
    const api = createLeaseApi({ clock, defaultWatchTimeoutSeconds: 60 });
    const response = await api.handler(
      new Request(`http://x${PATH}?watch=true&timeoutSeconds=${timeoutSeconds}`),
    );
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let ended = false;
    const drained = (async () => {
      while (!(await reader.read()).done);
      ended = true;
    })();
    await until(() => api.stats.openWatches === 1, 'the watch to open');
    clock.advance(advanceMs - 1);
    await new Promise((resolve) => setImmediate(resolve));
    const endedEarly = ended;
    clock.advance(1);
    await drained;
    api.close();
    return { endedEarly, ended };
  }

  it('timeoutSeconds=0 gets the server default, like no timeoutSeconds', async () => {
    expect(await watchEnds('0', 60_000)).toEqual({ endedEarly: false, ended: true });
  });

  it('a negative timeoutSeconds ends the watch at once', async () => {
    const clock = new ManualServerClock();
    const api = createLeaseApi({ clock });
    const response = await api.handler(new Request(`http://x${PATH}?watch=true&timeoutSeconds=-5`));
    const reader = response.body!.getReader();
    clock.advance(0);
    expect((await reader.read()).done).toBe(true);
    api.close();
  });

  it('a timeout beyond the longest timer is capped, not fired at once', async () => {
    // Real timers: Node fires a timer longer than 2^31-1 ms after 1 ms instead.
    server = await startLeaseServer();
    const controller = new AbortController();
    const response = await fetch(`${server.url}${PATH}?watch=true&timeoutSeconds=100000000`, {
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let ended = false;
    const reading = reader.read().then(
      ({ done }) => {
        ended = done;
      },
      () => undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ended).toBe(false);
    expect(server.stats.openWatches).toBe(1);
    controller.abort();
    await reading;
  });

  it('a non-positive defaultWatchTimeoutSeconds falls back to 1800 s', async () => {
    const clock = new ManualServerClock();
    const api = createLeaseApi({ clock, defaultWatchTimeoutSeconds: 0 });
    const response = await api.handler(new Request(`http://x${PATH}?watch=true`));
    const reader = response.body!.getReader();
    const done = reader.read().then(async function drain(r): Promise<boolean> {
      return r.done ? true : drain(await reader.read());
    });
    clock.advance(1_800_000);
    expect(await done).toBe(true);
    api.close();
  });
});

describe('unknown fields', () => {
  it('creates a Lease with a non-ASCII unknown field and warns in raw UTF-8, as upstream', async () => {
    server = await startLeaseServer();
    const body = JSON.stringify({ metadata: { name: 'unicode' }, spec: {}, zß中: 1 });
    const created = await fetch(`${server.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(created.status).toBe(201);
    const warning = Buffer.from(created.headers.get('warning') ?? '', 'latin1').toString('utf8');
    expect(warning).toBe('299 - "unknown field \\"zß中\\""');
    expect(server.store.get('default', 'unicode')).toBeDefined();
    // Consistent: the object exists, so the same create conflicts.
    const again = await fetch(`${server.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(again.status).toBe(409);
  });
});
