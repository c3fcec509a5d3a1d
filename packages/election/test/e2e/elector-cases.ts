/**
 * End-to-end cases for the elector through the real `@kubernetes/client-node`, shared by every
 * backend that speaks the Kubernetes API: the embedded server (`@leasehold/testing`) in the
 * default test run, and a real kube-apiserver, as a least-privilege user, in `pnpm test:kube`.
 *
 * Time is real here, so the cases use a fast profile and assert what happened and in what
 * order, never how long it took (that is for the benchmarks). Every case records each
 * elector's leadership intervals and checks that no two overlap.
 *
 * @module
 */
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { compareFences } from '../../src/core/fence.js';
import {
  createLeaderElector,
  type LeaderElector,
  type LeaderElectorOptions,
} from '../../src/index.js';

/** Fault injection, where a backend has it (the embedded server's `faults`). */
export interface BackendFaults {
  partition(options?: { match?: { namespace?: string } }): { undo(): void };
  dropWatches(options?: { match?: { namespace?: string }; mode?: 'close' | 'reset' }): number;
  stallWatches(match?: { namespace?: string }): { undo(): void };
  forceGone(options?: { count?: number; match?: { namespace?: string } }): { undo(): void };
  compact(): void;
  reset(): void;
}

/** What a backend provides to the cases. */
export interface ElectorBackend {
  /**
   * A fresh namespace, a kubeconfig for candidates on the Lease `leaseName` in it (a real
   * cluster binds a Role naming it), and one for an admin.
   */
  prepare(options: {
    leaseName: string;
  }): Promise<{ namespace: string; kubeConfig: KubeConfig; adminKubeConfig: KubeConfig }>;
  /** A namespace and kubeconfig where the candidates' requests are refused with 403. */
  forbidden(): Promise<{ namespace: string; kubeConfig: KubeConfig }>;
  readonly faults?: BackendFaults;
}

/**
 * Fast profile: whole-second lease, as the wire requires. A renew deadline of 3 s: a leader
 * loses its term only to a stall of the (loaded, shared) test machine longer than about 2 s,
 * not to the ≈1 s stalls a 1.5 s deadline did not survive.
 */
export const FAST = {
  leaseDurationMs: 4_000,
  renewDeadlineMs: 3_000,
  retryPeriodMs: 1_000,
} as const;

/** Per-case limit: a few lease durations plus process and server start-up on a loaded machine. */
const CASE_TIMEOUT_MS = 60_000;

interface Interval {
  identity: string;
  start: number;
  end: number;
}

/** Polls `predicate` until it holds; fails with `message` after `timeoutMs`. */
export async function until(predicate: () => boolean, message: string, timeoutMs = 30_000) {
  const started = performance.now();
  while (!predicate()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Records leadership intervals: from the leader state to the earlier of its end and deadline. */
function recordIntervals(elector: LeaderElector, intervals: Interval[]) {
  let open: Interval | null = null;
  let deadline = Number.POSITIVE_INFINITY;
  elector.state$.subscribe((state) => {
    const now = performance.now();
    if (state.role === 'leader') {
      deadline = state.deadline ?? deadline;
      if (!open) {
        open = { identity: state.identity, start: now, end: Number.POSITIVE_INFINITY };
        intervals.push(open);
      }
    } else if (open) {
      open.end = Math.min(now, deadline);
      open = null;
    }
  });
}

function overlaps(intervals: Interval[]): string[] {
  const found: string[] = [];
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    if (current.start < previous.end) {
      found.push(
        `${previous.identity} [${previous.start}, ${previous.end}) and ${current.identity} from ${current.start}`,
      );
    }
  }
  return found;
}

/** Defines the shared cases against `backend()` (resolved lazily, inside each test). */
export function describeElectorCases(label: string, backend: () => ElectorBackend) {
  describe(`elector end to end (${label})`, { timeout: CASE_TIMEOUT_MS }, () => {
    let electors: LeaderElector[] = [];
    let intervals: Interval[] = [];
    let leaseCounter = 0;

    afterEach(async () => {
      backend().faults?.reset();
      await Promise.all(electors.map((e) => e.stop()));
      expect(overlaps(intervals)).toEqual([]);
      electors = [];
      intervals = [];
    });

    /**
     * `count` candidates on a fresh Lease. With `precreate`, the Lease is created first with an
     * empty spec, as a deployment does: the first candidate takes it at once, where an absent
     * Lease is waited out for a lease duration (60 s in the slow cases).
     */
    async function candidates(
      count: number,
      options: Partial<LeaderElectorOptions> = {},
      { precreate = false } = {},
    ) {
      const name = `lease-${++leaseCounter}`;
      const { namespace, kubeConfig, adminKubeConfig } = await backend().prepare({
        leaseName: name,
      });
      if (precreate) {
        await adminKubeConfig
          .makeApiClient(CoordinationV1Api)
          .createNamespacedLease({ namespace, body: { metadata: { name }, spec: {} } });
      }
      const made = Array.from({ length: count }, (_, i) => {
        const elector = createLeaderElector({
          name,
          namespace,
          kubeConfig,
          identity: `candidate-${i}`,
          ...FAST,
          ...options,
        });
        recordIntervals(elector, intervals);
        electors.push(elector);
        return elector;
      });
      const admin = kubeConfig === adminKubeConfig ? null : adminKubeConfig;
      const api = (admin ?? kubeConfig).makeApiClient(CoordinationV1Api);
      return {
        electors: made,
        namespace,
        name,
        read: () => api.readNamespacedLease({ name, namespace }),
        // biome-ignore lint/suspicious/noExplicitAny: a raw Lease body as another client sends it
        replace: (body: any) => api.replaceNamespacedLease({ name, namespace, body }),
        remove: () => api.deleteNamespacedLease({ name, namespace }),
        // biome-ignore lint/suspicious/noExplicitAny: a raw Lease body as another client sends it
        create: (body: any) => api.createNamespacedLease({ namespace, body }),
      };
    }

    const leaders = () => electors.filter((e) => e.isLeader);

    it('creates the Lease with a client-go record and leads', async () => {
      const {
        electors: [a],
        read,
      } = await candidates(1);
      a!.start();
      await until(() => a!.isLeader, 'a leads');
      const lease = (await read()) as unknown as { spec: Record<string, unknown> };
      expect(lease.spec).toMatchObject({
        holderIdentity: 'candidate-0',
        leaseDurationSeconds: FAST.leaseDurationMs / 1000,
        leaseTransitions: 0,
      });
      expect(String(lease.spec.renewTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(String(lease.spec.acquireTime)).toMatch(/\.\d{6}Z$/);
    });

    it('keeps renewing, and keeps labels and annotations another client added', async () => {
      const {
        electors: [a],
        read,
        replace,
      } = await candidates(1);
      a!.start();
      await until(() => a!.isLeader, 'a leads');
      const lease = (await read()) as unknown as {
        metadata: Record<string, unknown>;
        spec: Record<string, unknown>;
      };
      await replace({
        ...lease,
        metadata: { ...lease.metadata, labels: { team: 'infra' }, annotations: { note: 'kept' } },
      });
      const renewedAfter = String(lease.spec.renewTime);
      let latest = lease;
      for (let i = 0; i < 100 && String(latest.spec.renewTime) <= renewedAfter; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        latest = (await read()) as unknown as typeof lease;
      }
      expect(String(latest.spec.renewTime) > renewedAfter).toBe(true);
      expect(latest.metadata).toMatchObject({
        labels: { team: 'infra' },
        annotations: { note: 'kept' },
      });
      expect(latest.spec.holderIdentity).toBe('candidate-0');
      expect(a!.isLeader).toBe(true);
    });

    it('hands over on release long before the lease could expire', async () => {
      const slow = { leaseDurationMs: 60_000, renewDeadlineMs: 40_000, retryPeriodMs: 2_000 };
      const {
        electors: [a, b],
      } = await candidates(2, slow, { precreate: true });
      a!.start();
      await until(() => a!.isLeader, 'a leads');
      b!.start();
      await until(() => b!.state.holder === 'candidate-0', 'b sees a');
      const token = a!.term!.fencingToken;
      await a!.stop();
      // 60 s lease: only the release, seen on the watch, can make b leader within the 30 s wait.
      await until(() => b!.isLeader, 'b leads after the release', 30_000);
      expect(b!.term!.fencingToken).toBe(token + 1);
    });

    it('a held Lease deleted under its leader: a candidate started after the deletion does not lead before the old term is over, and its fence is greater', async () => {
      const {
        electors: [a, b],
        remove,
      } = await candidates(2, {}, { precreate: true });
      a!.start();
      await until(() => a!.isLeader, 'a leads');
      const oldFence = a!.term!.fence;
      await remove();
      const deletedAt = performance.now();
      b!.start(); // a process that starts after the deletion finds no Lease at all
      // a sees the deletion on its watch and ends its term; nobody may lead for a while.
      await until(() => !a!.isLeader, 'a sees the deletion');
      await until(() => a!.isLeader || b!.isLeader, 'someone leads again', 30_000);
      const leadAt = performance.now();
      // Whoever creates it waited a lease duration from seeing it gone (the deletion for a, the
      // absence for b), on its own monotonic clock: the old term was over by then.
      expect(leadAt - deletedAt).toBeGreaterThanOrEqual(FAST.leaseDurationMs - 50);
      const next = (a!.isLeader ? a : b)!.term!;
      expect(compareFences(next.fence, oldFence)).toBeGreaterThan(0);
      expect(next.fencingEpoch).not.toBe('0');
    });

    it('takes over a leader that vanished without releasing, once its lease expires', async () => {
      const {
        electors: [a, b],
      } = await candidates(2, { releaseOnStop: false });
      a!.start();
      await until(() => a!.isLeader, 'a leads');
      b!.start();
      await until(() => b!.state.holder === 'candidate-0', 'b sees a');
      await a!.stop(); // no release: to b, a has crashed
      expect(b!.isLeader).toBe(false);
      await until(() => b!.isLeader, 'b leads at expiry');
      expect(b!.state.lastTermEnd).toBeNull();
    });

    it('five candidates: one leader at a time through three handovers', async () => {
      const { electors: five } = await candidates(5);
      for (const e of five) e.start();
      for (let round = 0; round < 3; round++) {
        await until(() => leaders().length === 1, `round ${round}: a leader`);
        const leader = leaders()[0]!;
        await leader.stop();
      }
      await until(() => leaders().length === 1, 'a fourth leader');
      // Order, not counts: each stopped leader led before the next and never again; the
      // fourth is none of them. (On a loaded machine a term may also end at its deadline and
      // pass to another candidate in between, adding intervals but changing none of this.)
      const stopped = five.filter((e) => e.state.role === 'stopped').map((e) => e.config.identity);
      expect(stopped).toHaveLength(3);
      const fourth = leaders()[0]!.config.identity;
      expect(stopped).not.toContain(fourth);
      for (const identity of stopped) {
        const last = intervals.filter((i) => i.identity === identity).at(-1)!;
        const fourthStart = intervals.filter((i) => i.identity === fourth).at(-1)!.start;
        expect(last.end).toBeLessThanOrEqual(fourthStart);
      }
    });

    it('competes again after stepping down', async () => {
      const {
        electors: [a, b],
      } = await candidates(2);
      a!.start();
      await until(() => a!.isLeader, 'a leads');
      b!.start();
      await a!.stepDown();
      await until(() => b!.isLeader, 'b leads');
      await b!.stepDown();
      await until(() => a!.isLeader, 'a leads again');
    });

    it('yields to a preferredHolder naming another candidate', async () => {
      const {
        electors: [a, b],
        read,
        replace,
      } = await candidates(2);
      a!.start();
      await until(() => a!.isLeader, 'a leads');
      b!.start();
      await until(() => b!.state.holder === 'candidate-0', 'b sees a');
      const lease = (await read()) as unknown as { spec: Record<string, unknown> };
      await replace({
        ...lease,
        spec: { ...lease.spec, strategy: 'OldestEmulationVersion', preferredHolder: 'candidate-1' },
      });
      await until(() => b!.isLeader, 'b leads');
      expect(a!.state.lastTermEnd).toBe('preferred-holder');
      const after = (await read()) as unknown as { spec: Record<string, unknown> };
      expect(after.spec).toMatchObject({
        preferredHolder: 'candidate-1',
        holderIdentity: 'candidate-1',
      });
    });

    it('reports 403 Forbidden as a typed error on a non-leader state', async () => {
      const { namespace, kubeConfig } = await backend().forbidden();
      const elector = createLeaderElector({ name: 'denied', namespace, kubeConfig, ...FAST });
      electors.push(elector);
      elector.start();
      await until(() => elector.state.error !== null, 'an error is published');
      expect(elector.isLeader).toBe(false);
      expect(elector.state.error).toMatchObject({ kind: 'forbidden' });
      expect(elector.state.error?.message).toMatch(/forbidden/i);
    });

    describe('with faults', () => {
      it('relists after 410 Gone and still sees the release', async ({ skip }) => {
        const faults = backend().faults;
        if (!faults) return skip('this backend has no fault injection');
        const slow = { leaseDurationMs: 60_000, renewDeadlineMs: 40_000, retryPeriodMs: 2_000 };
        const {
          electors: [a, b],
          namespace,
        } = await candidates(2, slow, { precreate: true });
        a!.start();
        await until(() => a!.isLeader, 'a leads');
        b!.start();
        await until(() => b!.state.holder === 'candidate-0', 'b sees a');
        faults.compact();
        faults.forceGone({ count: 5, match: { namespace } });
        faults.dropWatches({ match: { namespace }, mode: 'reset' });
        await a!.stop();
        await until(() => b!.isLeader, 'b leads after the release', 30_000);
      });

      it('holds through an API outage until its deadline, then demotes; leads again after', async ({
        skip,
      }) => {
        const faults = backend().faults;
        if (!faults) return skip('this backend has no fault injection');
        const {
          electors: [a],
          namespace,
        } = await candidates(1);
        a!.start();
        await until(() => a!.isLeader, 'a leads');
        const outage = faults.partition({ match: { namespace } });
        await until(() => !a!.isLeader, 'a demotes at its deadline');
        // isLeader reads the clock, so it turns false at the deadline even before the
        // machine's timer has run and published why the term ended; wait for that too.
        await until(() => a!.state.lastTermEnd !== null, 'a publishes why its term ended');
        expect(a!.state.lastTermEnd).toBe('deadline');
        outage.undo();
        await until(() => a!.isLeader, 'a leads again after the outage');
      });

      it('a Lease created and deleted behind a stalled watch: the next creator does not lead on its create while that term could still run', async ({
        skip,
      }) => {
        const faults = backend().faults;
        if (!faults) return skip('this backend has no fault injection');
        const timing = { leaseDurationMs: 8_000, renewDeadlineMs: 6_000, retryPeriodMs: 1_000 };
        const {
          electors: [a],
          namespace,
          name,
          create,
          read,
          remove,
        } = await candidates(1, timing);
        const seen: string[] = [];
        a!.events$.subscribe((event) => seen.push(event.type));
        a!.start();
        await until(() => seen.includes('watch.synced'), 'a has listed the absent Lease');
        // a waits the absence out (8 s). Meanwhile its watch stalls, and another process
        // creates the Lease, leads, and has it deleted: a never sees that term.
        const stall = faults.stallWatches({ namespace });
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await create({
          metadata: { name },
          spec: {
            holderIdentity: 'other',
            leaseDurationSeconds: timing.leaseDurationMs / 1000,
            renewTime: new Date().toISOString().replace('Z', '000Z'),
          },
        });
        const otherLedAt = performance.now();
        await remove();
        // a's list finds nothing, and it creates the Lease.
        await until(
          () => seen.includes('acquire.attempted'),
          'a tries to create the Lease',
          30_000,
        );
        let holder = '';
        for (let i = 0; i < 300 && holder !== 'candidate-0'; i++) {
          const lease = (await read().catch(() => null)) as { spec?: { holderIdentity?: string } };
          holder = lease?.spec?.holderIdentity ?? '';
          if (holder !== 'candidate-0') await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(holder).toBe('candidate-0');
        expect(a!.isLeader).toBe(false);
        stall.undo(); // the watch now shows the other Lease before a's
        await until(() => seen.includes('acquire.unconfirmed'), 'a gives its create up');
        await until(() => a!.isLeader, 'a leads after waiting its own record out', 30_000);
        // The other process's term, from its create, was over before a led.
        const ledAt = intervals.find((interval) => interval.identity === 'candidate-0')!.start;
        expect(ledAt - otherLedAt).toBeGreaterThanOrEqual(timing.leaseDurationMs);
      });

      it('a follower with a stalled watch still takes over', async ({ skip }) => {
        const faults = backend().faults;
        if (!faults) return skip('this backend has no fault injection');
        const {
          electors: [a, b],
          namespace,
        } = await candidates(2);
        a!.start();
        await until(() => a!.isLeader, 'a leads');
        b!.start();
        await until(() => b!.state.holder === 'candidate-0', 'b sees a');
        const stall = faults.stallWatches({ namespace });
        await a!.stop();
        await until(() => b!.isLeader, 'b leads despite the stalled watch');
        stall.undo();
      });
    });
  });
}
