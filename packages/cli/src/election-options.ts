/**
 * The options `run` and `candidate` share: which Lease, how to reach it, and the timing. Turns
 * them into a `LeaderElector`, reporting bad values as usage errors named after the flag.
 *
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node';
import {
  ConfigError,
  createLeaderElector,
  type LeaderElector,
  type LeaderElectorOptions,
  type Logger,
  loadDefaultKubeConfig,
  loadKubeConfigFile,
  resolveNamespace,
} from '@leasehold/election';
import { durationValue, type RawValues, requiredString, stringValue, UsageError } from './args.js';

/** `parseArgs` configuration of the election options. */
export const ELECTION_OPTIONS = {
  name: { type: 'string' },
  namespace: { type: 'string' },
  kubeconfig: { type: 'string' },
  identity: { type: 'string' },
  'lease-duration': { type: 'string' },
  'renew-deadline': { type: 'string' },
  'retry-period': { type: 'string' },
  'drain-timeout': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

/** Help text of the election options, for each command's `--help`. */
export const ELECTION_OPTIONS_HELP = `Election options:
  --name LEASE            name of the Lease to compete for (required)
  --namespace NS          namespace of the Lease (default: $POD_NAMESPACE, else the
                          kubeconfig context's namespace, else the pod's, else "default")
  --kubeconfig PATH       cluster access (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --identity ID           holder identity; must be unique per process incarnation
                          (default: HOSTNAME_UUID, new on every start)
  --lease-duration D      how long followers wait before taking over an unrenewed Lease;
                          whole seconds (default 15s)
  --renew-deadline D      how long a leader stays leader without a successful renewal;
                          less than --lease-duration (default 10s)
  --retry-period D        interval between renewals and base of retries (default 2s)
  --drain-timeout D       how long to wait for leader work to stop when a term ends,
                          before releasing (default 5s)
  -v, --verbose           log the elector's decisions to stderr
Durations: 500ms, 15s, 1m, 1m30s.`;

/** Library option names → the flags that set them, to name the flag in errors. */
const FLAG_OF: Readonly<Record<string, string>> = {
  name: '--name',
  namespace: '--namespace',
  identity: '--identity',
  leaseDurationMs: '--lease-duration',
  renewDeadlineMs: '--renew-deadline',
  retryPeriodMs: '--retry-period',
  drainTimeoutMs: '--drain-timeout',
};

/** Loads the kubeconfig named by `--kubeconfig`, or the default one. */
export function loadKubeConfig(command: string, path: string | undefined): KubeConfig {
  if (path === undefined) return loadDefaultKubeConfig();
  try {
    // Its errors name the file and a line, never the content (which may hold credentials).
    return loadKubeConfigFile(path);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const reason = error.message.replace(/^kubeconfig: /, '');
    throw new UsageError(`--kubeconfig: cannot load ${path}: ${reason}`, command);
  }
}

/** A logger writing one line per message to stderr, prefixed with the command. */
export function stderrLogger(prefix: string): Logger {
  const write =
    (level: string) =>
    (fields: Readonly<Record<string, unknown>>, message: string): void => {
      const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      process.stderr.write(`${prefix}: ${level}: ${message}${extra}\n`);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** Builds the elector options from parsed election flags. */
export function electorOptionsFrom(
  command: string,
  values: RawValues,
  logPrefix: string,
): LeaderElectorOptions {
  const name = requiredString(command, values, 'name');
  const kubeConfig = loadKubeConfig(command, stringValue(values, 'kubeconfig'));
  const identity = stringValue(values, 'identity');
  const leaseDurationMs = durationValue(command, values, 'lease-duration');
  const renewDeadlineMs = durationValue(command, values, 'renew-deadline');
  const retryPeriodMs = durationValue(command, values, 'retry-period');
  const drainTimeoutMs = durationValue(command, values, 'drain-timeout');
  return {
    name,
    // Like kubectl: the kubeconfig context's namespace applies when no flag says otherwise.
    namespace: stringValue(values, 'namespace') ?? resolveNamespace({ kubeConfig }),
    kubeConfig,
    ...(identity !== undefined && { identity }),
    ...(leaseDurationMs !== undefined && { leaseDurationMs }),
    ...(renewDeadlineMs !== undefined && { renewDeadlineMs }),
    ...(retryPeriodMs !== undefined && { retryPeriodMs }),
    ...(drainTimeoutMs !== undefined && { drainTimeoutMs }),
    ...(values.verbose === true && { logger: stderrLogger(logPrefix) }),
  };
}

/** `createLeaderElector`, with configuration errors reported against the flag that caused them. */
export function createElectorFromFlags(
  command: string,
  options: LeaderElectorOptions,
): LeaderElector {
  try {
    return createLeaderElector(options);
  } catch (error) {
    if (error instanceof ConfigError) {
      const flag = FLAG_OF[error.option] ?? error.option;
      const detail = error.message.slice(error.option.length + 2);
      // The library speaks milliseconds and option names; say which flag, keep its reason.
      const unit = error.option.endsWith('Ms') ? ' (values in ms)' : '';
      throw new UsageError(`${flag}: ${detail}${unit}`, command);
    }
    throw error;
  }
}
