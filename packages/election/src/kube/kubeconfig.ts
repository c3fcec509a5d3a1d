/**
 * Loading a kubeconfig without ever echoing credential material, and remembering which user
 * reads its token from a file.
 *
 * @remarks
 * client-node parses kubeconfigs with js-yaml, whose errors quote the offending lines (a
 * "snippet") and keep the whole file in `error.mark.buffer`: a malformed file would print
 * the start of a `token` or `client-key-data` into a log. Here every file is parsed first by
 * us; a YAML error becomes a {@link ConfigError} naming the file, line and column only, with
 * no `cause` (the cause would carry the buffer).
 *
 * client-node also reads a user's `token-file` once, at load time, and keeps only the token:
 * after the file is rotated the old token is sent forever. The paths are recorded here, per
 * loaded user, so that requests can re-read the file when it changes (kube/credentials.ts).
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { ConfigError } from '../core/errors.js';

/** Token files of users loaded by this module; client-node keeps only the token it read. */
const tokenFiles = new WeakMap<User, string>();

/**
 * The file a user's bearer token should be (re-)read from, if any: a kubeconfig `token-file`
 * loaded through this module, a `tokenFile` given to `loadFromOptions` (client-node ignores
 * it), or the service-account token of `loadFromCluster()`.
 */
export function tokenFileOf(user: User | null): string | undefined {
  if (user === null) return undefined;
  const recorded = tokenFiles.get(user);
  if (recorded !== undefined) return recorded;
  const given = (user as { tokenFile?: unknown }).tokenFile;
  // A literal token wins over a file, as in kubectl.
  if (typeof given === 'string' && given !== '' && !user.token) return given;
  const provider = (user.authProvider as { config?: { tokenFile?: unknown } } | undefined)?.config
    ?.tokenFile;
  return typeof provider === 'string' && provider !== '' ? provider : undefined;
}

/**
 * Loads one kubeconfig file.
 *
 * @throws {@link ConfigError} (option `kubeconfig`) when the file cannot be read or parsed;
 *   the message names the file and, for YAML errors, the line and column, never its content.
 */
export function loadKubeConfigFile(path: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  const document = parseFile(path);
  guard(path, () => kubeConfig.loadFromFile(path));
  recordTokenFiles(kubeConfig, [document]);
  return kubeConfig;
}

/**
 * A `KubeConfig` loaded the way `kubectl` finds one: `$KUBECONFIG` (files joined by the path
 * delimiter, merged by client-node), else `~/.kube/config`, else the in-cluster service
 * account; with the same credential-safe errors as {@link loadKubeConfigFile}.
 */
export function loadDefaultKubeConfigSafely(env = process.env): KubeConfig {
  const documents: unknown[] = [];
  for (const path of candidateFiles(env)) documents.push(parseFile(path));
  const kubeConfig = new KubeConfig();
  guard(env.KUBECONFIG ?? '~/.kube/config', () => kubeConfig.loadFromDefault());
  recordTokenFiles(kubeConfig, documents);
  return kubeConfig;
}

/** The kubeconfig files client-node's `loadFromDefault()` would read, in order. */
function candidateFiles(env: Readonly<Record<string, string | undefined>>): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter((path) => existsSync(path));
  const home = env.HOME ?? env.USERPROFILE;
  const path = home ? `${home}/.kube/config` : undefined;
  return path !== undefined && existsSync(path) ? [path] : [];
}

function parseFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigError(
      'kubeconfig',
      `cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`,
    );
  }
  try {
    return load(text);
  } catch (error) {
    throw new ConfigError('kubeconfig', `${path} is not valid YAML${position(error)}`);
  }
}

/** ` at line L, column C` from a js-yaml error's mark (0-based there), or nothing. */
function position(error: unknown): string {
  const mark = (error as { mark?: { line?: unknown; column?: unknown } } | null)?.mark;
  if (typeof mark?.line !== 'number' || typeof mark.column !== 'number') return '';
  return ` at line ${mark.line + 1}, column ${mark.column + 1}`;
}

/**
 * Runs client-node's own loading; a failure there (a missing `name`, an unreadable
 * `token-file`) is reported by its message, except a YAML error, which is reduced to its
 * position like ours.
 */
function guard(path: string, loadIt: () => void): void {
  try {
    loadIt();
  } catch (error) {
    if ((error as { mark?: unknown } | null)?.mark !== undefined) {
      throw new ConfigError('kubeconfig', `${path} is not valid YAML${position(error)}`);
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError('kubeconfig', `cannot load ${path}: ${reason}`);
  }
}

/** Remembers the `token-file` of each loaded user that has no literal `token`. */
function recordTokenFiles(kubeConfig: KubeConfig, documents: readonly unknown[]): void {
  const seen = new Set<string>();
  for (const document of documents) {
    const users = (document as { users?: unknown } | null)?.users;
    if (!Array.isArray(users)) continue;
    for (const entry of users) {
      const name = (entry as { name?: unknown } | null)?.name;
      const fields = (entry as { user?: Record<string, unknown> } | null)?.user;
      // With several files, the first definition of a user wins (kubectl's merge rule).
      if (typeof name !== 'string' || seen.has(name)) continue;
      seen.add(name);
      const file = fields?.['token-file'];
      if (typeof file !== 'string' || file === '' || fields?.token) continue;
      const user = kubeConfig.getUser(name);
      if (user !== null) tokenFiles.set(user, file);
    }
  }
}
