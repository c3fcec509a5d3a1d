/**
 * Benchmark of the embedded Lease API server, in one process over loopback HTTP:
 *
 * 1. create throughput: 10,000 Leases through `fetch`, 16 requests in flight;
 * 2. memory with 1,000 concurrent watches (streamed with plain `fetch`) on one Lease;
 * 3. fan-out latency: the time from sending one update to each of the 1,000 watchers
 *    receiving its MODIFIED event (20 updates, one after the other).
 *
 * Run after building: `pnpm build && node --expose-gc packages/testing/bench/server-bench.ts`
 * (Node 24 strips the types). Prints one JSON object. Client and server share the process,
 * so memory figures and fan-out times include both sides (the client parses 1,000 streams on
 * the same thread as the server writes them).
 */
import { startLeaseServer } from '@leasehold/testing';

const LEASES = 10_000;
const WATCHES = 1_000;
const UPDATES = 20;
const CONCURRENCY = 16;
const NS = 'bench';

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
function memory() {
  gc?.();
  const m = process.memoryUsage();
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed) };
}
function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 1000) /
    1000;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

const server = await startLeaseServer({ historyLimit: 1000 });
const base = `${server.url}/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;
const json = { 'content-type': 'application/json' };
const baseline = memory();
const progress = (message: string) => process.stderr.write(`${message}\n`);

// 1. Create throughput.
const createLatencies: number[] = [];
let next = 0;
const createStart = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < LEASES; i = next++) {
      const t0 = performance.now();
      const response = await fetch(base, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          metadata: { name: `lease-${i}` },
          spec: { holderIdentity: 'bench', leaseDurationSeconds: 15 },
        }),
      });
      if (response.status !== 201)
        throw new Error(`create ${i}: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
      createLatencies.push(performance.now() - t0);
    }
  }),
);
const createSeconds = (performance.now() - createStart) / 1000;
const afterCreates = memory();
progress(`created ${LEASES} in ${createSeconds.toFixed(2)} s`);

// 2. Open the watches, all on lease-0.
const watchers: {
  received: Map<string, number>;
  reader: ReadableStreamDefaultReader<Uint8Array>;
}[] = [];
let opened = 0;
const openStart = performance.now();
// Watch from the version of a list, as informers do (lease-0's own version is long compacted).
const listed = await fetch(`${base}?limit=1`).then(
  (r) => r.json() as Promise<{ metadata: { resourceVersion: string } }>,
);
await Promise.all(
  Array.from({ length: WATCHES }, async () => {
    const response = await fetch(
      `${base}?watch=true&fieldSelector=metadata.name%3Dlease-0&resourceVersion=${listed.metadata.resourceVersion}`,
    );
    if (response.body === null) throw new Error('watch without a body');
    const reader = response.body.getReader();
    const received = new Map<string, number>();
    watchers.push({ received, reader });
    opened += 1;
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let newline = buffer.indexOf('\n');
        while (newline !== -1) {
          const now = performance.now();
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          const event = JSON.parse(line) as {
            type: string;
            object: { metadata: { resourceVersion: string } };
          };
          if (event.type === 'MODIFIED') received.set(event.object.metadata.resourceVersion, now);
          newline = buffer.indexOf('\n');
        }
      }
    })();
  }),
);
const openSeconds = (performance.now() - openStart) / 1000;
progress(`opened ${opened} watch requests; server sees ${server.stats.openWatches}`);
while (server.stats.openWatches < WATCHES) await new Promise((r) => setTimeout(r, 10));
const withWatches = memory();
progress('watches open');

// 3. Fan-out: one update at a time, wait until every watcher has it.
const fanOut: number[] = [];
const allWatchers: number[] = [];
const updateRequests: number[] = [];
for (let u = 0; u < UPDATES; u++) {
  const current = await fetch(`${base}/lease-0`).then(
    (r) => r.json() as Promise<Record<string, unknown> & { metadata: { resourceVersion: string } }>,
  );
  const t0 = performance.now();
  const response = await fetch(`${base}/lease-0`, {
    method: 'PUT',
    headers: json,
    body: JSON.stringify({
      ...current,
      spec: { holderIdentity: `holder-${u}`, leaseDurationSeconds: 15 },
    }),
  });
  const updated = (await response.json()) as { metadata: { resourceVersion: string } };
  // The write is answered after its event was queued to every watch stream.
  updateRequests.push(performance.now() - t0);
  const rv = updated.metadata.resourceVersion;
  while (watchers.some((w) => !w.received.has(rv))) await new Promise((r) => setImmediate(r));
  const arrivals = watchers.map((w) => (w.received.get(rv) ?? t0) - t0);
  fanOut.push(...arrivals);
  allWatchers.push(Math.max(...arrivals));
  progress(`update ${u}: all watchers in ${Math.max(...arrivals).toFixed(2)} ms`);
}

const stats = server.stats.snapshot();
for (const w of watchers) await w.reader.cancel().catch(() => undefined);
await server.close();

console.log(
  JSON.stringify(
    {
      node: process.version,
      gcExposed: gc !== undefined,
      create: {
        leases: LEASES,
        concurrency: CONCURRENCY,
        seconds: Math.round(createSeconds * 100) / 100,
        perSecond: Math.round(LEASES / createSeconds),
        latencyMs: percentiles(createLatencies),
      },
      watches: { count: opened, openSeconds: Math.round(openSeconds * 100) / 100 },
      memory: {
        baseline,
        after10kLeases: afterCreates,
        with1kWatches: withWatches,
        perWatchRssKiB: Math.round(((withWatches.rssMiB - afterCreates.rssMiB) * 1024) / WATCHES),
        perWatchHeapKiB: Math.round(
          ((withWatches.heapUsedMiB - afterCreates.heapUsedMiB) * 1024) / WATCHES,
        ),
      },
      fanOut: {
        updates: UPDATES,
        updateRequestMs: percentiles(updateRequests),
        perWatcherMs: percentiles(fanOut),
        allWatchersMs: percentiles(allWatchers),
      },
      serverStats: { verbs: stats.verbs, watchEvents: stats.watchEvents },
    },
    null,
    2,
  ),
);
