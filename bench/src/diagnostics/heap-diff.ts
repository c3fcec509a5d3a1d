/**
 * Where the bytes per elector go: compares two V8 heap snapshots of B4's worker taken at two
 * sizes (`LEASEHOLD_BENCH_HEAP_SNAPSHOT=DIR` makes the worker write `<path>-<M>.heapsnapshot`
 * after its final full GC), groups every node's self size by constructor (objects and
 * closures by name, strings, code and arrays by kind), and prints the groups whose growth per
 * added Lease is largest, each with the constructors that most often retain it.
 *
 * `node bench/src/diagnostics/heap-diff.ts SMALL.heapsnapshot M_SMALL LARGE.heapsnapshot M_LARGE [TOP]`
 *
 * Self sizes only (no retained sizes): they add up to the heap, so the per-Lease figures of
 * the groups add up to the heap per Lease. Snapshots of 1,000 electors are a few hundred MB;
 * the parser keeps the node and edge arrays and the string table, nothing more.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Per group: total self size, node count, and the groups of its first strong retainers. */
interface Group {
  bytes: number;
  count: number;
  retainers: Map<string, number>;
}

/** Kinds whose names are data (string contents, code names): grouped by kind alone. */
const BY_KIND = new Set([
  'string',
  'concatenated string',
  'sliced string',
  'code',
  'number',
  'bigint',
]);

function summarise(path: string): Map<string, Group> {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const { meta } = snap.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nType = meta.node_fields.indexOf('type');
  const nName = meta.node_fields.indexOf('name');
  const nSize = meta.node_fields.indexOf('self_size');
  const nEdges = meta.node_fields.indexOf('edge_count');
  const eType = meta.edge_fields.indexOf('type');
  const eTo = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const { nodes, edges, strings } = snap;
  const count = nodes.length / nf;
  const keys: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const type = nodeTypes[nodes[i * nf + nType] as number] ?? '?';
    keys[i] = BY_KIND.has(type)
      ? `(${type})`
      : `${type}:${(strings[nodes[i * nf + nName] as number] ?? '').slice(0, 60)}`;
  }
  // The first strong retainer of each node (edges are listed per node, in node order).
  const retainer = new Int32Array(count).fill(-1);
  let edge = 0;
  for (let i = 0; i < count; i++) {
    const n = nodes[i * nf + nEdges] as number;
    for (let k = 0; k < n; k++, edge += ef) {
      if (edges[edge + eType] === weak) continue;
      const to = (edges[edge + eTo] as number) / nf;
      if (retainer[to] === -1) retainer[to] = i;
    }
  }
  const groups = new Map<string, Group>();
  for (let i = 0; i < count; i++) {
    const key = keys[i] as string;
    let g = groups.get(key);
    if (!g) {
      g = { bytes: 0, count: 0, retainers: new Map() };
      groups.set(key, g);
    }
    g.bytes += nodes[i * nf + nSize] as number;
    g.count += 1;
    const r = retainer[i] as number;
    const rk = r === -1 ? '(none)' : (keys[r] as string);
    g.retainers.set(rk, (g.retainers.get(rk) ?? 0) + 1);
  }
  return groups;
}

const [smallPath, smallM, largePath, largeM, topArg] = process.argv.slice(2);
if (!smallPath || !largePath || !smallM || !largeM) {
  console.error('usage: heap-diff.ts SMALL.heapsnapshot M_SMALL LARGE.heapsnapshot M_LARGE [TOP]');
  process.exit(2);
}
const added = Number(largeM) - Number(smallM);
const small = summarise(smallPath);
const large = summarise(largePath);
const rows = [...large.entries()].map(([key, g]) => {
  const s = small.get(key);
  const bytes = (g.bytes - (s?.bytes ?? 0)) / added;
  const count = (g.count - (s?.count ?? 0)) / added;
  const retainers = [...g.retainers.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
  return { key, bytes, count, retainers };
});
rows.sort((a, b) => b.bytes - a.bytes);
const total = rows.reduce((sum, r) => sum + r.bytes, 0);
console.log(`heap growth per added Lease: ${(total / 1024).toFixed(1)} KB (self sizes)`);
console.log('bytes/Lease  nodes/Lease  group  ←  first retainers (in the large snapshot)');
for (const r of rows.slice(0, Number(topArg ?? 10))) {
  console.log(
    `${r.bytes.toFixed(0).padStart(10)}  ${r.count.toFixed(1).padStart(11)}  ${r.key}  ←  ${r.retainers}`,
  );
}
