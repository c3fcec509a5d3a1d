/**
 * What a process allocates and keeps between two moments: compares two V8 heap snapshots of
 * the same process (node ids are stable across snapshots) and groups the self sizes of the
 * objects that are in the later snapshot but not in the earlier one by constructor, each with
 * the constructors that most often retain it. Taken a second apart in B4's steady state, this
 * is the state each renewal replaces: what survives long enough to be promoted to old space and
 * die there, the garbage that grows the RSS between major GCs.
 *
 * `node bench/src/diagnostics/heap-new.ts EARLIER.heapsnapshot LATER.heapsnapshot [TOP]`
 * (the overload diagnostic writes such a pair with `snapshotA` and `snapshotB`).
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

const BY_KIND = new Set(['string', 'concatenated string', 'sliced string', 'code', 'number']);

function load(path: string) {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const { meta } = snap.snapshot;
  const field = (name: string) => meta.node_fields.indexOf(name);
  return {
    snap,
    nf: meta.node_fields.length,
    ef: meta.edge_fields.length,
    nId: field('id'),
    nType: field('type'),
    nName: field('name'),
    nSize: field('self_size'),
    nEdges: field('edge_count'),
  };
}

const [earlierPath, laterPath, topArg] = process.argv.slice(2);
if (!earlierPath || !laterPath) {
  console.error('usage: heap-new.ts EARLIER.heapsnapshot LATER.heapsnapshot [TOP]');
  process.exit(2);
}
const earlier = load(earlierPath);
const seen = new Set<number>();
for (let i = 0; i < earlier.snap.nodes.length; i += earlier.nf) {
  seen.add(earlier.snap.nodes[i + earlier.nId] as number);
}
earlier.snap.nodes = [];
const later = load(laterPath);
const { snap, nf, ef, nId, nType, nName, nSize, nEdges } = later;
const { nodes, edges, strings } = snap;
const nodeTypes = snap.snapshot.meta.node_types[0];
const eType = snap.snapshot.meta.edge_fields.indexOf('type');
const eTo = snap.snapshot.meta.edge_fields.indexOf('to_node');
const weak = snap.snapshot.meta.edge_types[0].indexOf('weak');
const count = nodes.length / nf;
const key = (i: number) => {
  const type = nodeTypes[nodes[i * nf + nType] as number] ?? '?';
  return BY_KIND.has(type)
    ? `(${type})`
    : `${type}:${(strings[nodes[i * nf + nName] as number] ?? '').slice(0, 60)}`;
};
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
const groups = new Map<string, { bytes: number; count: number; retainers: Map<string, number> }>();
let total = 0;
for (let i = 0; i < count; i++) {
  if (seen.has(nodes[i * nf + nId] as number)) continue;
  const k = key(i);
  let g = groups.get(k);
  if (!g) {
    g = { bytes: 0, count: 0, retainers: new Map() };
    groups.set(k, g);
  }
  const size = nodes[i * nf + nSize] as number;
  g.bytes += size;
  g.count += 1;
  total += size;
  const r = retainer[i] as number;
  const rk = r === -1 ? '(none)' : key(r);
  g.retainers.set(rk, (g.retainers.get(rk) ?? 0) + 1);
}
console.log(`new and still live: ${(total / 2 ** 20).toFixed(1)} MB (self sizes)`);
console.log('      KB    objects  group  ←  first retainers');
for (const [k, g] of [...groups]
  .sort((a, b) => b[1].bytes - a[1].bytes)
  .slice(0, Number(topArg ?? 25))) {
  const retainers = [...g.retainers]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([r, n]) => `${r} ×${n}`)
    .join(', ');
  console.log(
    `${(g.bytes / 1024).toFixed(0).padStart(8)}  ${String(g.count).padStart(9)}  ${k}  ←  ${retainers}`,
  );
}
