/**
 * Differential cases (differential.cases.ts): the same client-level cases against the real
 * kube-apiserver and the embedded server of `@leasehold/testing`, in the same run, comparing
 * the normalized results. Known, explained divergences are listed in KNOWN_DIFFERENCES (and
 * in docs/kube-differences.md); for those the test pins both sides' current results, so a fix
 * on either side shows up as a failure to update the list.
 *
 * The real side is the run's shared apiserver (watch cache on, coordinated leader election
 * on, see global-setup.ts), except for cases marked `on: 'second'`: a watch cache serves old
 * versions from memory, so a compacted watch runs on a second apiserver with
 * `--watch-cache=false`, whose etcd is compacted through its gateway; that one also has the
 * default feature gates, for what a default cluster does with coordinated-election fields
 * (compared with an embedded server started with `coordinatedLeaderElection: false`).
 */
import { writeFileSync } from 'node:fs';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LeaseServer, startLeaseServer } from '../../../packages/testing/src/index.js';
import {
  connectKubeApiserver,
  type KubeApiserver,
  type KubeApiserverHandle,
  startKubeApiserver,
} from '../src/apiserver.js';
import { compactEtcd } from '../src/etcd.js';
import { rawRequest } from '../src/http.js';
import { candidateCases } from './differential.candidates.js';
import { type DiffTarget, differentialCases } from './differential.cases.js';
import { KNOWN_DIFFERENCES, masked, valueAt } from './differential.known.js';

let kube: KubeApiserverHandle;
let uncached: KubeApiserver | undefined;
let embedded: LeaseServer;
let embeddedDefaultGates: LeaseServer | undefined;
let embeddedNamespaces = 0;
const results: Record<string, { kube: unknown; embedded: unknown }> = {};

beforeAll(async () => {
  kube = connectKubeApiserver(inject('kube'));
  embedded = await startLeaseServer();
});
afterAll(async () => {
  await embedded?.close();
  await embeddedDefaultGates?.close();
  await uncached?.stop();
  if (process.env.LEASEHOLD_DIFF_OUT) {
    writeFileSync(process.env.LEASEHOLD_DIFF_OUT, `${JSON.stringify(results, null, 2)}\n`);
  }
});

function kubeTarget(server: KubeApiserverHandle, compact?: () => Promise<void>): DiffTarget {
  const core = server.adminKubeConfig.makeApiClient(CoreV1Api);
  return {
    label: 'kube-apiserver',
    kubeConfig: server.adminKubeConfig,
    request: (method, path, body, options) =>
      rawRequest(server.admin, method, path, body, 10_000, options),
    async namespace() {
      const name = `diff-${Math.random().toString(16).slice(2, 12)}`;
      await core.createNamespace({ body: { metadata: { name } } });
      return name;
    },
    ...(compact === undefined ? {} : { compact }),
  };
}

function embeddedTarget(server: LeaseServer): DiffTarget {
  return {
    label: 'embedded',
    kubeConfig: server.kubeConfig,
    request: (method, path, body, options) =>
      rawRequest({ url: server.url }, method, path, body, 10_000, options),
    async namespace() {
      return `diff-${++embeddedNamespaces}`;
    },
    async compact() {
      server.faults.compact();
    },
  };
}

async function secondKubeTarget(): Promise<DiffTarget> {
  uncached ??= await startKubeApiserver({ apiserverArgs: ['--watch-cache=false'] });
  const server = uncached;
  return kubeTarget(server, async () => {
    await compactEtcd(server.info.etcdUrl);
  });
}

describe('differential: real kube-apiserver vs embedded server', () => {
  for (const c of [...differentialCases, ...candidateCases]) {
    it(c.name, async () => {
      const real = c.on === 'second' ? await secondKubeTarget() : kubeTarget(kube);
      if (c.on === 'second') {
        embeddedDefaultGates ??= await startLeaseServer({ coordinatedLeaderElection: false });
      }
      const fake = embeddedTarget(c.on === 'second' ? embeddedDefaultGates! : embedded);
      const [onKube, onEmbedded] = await Promise.all([c.run(real), c.run(fake)]);
      results[c.name] = { kube: onKube, embedded: onEmbedded };
      const known = KNOWN_DIFFERENCES[c.name];
      let kubeSide = onKube;
      let embeddedSide = onEmbedded;
      for (const path of known?.paths ?? []) {
        // Still different there (else the entry is stale: remove it) ...
        expect(
          valueAt(onEmbedded, path),
          `known difference at ${path} is gone; update differential.known.ts`,
        ).not.toEqual(valueAt(onKube, path));
        console.log(
          `[kube] known difference "${c.name}" at ${path}: kube-apiserver ${JSON.stringify(valueAt(onKube, path))}; embedded ${JSON.stringify(valueAt(onEmbedded, path))}`,
        );
        kubeSide = masked(kubeSide, path);
        embeddedSide = masked(embeddedSide, path);
      }
      // ... and equal everywhere else.
      expect(embeddedSide, 'embedded server (expected: what kube-apiserver did)').toEqual(kubeSide);
    });
  }
});
