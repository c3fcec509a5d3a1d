import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { parseServerArgs, SERVER_HELP, serverCommand } from './server-command.js';

/** Captures what the command prints and resolves once it printed its line. */
function capture() {
  let text = '';
  let announce: (line: string) => void = () => undefined;
  const line = new Promise<string>((resolve) => {
    announce = resolve;
  });
  return {
    line,
    text: () => text,
    stdout: {
      write(chunk: string) {
        text += chunk;
        if (text.includes('\n')) announce(text.split('\n')[0] ?? '');
        return true;
      },
    },
  };
}

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/default/leases';

describe('leasehold server', () => {
  it('serves, prints one line with the URL and kubeconfig, and stops on the signal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leasehold-server-test-'));
    const kubeconfig = join(dir, 'config.yaml');
    const out = capture();
    const stop = new AbortController();
    const running = serverCommand(
      { port: 0, token: 't0ken', kubeconfig },
      { stdout: out.stdout, signal: stop.signal },
    );
    const line = await out.line;
    const match = /^leasehold server: (http:\/\/127\.0\.0\.1:\d+) kubeconfig=(.+)$/.exec(line);
    expect(match?.[2]).toBe(kubeconfig);
    const url = match?.[1] ?? '';
    expect(await readFile(kubeconfig, 'utf8')).toContain(`server: ${url}`);
    expect((await fetch(`${url}${LEASES}`)).status).toBe(401);
    const authorized = await fetch(`${url}${LEASES}`, {
      headers: { authorization: 'Bearer t0ken' },
    });
    expect(authorized.status).toBe(200);
    stop.abort();
    await running;
    await expect(fetch(`${url}${LEASES}`)).rejects.toThrow();
    expect(out.text().split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('writes a temporary kubeconfig by default and removes it on exit', async () => {
    const out = capture();
    const stop = new AbortController();
    const running = serverCommand([], { stdout: out.stdout, signal: stop.signal });
    const path = /kubeconfig=(.+)$/.exec(await out.line)?.[1] ?? '';
    await access(path);
    stop.abort();
    expect(await running).toBe(0);
    await expect(access(path)).rejects.toThrow();
  });

  it('reads the token from --token-file, so that it stays out of the command line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leasehold-server-test-'));
    try {
      const tokenFile = join(dir, 'token');
      await writeFile(tokenFile, 'f1le-t0ken\n');
      const out = capture();
      const stop = new AbortController();
      const running = serverCommand(['--token-file', tokenFile], {
        stdout: out.stdout,
        signal: stop.signal,
      });
      const url = /^leasehold server: (\S+) /.exec(await out.line)?.[1] ?? '';
      expect((await fetch(`${url}${LEASES}`)).status).toBe(401);
      const authorized = await fetch(`${url}${LEASES}`, {
        headers: { authorization: 'Bearer f1le-t0ken' },
      });
      expect(authorized.status).toBe(200);
      stop.abort();
      expect(await running).toBe(0);

      await writeFile(tokenFile, '  \n');
      await expect(serverCommand(['--token-file', tokenFile])).rejects.toThrow(/is empty/);
      await expect(serverCommand(['--token-file', join(dir, 'missing')])).rejects.toThrow(
        UsageError,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes the token from LEASEHOLD_TOKEN when no option names one', () => {
    const env = { LEASEHOLD_TOKEN: 'from-env' };
    expect(parseServerArgs([], env)).toEqual({ token: 'from-env' });
    expect(parseServerArgs(['--token', 'flag'], env)).toEqual({ token: 'flag' });
    expect(parseServerArgs(['--token-file', '/run/t'], env)).toEqual({ tokenFile: '/run/t' });
    expect(parseServerArgs([], { LEASEHOLD_TOKEN: '' })).toEqual({});
    expect(() => parseServerArgs(['--token', 'a', '--token-file', '/run/t'], {})).toThrow(
      UsageError,
    );
    expect(() => parseServerArgs(['--token', ''], {})).toThrow(UsageError);
  });

  it('parses its arguments, with usage errors for bad ones', () => {
    expect(
      parseServerArgs(['--port', '8080', '--token', 'x', '--kubeconfig', '/tmp/k'], {}),
    ).toEqual({
      port: 8080,
      token: 'x',
      kubeconfig: '/tmp/k',
    });
    expect(parseServerArgs(['-h'])).toBe('help');
    expect(() => parseServerArgs(['--port', '70000'])).toThrow(UsageError);
    expect(() => parseServerArgs(['--bogus'])).toThrow(UsageError);
    expect(SERVER_HELP).toContain('--kubeconfig PATH');
    expect(SERVER_HELP).toContain('--token-file PATH');
  });
});
