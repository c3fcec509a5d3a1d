/**
 * Authentication for one store, bounded by the caller's signal, shared while in flight, with
 * token files re-read when they change.
 *
 * @remarks
 * client-node authenticates each request (kubeconfig tokens, exec plugins, client
 * certificates) inside the generated client before any middleware runs, so the signal a
 * middleware attaches does not cover it: a hung exec plugin hung the request past every
 * timeout. Here authentication runs through {@link CredentialSource.credentials}, which
 * rejects with the caller's `signal.reason` as soon as it aborts. The authentication itself
 * cannot be cancelled (client-node keeps the plugin's child process to itself), so at most one
 * runs at a time per store and later callers join it: a plugin that never returns costs one
 * hung child process, not one per retry.
 *
 * Bearer tokens from files (a kubeconfig `token-file`, the in-cluster service-account token)
 * are read through {@link TokenFile}: fresh whenever the file changed, and again after a 401.
 *
 * One authentication serves every request for a short window ({@link CredentialReuse}, 1 s by
 * default) instead of one per request. client-node's authentication builds a new dispatcher
 * for every call, and the digest of the TLS material hashes the CA and client certificate:
 * with a thousand electors renewing every 2 s that was 500 of each a second, and their garbage
 * lived long enough to be promoted to old space (bench/analysis.md). Nothing gets staler than
 * the window: a rotated token file or exec credential is picked up at most that much later,
 * and a 401 drops the reused credentials at once (see {@link CredentialSource.changedSince}).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { HttpMethod, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import type { Dispatcher } from './connection-pool.js';
import { tokenFileOf } from './kubeconfig.js';
import { TokenFile } from './token-file.js';

/** What one authentication produced, shared by every request that waited for it. */
export interface Credentials {
  /** Headers to send (`Authorization`, impersonation), as client-node set them. */
  readonly headers: Readonly<Record<string, string>>;
  /** The dispatcher client-node built for this TLS material; `undefined` for plain HTTP. */
  readonly dispatcher: Dispatcher | undefined;
  /** A digest of the TLS material (CA, client certificate and key, server name). */
  readonly material: string;
}

/** A request waiting for the authentication in flight. */
interface Waiter {
  /** The generation it asked in: only an authentication started in it (or later) serves it. */
  readonly generation: number;
  resolve(credentials: Credentials): void;
  reject(error: unknown): void;
}

/** The private part of `KubeConfig` that gathers TLS material and the auth header. */
interface WithApplyOptions {
  applyOptions(options: Record<string, unknown>): Promise<void>;
}

/** How long one authentication is reused, on which clock. */
export interface CredentialReuse {
  /**
   * Milliseconds an authentication serves later requests; 0 authenticates every request.
   * @defaultValue 1000
   */
  readonly reuseMs?: number;
  /** The monotonic clock the window is measured on. @defaultValue `performance.now` */
  readonly now?: () => number;
}

const DEFAULT_REUSE_MS = 1000;

/** TLS fields of client-node's options that decide which connections may be reused. */
const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'];

/** See the module remarks. */
export class CredentialSource {
  readonly #kubeConfig: KubeConfig;
  /** The caller's config with `applyOptions` wrapped to record a digest of the TLS material. */
  readonly #recording: KubeConfig;
  #material = '';
  #running = false;
  readonly #waiters = new Set<Waiter>();
  readonly #tokenFiles = new Map<string, TokenFile>();
  readonly #reuseMs: number;
  readonly #now: () => number;
  /** The last authentication and when it finished, while it may be reused. */
  #reused: { readonly credentials: Credentials; readonly at: number } | undefined;
  /**
   * Moves on at each 401. An authentication started before it may carry the refused token:
   * it still answers the requests that were waiting for it, but is not reused, and requests
   * made after the 401 wait for one started after it.
   */
  #generation = 0;

  constructor(kubeConfig: KubeConfig, reuse: CredentialReuse = {}) {
    this.#kubeConfig = kubeConfig;
    this.#reuseMs = reuse.reuseMs ?? DEFAULT_REUSE_MS;
    this.#now = reuse.now ?? (() => performance.now());
    const apply = (kubeConfig as unknown as WithApplyOptions).applyOptions;
    // A prototype view rather than a patch: the caller's object stays untouched, and
    // client-node's `this.applyOptions(...)` inside applySecurityAuthentication finds ours.
    const recording = Object.create(kubeConfig) as KubeConfig;
    (recording as unknown as WithApplyOptions).applyOptions = async (options) => {
      await apply.call(recording, options);
      this.#material = digest(options);
    };
    this.#recording = recording;
  }

  /**
   * Authenticates (or joins the authentication in flight) for one request.
   *
   * @remarks
   * Waiters are kept in a set and leave it when their signal aborts, so a plugin that never
   * returns holds no memory for the calls that gave up on it.
   *
   * @throws `signal.reason` as soon as `signal` aborts; whatever client-node's authentication
   *   threw (a failing exec plugin, an unreadable file) otherwise.
   */
  credentials(signal: AbortSignal): Promise<Credentials> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const reused = this.#reused;
    if (reused !== undefined && this.#now() - reused.at < this.#reuseMs) {
      return Promise.resolve(reused.credentials);
    }
    return new Promise<Credentials>((resolve, reject) => {
      const onAbort = () => {
        this.#waiters.delete(waiter);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        generation: this.#generation,
        resolve: (credentials) => {
          signal.removeEventListener('abort', onAbort);
          resolve(credentials);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
      if (!this.#running) this.#run();
    });
  }

  /**
   * One authentication for everybody waiting now (and until it settles) in its generation;
   * those who asked after a 401 moved the generation on get another one right after.
   */
  #run(): void {
    this.#running = true;
    const generation = this.#generation;
    const settle = (each: (waiter: Waiter) => void) => {
      this.#running = false;
      const served = [...this.#waiters].filter((waiter) => waiter.generation <= generation);
      for (const waiter of served) this.#waiters.delete(waiter);
      if (this.#waiters.size > 0) this.#run();
      for (const waiter of served) each(waiter);
    };
    this.#authenticate().then(
      (credentials) => {
        if (generation === this.#generation) this.#reused = { credentials, at: this.#now() };
        settle((waiter) => waiter.resolve(credentials));
      },
      (error: unknown) => settle((waiter) => waiter.reject(error)),
    );
  }

  /**
   * After a 401: forgets the reused credentials, reads the token file again whatever its
   * metadata says, and authenticates afresh.
   *
   * @returns whether the `Authorization` header now differs from the one sent
   *   (`sentAuthorization`), i.e. whether repeating the request once can help; `false` when
   *   authenticating again failed or `signal` aborted (the repeat would fail the same way).
   */
  async changedSince(sentAuthorization: string | undefined, signal: AbortSignal): Promise<boolean> {
    this.#reused = undefined;
    this.#generation++;
    const path = tokenFileOf(this.#kubeConfig.getCurrentUser());
    try {
      if (path !== undefined) await this.#tokenFile(path).read(true);
      const fresh = await this.credentials(signal);
      return fresh.headers.Authorization !== sentAuthorization;
    } catch {
      return false;
    }
  }

  /**
   * A view of the caller's `KubeConfig` for client-node's `Watch`, authenticating through
   * {@link credentials} with `signal`.
   */
  forWatch(signal: AbortSignal): KubeConfig {
    const view = Object.create(this.#kubeConfig) as KubeConfig;
    view.applySecurityAuthentication = async (context: RequestContext) => {
      const credentials = await this.credentials(signal);
      applyHeaders(context, credentials);
      if (credentials.dispatcher !== undefined) context.setDispatcher(credentials.dispatcher);
    };
    return view;
  }

  async #authenticate(): Promise<Credentials> {
    const server = this.#kubeConfig.getCurrentCluster()?.server || 'http://localhost';
    const scratch = new RequestContext(server, HttpMethod.GET);
    this.#material = '';
    await this.#recording.applySecurityAuthentication(scratch);
    const headers: Record<string, string> = { ...scratch.getHeaders() };
    const path = tokenFileOf(this.#kubeConfig.getCurrentUser());
    if (path !== undefined) headers.Authorization = `Bearer ${await this.#tokenFile(path).read()}`;
    return { headers, dispatcher: scratch.getDispatcher(), material: this.#material };
  }

  #tokenFile(path: string): TokenFile {
    let file = this.#tokenFiles.get(path);
    if (file === undefined) {
      file = new TokenFile(path);
      this.#tokenFiles.set(path, file);
    }
    return file;
  }
}

/** Copies the credentials' headers onto a request. */
export function applyHeaders(context: RequestContext, credentials: Credentials): void {
  for (const [name, value] of Object.entries(credentials.headers)) {
    context.setHeaderParam(name, value);
  }
}

/** A digest of the TLS fields of client-node's options (buffers, strings, lists of them). */
function digest(options: Record<string, unknown>): string {
  const hash = createHash('sha256');
  for (const field of TLS_FIELDS) {
    hash.update(`\0${field}=`);
    const value = options[field];
    for (const part of Array.isArray(value) ? value : [value]) {
      if (part === undefined || part === null) continue;
      hash.update(Buffer.isBuffer(part) || typeof part === 'string' ? part : String(part));
      hash.update('\0');
    }
  }
  return hash.digest('base64');
}
