/**
 * Drives one `@codedependant/kubernetes-leader-election` Elector and prints the shared JSON
 * line protocol of `leasehold candidate` and client-go's `goelector` (times are
 * CLOCK_MONOTONIC ns from `process.hrtime.bigint()`):
 *
 *   leading          on the package's LEADERSHIP_ACQUIRED event (its "I lead now" signal)
 *   stopped-leading  on LEADERSHIP_LOST
 *   renewed          on LEASE_RENEWED
 *   state            after each acquisition attempt (tryToBecomeLeader), with the holder the
 *                    attempt read: the follower has seen the Lease
 *   error            the package's error log lines (it logs and carries on)
 *   exit             just before exiting
 *
 * Usage: node peer-candidate.ts --name LEASE --namespace NS --identity ID
 *          --lease-duration-sec N --renew-interval-ms N
 * The package reads its cluster access from KUBECONFIG (loadFromDefault) and only talks to
 * the API when KUBERNETES_SERVICE_HOST is set (otherwise it claims leadership without asking
 * anyone); the benchmark sets both. SIGTERM stops the elector (it releases the Lease when
 * leading) and exits 0.
 */
import { parseArgs } from 'node:util';
import peer from '@codedependant/kubernetes-leader-election';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    namespace: { type: 'string' },
    identity: { type: 'string' },
    'lease-duration-sec': { type: 'string' },
    'renew-interval-ms': { type: 'string' },
  },
});
const identity = values.identity ?? `peer-${process.pid}`;

function emit(fields: Record<string, unknown>): void {
  process.stdout.write(
    `${JSON.stringify({ ...fields, identity, at: process.hrtime.bigint().toString() })}\n`,
  );
}

function describe(args: unknown[]): string {
  return args
    .map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a)))
    .join(' ');
}

const noop = (): void => {};
const log = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: (...args: unknown[]) => emit({ type: 'error', error: `warn: ${describe(args)}` }),
  error: (...args: unknown[]) => emit({ type: 'error', error: describe(args) }),
  fatal: (...args: unknown[]) => emit({ type: 'error', error: `fatal: ${describe(args)}` }),
  child() {
    return log;
  },
};

const elector = new peer.Elector({
  auto_close: false,
  identity,
  lease_name: values.name ?? 'nodejs-leader-election',
  namespace: values.namespace ?? 'default',
  lease_duration_sec: Number(values['lease-duration-sec'] ?? 20),
  renew_interval_ms: Number(values['renew-interval-ms'] ?? 10_000),
  log,
});

// Observe what each acquisition attempt read, without changing what it does.
let lastHolder: string | null = null;
const getLease = elector.getLease.bind(elector);
elector.getLease = async () => {
  const lease = await getLease();
  lastHolder = lease?.spec?.holderIdentity ?? null;
  return lease;
};
const attempt = elector.tryToBecomeLeader.bind(elector);
let attempts = 0;
elector.tryToBecomeLeader = async () => {
  await attempt();
  attempts += 1;
  emit({
    type: 'state',
    role: elector.current_leader ? 'leader' : 'follower',
    holder: lastHolder,
    attempt: attempts,
  });
};

let leading = false;
elector.on(peer.EVENTS.LEADERSHIP_ACQUIRED, () => {
  // The package can announce the same term twice (acquire, then its own watch echo).
  if (leading) return;
  leading = true;
  emit({ type: 'leading' });
});
elector.on(peer.EVENTS.LEADERSHIP_LOST, () => {
  if (!leading) return;
  leading = false;
  emit({ type: 'stopped-leading' });
});
elector.on(peer.EVENTS.LEASE_RENEWED, () => emit({ type: 'renewed' }));

const stop = (): void => {
  elector.stop().then(
    () => {
      emit({ type: 'exit', code: 0 });
      process.exit(0);
    },
    (error: unknown) => {
      emit({ type: 'error', error: String(error) });
      emit({ type: 'exit', code: 1 });
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

elector.start().catch((error: unknown) => emit({ type: 'error', error: String(error) }));
