/**
 * Observability on the real kube-apiserver: the Prometheus gauge and transition counters
 * across a failover, the leader's Events as `kubectl events --for lease/NAME` lists them,
 * `leasehold status` naming the holder, and the Events RBAC rule of docs/rbac.md (with it the
 * Events are recorded; without it the elector logs the rule once and elects all the same).
 */
import { execFile } from 'node:child_process';
import type { V1PolicyRule } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { statusCommand } from '../../../packages/cli/src/status-command.js';
import { createLeaderElector, type LeaderElector } from '../../../packages/election/src/index.js';
import { scrapedElector } from '../../../packages/election/test/observability/scrape.js';
import { connectKubeApiserver, type KubeApiserverHandle } from '../src/apiserver.js';
import { electorRules } from '../src/rbac.js';

const EVENTS_RULE: V1PolicyRule = {
  apiGroups: [''],
  resources: ['events'],
  verbs: ['create', 'patch'],
};

let kube: KubeApiserverHandle;
let electors: LeaderElector[] = [];
beforeAll(() => {
  kube = connectKubeApiserver(inject('kube'));
});
afterEach(async () => {
  await Promise.all(electors.map((e) => e.stop()));
  electors = [];
});

const TIMING = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };

function elect(
  namespace: string,
  identity: string,
  logger?: Parameters<typeof createLeaderElector>[0]['logger'],
) {
  const elector = createLeaderElector({
    name: 'obs',
    namespace,
    identity,
    kubeConfig: kube.restrictedKubeConfig,
    keepProcessAlive: false,
    ...TIMING,
    ...(logger && { logger }),
  });
  electors.push(elector);
  return elector;
}

const kubectl = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'kubectl',
      ['--kubeconfig', kube.adminKubeconfigPath, ...args],
      { timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : 1, stdout, stderr }),
    );
  });

const until = async (check: () => Promise<boolean> | boolean, ms = 20_000) => {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('observability on the real apiserver', () => {
  it('gauge, failover counters, kubectl events and leasehold status', async () => {
    const namespace = await kube.namespace({
      prefix: 'obs',
      leaseName: 'obs',
      rules: [...electorRules('obs'), EVENTS_RULE],
    });
    const a = elect(namespace, 'obs-a');
    const b = elect(namespace, 'obs-b');
    const [ra, rb] = [scrapedElector(a), scrapedElector(b)];
    a.start();
    await a.whenLeader();
    b.start();
    await until(() => b.readiness().ok);
    expect(await ra.value('leader_election_master_status', { name: 'obs' })).toBe(1);
    expect(await rb.value('leader_election_master_status', { name: 'obs' })).toBe(0);
    expect(a.health().ok).toBe(true);
    expect(await ra.text()).toContain('leader_election_master_status{name="obs"} 1');

    await a.stop();
    await b.whenLeader();
    const lease = { name: 'obs', namespace };
    expect(await ra.value('leasehold_terms_ended_total', { ...lease, reason: 'stop' })).toBe(1);
    expect(await rb.value('leasehold_terms_started_total', lease)).toBe(1);
    expect(await rb.value('leasehold_leader_changes_total', lease)).toBe(1);
    expect(await ra.value('leader_election_master_status', { name: 'obs' })).toBe(0);
    expect(await rb.value('leader_election_master_status', { name: 'obs' })).toBe(1);

    let listed = '';
    await until(async () => {
      listed = (await kubectl(['events', '--for', 'lease/obs', '-n', namespace])).stdout;
      return listed.includes('obs-b became leader');
    });
    expect(listed).toMatch(/Normal\s+LeaderElection\s+Lease\/obs\s+obs-a became leader/);
    expect(listed).toContain('obs-a stopped leading');

    let out = '';
    const code = await statusCommand(['obs', '-n', namespace, '-o', 'json'], {
      stdout: { write: (chunk: string) => (out += chunk) },
      stderr: process.stderr,
      kubeConfig: kube.adminKubeConfig,
    });
    expect(code).toBe(0);
    expect(JSON.parse(out).items[0]).toMatchObject({
      holder: 'obs-b',
      fencingToken: 1,
      clock: 'server',
      holderLooksAlive: true,
    });
  });

  it('without the events rule: one warning naming the rule, and the election goes on', async () => {
    const namespace = await kube.namespace({ prefix: 'obs', leaseName: 'obs' });
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_fields: unknown, m: string) => void warnings.push(m),
    };
    const a = elect(namespace, 'obs-a', logger);
    a.start();
    await a.whenLeader();
    await a.stepDown();
    await until(() => a.isLeader, 15_000);
    await until(() => warnings.some((w) => w.includes('403')));
    await new Promise((r) => setTimeout(r, 500));
    const forbidden = warnings.filter((w) => w.includes('leader election Events'));
    expect(forbidden).toHaveLength(1);
    expect(forbidden[0]).toContain('resources: ["events"]');
  });
});
