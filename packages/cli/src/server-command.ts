/**
 * `leasehold server`: starts the embedded Lease API server, writes a kubeconfig for it, prints
 * one line with the URL and the kubeconfig path, and serves until SIGINT or SIGTERM.
 *
 * @module
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLeaseServer } from '@leasehold/testing';
import { HELP_OPTION, integerValue, parseCommandArgs, stringValue, UsageError } from './args.js';

export const SERVER_HELP = `Usage: leasehold server [options]

Starts an in-process Kubernetes API server for coordination.k8s.io/v1 Leases (enough for
kubectl and client libraries), writes a kubeconfig pointing at it and prints one line:
  leasehold server: http://127.0.0.1:PORT kubeconfig=PATH
then serves until SIGINT or SIGTERM. State lives in memory only.

Options:
  --port N            port to listen on, on 127.0.0.1 (default: a free one)
  --token-file PATH   require "Authorization: Bearer T", T read from that file (trimmed)
  --token T           the same with T on the command line, where other local users can read
                      it (/proc/PID/cmdline); prefer --token-file or LEASEHOLD_TOKEN
                      Default: the environment variable LEASEHOLD_TOKEN if set and not
                      empty, else no authentication.
  --kubeconfig PATH   where to write the kubeconfig (default: a temporary file, removed on exit)
  -h, --help          show this help

Example:
  leasehold server --port 8080 &
  kubectl --kubeconfig PATH get leases -w`;

/** What `server` was asked to do. */
export interface ServerCommandArgs {
  /** Port on 127.0.0.1; 0 or absent picks a free one. */
  readonly port?: number;
  /** Bearer token the server requires. */
  readonly token?: string;
  /** A file holding the token (read when the server starts; surrounding whitespace trimmed). */
  readonly tokenFile?: string;
  /** Where to write the kubeconfig; absent: a temporary file, removed on exit. */
  readonly kubeconfig?: string;
}

/** Where the command writes, and (for tests) what stops it instead of a signal. */
export interface ServerCommandIo {
  readonly stdout: { write(text: string): unknown };
  /** Stops the server when aborted, like SIGINT. */
  readonly signal?: AbortSignal;
}

/**
 * Parses `server`'s arguments.
 * @returns `'help'` for `--help`.
 * @throws {@link UsageError}
 */
export function parseServerArgs(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ServerCommandArgs | 'help' {
  const { values } = parseCommandArgs('server', args, {
    port: { type: 'string' },
    token: { type: 'string' },
    'token-file': { type: 'string' },
    kubeconfig: { type: 'string' },
    ...HELP_OPTION,
  });
  if (values.help === true) return 'help';
  const port = integerValue('server', values, 'port', 0, 65535);
  const tokenFile = stringValue(values, 'token-file');
  const fromEnv = env.LEASEHOLD_TOKEN === '' ? undefined : env.LEASEHOLD_TOKEN;
  const flagged = stringValue(values, 'token');
  if (flagged !== undefined && tokenFile !== undefined)
    throw new UsageError('--token and --token-file are exclusive', 'server');
  if (flagged === '') throw new UsageError('--token must not be empty', 'server');
  const token = flagged ?? (tokenFile === undefined ? fromEnv : undefined);
  const kubeconfig = stringValue(values, 'kubeconfig');
  return {
    ...(port === undefined ? {} : { port }),
    ...(token === undefined ? {} : { token }),
    ...(tokenFile === undefined ? {} : { tokenFile }),
    ...(kubeconfig === undefined ? {} : { kubeconfig }),
  };
}

/** Resolves on SIGINT, SIGTERM, or when `signal` aborts. */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    if (signal?.aborted) {
      resolve();
      return;
    }
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/** The token of `--token-file`, or the one given directly. */
async function resolveToken(args: ServerCommandArgs): Promise<string | undefined> {
  if (args.tokenFile === undefined) return args.token;
  let text: string;
  try {
    text = await readFile(args.tokenFile, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`--token-file: cannot read ${args.tokenFile} (${reason})`, 'server');
  }
  const token = text.trim();
  if (token === '') throw new UsageError(`--token-file: ${args.tokenFile} is empty`, 'server');
  return token;
}

async function serve(args: ServerCommandArgs, io: ServerCommandIo): Promise<void> {
  const token = await resolveToken(args);
  const server = await startLeaseServer({
    ...(args.port === undefined ? {} : { port: args.port }),
    ...(token === undefined ? {} : { token }),
  });
  const tempDir =
    args.kubeconfig === undefined ? await mkdtemp(join(tmpdir(), 'leasehold-server-')) : undefined;
  try {
    const path = await server.writeKubeconfig(
      args.kubeconfig ?? join(tempDir ?? '', 'kubeconfig.yaml'),
    );
    io.stdout.write(`leasehold server: ${server.url} kubeconfig=${path}\n`);
    await untilStopped(io.signal);
  } finally {
    await server.close();
    if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
  }
}

/**
 * Runs the server until SIGINT/SIGTERM (or `io.signal`). With parsed arguments it resolves
 * when stopped; with a raw argument list (the binary's form) it resolves with the exit code.
 */
export async function serverCommand(args: ServerCommandArgs, io?: ServerCommandIo): Promise<void>;
export async function serverCommand(args: readonly string[], io?: ServerCommandIo): Promise<number>;
export async function serverCommand(
  args: ServerCommandArgs | readonly string[],
  io: ServerCommandIo = { stdout: process.stdout },
  // biome-ignore lint/suspicious/noConfusingVoidType: the implementation of a void and a number overload
): Promise<void | number> {
  if (!isArgList(args)) return serve(args, io);
  const parsed = parseServerArgs(args);
  if (parsed === 'help') {
    io.stdout.write(`${SERVER_HELP}\n`);
    return 0;
  }
  await serve(parsed, io);
  return 0;
}

function isArgList(args: ServerCommandArgs | readonly string[]): args is readonly string[] {
  return Array.isArray(args);
}
