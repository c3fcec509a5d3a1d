/**
 * Bad server responses, end to end: two real electors through the real Kubernetes adapter
 * (client-node, over HTTP) against a tiny Lease server that misbehaves on request. The
 * adapter's mapping of each response is tested with the adapter; here the point is what the
 * elector does: it stays safe (never two leaders), reports a typed error, and recovers.
 *
 * Real sockets mean real time: every assertion waits for an outcome (`vi.waitFor`), none
 * measures a duration.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseStoreError } from '../../src/core/errors.js';
import { createLeaderElector, type LeaderElector } from '../../src/handle/leader-elector.js';
import { startTinyKubeServer, type TinyKubeServer } from './tiny-kube-server.js';

let server: TinyKubeServer;
let electors: LeaderElector[] = [];
let overlaps: string[] = [];

beforeEach(async () => {
  server = await startTinyKubeServer();
  electors = [];
  overlaps = [];
});

afterEach(async () => {
  await Promise.all(electors.map((elector) => elector.stop()));
  await server.close();
  expect(overlaps).toEqual([]);
});

/** Short enough for quick tests; what is asserted never depends on how long things took. */
const FAST = { leaseDurationMs: 2_000, renewDeadlineMs: 1_200, retryPeriodMs: 300 };
/** Slack for a loaded test machine where a renewal round must survive one failed request. */
const PATIENT = { leaseDurationMs: 8_000, renewDeadlineMs: 5_000, retryPeriodMs: 500 };

/** Starts an elector on the tiny server, checking "never two leaders" at every change. */
function elector(identity: string, timing = FAST): LeaderElector {
  const created = createLeaderElector({
    name: 'lease',
    namespace: 'ns',
    identity,
    kubeConfig: server.kubeConfig,
    ...timing,
  });
  created.state$.subscribe(() => {
    const leaders = electors.filter((e) => e.isLeader).map((e) => e.config.identity);
    if (leaders.length > 1) overlaps.push(leaders.join(', '));
  });
  electors.push(created);
  return created.start();
}

const eventually = (assertion: () => void) =>
  vi.waitFor(assertion, { timeout: 15_000, interval: 20 });
const leaders = () => electors.filter((e) => e.isLeader).map((e) => e.config.identity);
/** Every error an elector published, in order. */
function errorsOf(target: LeaderElector) {
  const seen: LeaseStoreError[] = [];
  target.state$.subscribe((state) => {
    if (state.error instanceof LeaseStoreError && seen.at(-1) !== state.error)
      seen.push(state.error);
  });
  return seen;
}

describe('transient server failures, then recovery', () => {
  it.each([
    ['500 Internal Error', { status: 500 }],
    ['503 with Retry-After', { status: 503, retryAfter: '1' }],
    ['an HTML error page from a proxy', { html: 502 }],
    ['a 200 whose body is not JSON', { text: 'this is not json' }],
    ['a 200 with a JSON document that is not a list', { text: '{"hello":"world"}' }],
  ] as const)(
    '%s on the first lists: an unavailable error is shown, then one elector leads',
    async (_label, answer) => {
      server.failNext('list', answer, 2);
      const a = elector('a');
      const errors = errorsOf(a);
      elector('b');
      await eventually(() => expect(leaders()).toHaveLength(1));
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]?.kind).toBe('unavailable');
      await eventually(() => expect(a.state.error).toBeNull()); // cleared once listed
    },
  );

  it('429 Too Many Requests with Retry-After on the acquiring write: retried after it, then leads', async () => {
    // The Lease is pre-created (tiny-kube-server): the acquiring write is an update.
    server.failNext('update', { status: 429, retryAfter: '1' });
    const a = elector('a');
    const errors = errorsOf(a);
    await eventually(() => expect(a.isLeader).toBe(true));
    expect(errors[0]).toMatchObject({ kind: 'unavailable', status: 429, retryAfterMs: 1_000 });
    expect(server.requests.update).toBeGreaterThanOrEqual(2);
  });

  it('one 500 on a renewal does not end the term', async () => {
    const a = elector('a', PATIENT);
    await eventually(() => expect(a.isLeader).toBe(true));
    const term = a.term;
    server.failNext('update', { status: 500 });
    const updates = server.requests.update;
    await eventually(() => expect(server.requests.update).toBeGreaterThan(updates + 3));
    expect(a.term).toBe(term);
    expect(a.state.lastTermEnd).toBeNull();
  });
});

describe('refusals that only an operator can fix', () => {
  it.each([
    ['403 Forbidden', 403, 'forbidden'],
    ['401 Unauthorized', 401, 'unauthorized'],
    ['404 on the collection (no such namespace)', 404, 'not-found'],
  ] as const)(
    '%s on every list: a typed error in state, never leader; stop() settles',
    async (_label, code, kind) => {
      server.failNext('list', { status: code }, 1_000);
      const a = elector('a');
      await eventually(() => expect(a.state.error).toMatchObject({ kind, status: code }));
      expect(a.state.role).toBe('follower');
      expect(a.isLeader).toBe(false);
      expect(server.requests.create + server.requests.update).toBe(0);
      await a.stop();
      expect(a.state.role).toBe('stopped');
    },
  );

  it('403 on the acquiring write: a typed error, never leader, the Lease untouched', async () => {
    server.failNext('update', { status: 403 }, 1_000);
    const a = elector('a');
    await eventually(() => expect(a.state.error).toMatchObject({ kind: 'forbidden' }));
    expect(a.isLeader).toBe(false);
    expect(server.store.current()?.record.holderIdentity).toBe('');
    expect(server.store.writes).toEqual([]);
  });
});

describe('broken watch streams', () => {
  it.each([
    ['a truncated stream (half a line, then the connection drops)', { truncate: true }],
    ['garbage lines before the real events', { garbage: ['not json', '{"type":', '[]', '{}'] }],
    ['a stream that fails with 500', { status: 500 }],
    ['a stream answered with 410 Gone', { status: 410, reason: 'Expired' }],
  ] as const)('%s: the follower reconnects and still sees the release', async (_label, answer) => {
    const a = elector('a');
    await eventually(() => expect(a.isLeader).toBe(true));
    server.failNext('watch', answer, 2);
    const b = elector('b');
    // b's first two watches are the broken ones; whatever it takes, it must get past them.
    await eventually(() => expect(server.requests.watch).toBeGreaterThanOrEqual(2));
    await eventually(() => expect(b.state.holder).toBe('a'));
    await a.stop(); // releases
    await eventually(() => expect(b.isLeader).toBe(true));
    expect(b.term?.fencingToken).toBe(2);
  });
});
