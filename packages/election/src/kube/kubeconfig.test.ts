import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { loadKubeConfigFile, tokenFileOf } from './kubeconfig.js';
import { loadDefaultKubeConfig } from './namespace.js';

const TOKEN = 'sekrit-abcdef0123456789';
const KEY_DATA = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2UUlCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND';

/** A kubeconfig broken by one over-indented line right after the credentials. */
const MALFORMED = [
  'apiVersion: v1',
  'kind: Config',
  'users:',
  '- name: admin',
  '  user:',
  `    token: ${TOKEN}`,
  `    client-key-data: ${KEY_DATA}`,
  '      broken: indentation',
  'current-context: x',
  '',
].join('\n');

const dirs: string[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-kubeconfig-'));
  dirs.push(dir);
  const path = join(dir, 'config');
  writeFileSync(path, content);
  return path;
}

/** Everything a logger could print about the error, causes included. */
function everything(error: unknown): string {
  return `${String(error)}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}`;
}

function expectNoCredentials(error: unknown, path: string): void {
  expect(error).toBeInstanceOf(ConfigError);
  const text = everything(error);
  expect(text).not.toContain(TOKEN.slice(0, 8));
  expect(text).not.toContain(KEY_DATA.slice(0, 12));
  expect((error as Error).message).toContain(path);
  expect((error as Error).message).toMatch(/line 8, column \d+/);
}

describe('loading a malformed kubeconfig', () => {
  it('names the file, line and column, never the token or key it contains', () => {
    const path = file(MALFORMED);
    const error = (() => {
      try {
        loadKubeConfigFile(path);
      } catch (caught) {
        return caught;
      }
    })();
    expectNoCredentials(error, path);
  });

  it('does the same for the default kubeconfig found through $KUBECONFIG', () => {
    const path = file(MALFORMED);
    vi.stubEnv('KUBECONFIG', path);
    const error = (() => {
      try {
        loadDefaultKubeConfig();
      } catch (caught) {
        return caught;
      }
    })();
    expectNoCredentials(error, path);
  });

  it('reports a missing file by its path', () => {
    expect(() => loadKubeConfigFile('/nonexistent/leasehold/config')).toThrow(
      /kubeconfig: cannot read \/nonexistent\/leasehold\/config \(ENOENT\)/,
    );
  });
});

describe('token files of loaded users', () => {
  const config = (user: string) =>
    [
      'apiVersion: v1',
      'clusters: [{name: c, cluster: {server: "https://example.invalid"}}]',
      `users: [{name: u, user: ${user}}]`,
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
      '',
    ].join('\n');

  it('are remembered, so that a rotated file can be read again', () => {
    const tokenPath = file('first');
    const kubeConfig = loadKubeConfigFile(file(config(`{token-file: "${tokenPath}"}`)));
    expect(kubeConfig.getCurrentUser()?.token).toBe('first');
    expect(tokenFileOf(kubeConfig.getCurrentUser())).toBe(tokenPath);
  });

  it('lose to a literal token, as in kubectl', () => {
    const tokenPath = file('from-file');
    const kubeConfig = loadKubeConfigFile(
      file(config(`{token: literal, token-file: "${tokenPath}"}`)),
    );
    expect(tokenFileOf(kubeConfig.getCurrentUser())).toBeUndefined();
  });
});
