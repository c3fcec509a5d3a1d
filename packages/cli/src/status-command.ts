/**
 * `leasehold status`: who holds a Lease, since when, and whether the holder looks alive.
 *
 * @module
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease, Watch } from '@kubernetes/client-node';
import { resolveNamespace } from '@leasehold/election';
import { HELP_OPTION, parseCommandArgs, stringValue, UsageError } from './args.js';
import { loadKubeConfig } from './election-options.js';
import { type LeaseStatus, leaseStatus, render, type StatusFormat } from './lease-status.js';

export const STATUS_HELP = `Usage: leasehold status [NAME] [-n NS | -A] [-w] [-o table|json|yaml]

Shows who holds each Lease: holder, fencing token (leaseTransitions), when it was last
written and when it expires, lease duration, preferred holder and strategy, and whether
the holder looks alive (written within its lease duration).

Times come from the API server's clock only: the last write's managedFields time against
the Date of the server's answer (whole seconds). A Lease without managedFields falls back to
the holder's renewTime, marked "(holder clock)". This machine's clock is never compared.

Options:
  -n, --namespace NS      namespace (default: the kubeconfig context's, else "default")
  -A, --all-namespaces    every namespace
  -w, --watch             keep printing a line per change, from a watch, until Ctrl-C
  -o, --output FORMAT     table (default), json or yaml
  --kubeconfig PATH       cluster access (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  -h, --help              show this help
Exit codes: 0 shown, 1 the Lease does not exist or the server failed, 2 bad arguments.`;

/** Parsed arguments of `leasehold status`. */
export interface StatusArgs {
  readonly name: string | undefined;
  readonly namespace: string | undefined;
  readonly allNamespaces: boolean;
  readonly watch: boolean;
  readonly format: StatusFormat;
  readonly kubeconfig: string | undefined;
}

/** Parses the arguments; `'help'` for `-h`. */
export function parseStatusArgs(args: readonly string[]): StatusArgs | 'help' {
  const { values, positionals } = parseCommandArgs(
    'status',
    args,
    {
      ...HELP_OPTION,
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A' },
      watch: { type: 'boolean', short: 'w' },
      output: { type: 'string', short: 'o' },
      kubeconfig: { type: 'string' },
    },
    true,
  );
  if (values.help === true) return 'help';
  if (positionals.length > 1) throw new UsageError('at most one Lease NAME', 'status');
  const format = stringValue(values, 'output') ?? 'table';
  if (format !== 'table' && format !== 'json' && format !== 'yaml') {
    throw new UsageError(`--output must be table, json or yaml, got ${format}`, 'status');
  }
  const allNamespaces = values['all-namespaces'] === true;
  const namespace = stringValue(values, 'namespace');
  if (allNamespaces && namespace !== undefined) {
    throw new UsageError('--namespace and --all-namespaces exclude each other', 'status');
  }
  return {
    name: positionals[0],
    namespace,
    allNamespaces,
    watch: values.watch === true,
    format,
    kubeconfig: stringValue(values, 'kubeconfig'),
  };
}

/** Where the command writes, and what stops a watch (tests pass their own). */
export interface StatusIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  readonly signal?: AbortSignal;
  /** Cluster access; replaces `--kubeconfig`. */
  readonly kubeConfig?: KubeConfig;
}

/** The server's clock: its `Date` at the list, moved on by local monotonic time since then. */
function serverClock(dateHeader: string | undefined) {
  const date = dateHeader === undefined ? Number.NaN : Date.parse(dateHeader);
  const localAt = performance.now();
  return () => (Number.isNaN(date) ? null : date + (performance.now() - localAt));
}

/** Runs `leasehold status`; resolves with the exit code. */
export async function statusCommand(
  args: readonly string[],
  io: StatusIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const parsed = parseStatusArgs(args);
  if (parsed === 'help') {
    io.stdout.write(`${STATUS_HELP}\n`);
    return 0;
  }
  const kubeConfig = io.kubeConfig ?? loadKubeConfig('status', parsed.kubeconfig);
  const namespace = parsed.allNamespaces
    ? undefined
    : (parsed.namespace ?? resolveNamespace({ kubeConfig }));
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  const fieldSelector = parsed.name === undefined ? undefined : `metadata.name=${parsed.name}`;
  let listing: Awaited<ReturnType<typeof api.listLeaseForAllNamespacesWithHttpInfo>>;
  try {
    listing =
      namespace === undefined
        ? await api.listLeaseForAllNamespacesWithHttpInfo(
            fieldSelector === undefined ? {} : { fieldSelector },
          )
        : await api.listNamespacedLeaseWithHttpInfo({
            namespace,
            ...(fieldSelector !== undefined && { fieldSelector }),
          });
  } catch (error) {
    io.stderr.write(`leasehold status: listing Leases failed: ${describe(error)}\n`);
    return 1;
  }
  const now = serverClock(listing.headers.date);
  const leases = listing.data.items;
  const where = namespace === undefined ? 'any namespace' : `namespace ${namespace}`;
  if (leases.length === 0 && parsed.name !== undefined && !parsed.watch) {
    io.stderr.write(`leasehold status: Lease ${parsed.name} not found in ${where}\n`);
    return 1;
  }
  const options = { allNamespaces: namespace === undefined, stream: parsed.watch };
  const statuses = leases.map((lease) => leaseStatus(lease, now()));
  if (statuses.length > 0 || parsed.format !== 'table') {
    io.stdout.write(`${render(statuses, parsed.format, { ...options, withHeader: true })}\n`);
  } else {
    io.stdout.write(`No Leases found in ${where}.\n`);
  }
  if (!parsed.watch) return 0;
  return watchLeases(kubeConfig, {
    namespace,
    fieldSelector,
    resourceVersion: listing.data.metadata?.resourceVersion,
    onLease: (lease) => {
      const line = render([leaseStatus(lease, now())], parsed.format, {
        ...options,
        withHeader: statuses.length === 0 && parsed.format === 'table',
      });
      statuses.push(leaseStatus(lease, now()));
      io.stdout.write(`${line}\n`);
    },
    io,
  });
}

/** Follows the Leases until the signal (or Ctrl-C); 1 when the watch fails. */
async function watchLeases(
  kubeConfig: KubeConfig,
  options: {
    namespace: string | undefined;
    fieldSelector: string | undefined;
    resourceVersion: string | undefined;
    onLease: (lease: V1Lease) => void;
    io: StatusIo;
  },
): Promise<number> {
  const { io } = options;
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  const signal = io.signal ?? interrupt.signal;
  if (io.signal === undefined) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const path =
    options.namespace === undefined
      ? '/apis/coordination.k8s.io/v1/leases'
      : `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(options.namespace)}/leases`;
  try {
    return await new Promise<number>((resolve) => {
      let stream: AbortController | undefined;
      let version = options.resourceVersion;
      signal.addEventListener(
        'abort',
        () => {
          stream?.abort();
          resolve(0);
        },
        { once: true },
      );
      const failed = (what: string) => (error: unknown) => {
        if (signal.aborted) return;
        io.stderr.write(`leasehold status: ${what}: ${describe(error)}\n`);
        resolve(1);
      };
      // A server ends every watch after a while (its timeout); go on from the last version.
      const follow = (): void => {
        if (signal.aborted) return;
        new Watch(kubeConfig)
          .watch(
            path,
            {
              ...(options.fieldSelector !== undefined && { fieldSelector: options.fieldSelector }),
              ...(version !== undefined && { resourceVersion: version }),
            },
            (phase, object: V1Lease) => {
              version = object.metadata?.resourceVersion ?? version;
              if (phase === 'ADDED' || phase === 'MODIFIED') options.onLease(object);
              if (phase === 'DELETED') {
                const { namespace, name } = object.metadata ?? {};
                io.stdout.write(`# deleted ${namespace}/${name}\n`);
              }
            },
            (error: unknown) => {
              if (error === null || error === undefined) follow();
              else failed('the watch ended')(error);
            },
          )
          .then((controller) => {
            stream = controller;
            if (signal.aborted) controller.abort();
          }, failed('watching failed'));
      };
      follow();
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : String(error ?? 'closed by the server');

export type { LeaseStatus };
